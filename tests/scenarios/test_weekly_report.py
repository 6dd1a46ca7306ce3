"""The weekly sync report through the running app: at SYNC_REPORT it is posted once to the
sales and marketing channels, each followed by its chart, uploaded with Slack's external
upload flow (files.getUploadURLExternal, the bytes to the upload URL, then
files.completeUploadExternal) through the outbox; a restart does not post it again. On SQLite
and PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import pytest
from PIL import Image
from sqlalchemy import func, select

from bot.config import Settings
from bot.db import Database
from bot.messages import validate_blocks
from bot.models import SyncReport
from bot.reports.send import send_due_report
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp, app_settings
from tests.support.team import seed_team
from tests.support.weekly import PNG_MAGIC, just_passed, seed_week

CHANNELS = ("CSALES", "CMARKETING")


@pytest.fixture
def seeded(db_url: str, slack: FakeSlackServer) -> Iterator[str]:
    """`db_url`, migrated, with the team and last week's leads (before any app starts)."""
    db = Database(db_url)
    db.upgrade()
    seed_team(db, slack.fake)
    _, _, week = just_passed()
    seed_week(db, week)
    db.dispose()
    yield db_url


def weekly_config(settings: Settings, slack: FakeSlackServer, url: str) -> Settings:
    schedule, _, _ = just_passed()
    return app_settings(settings, slack.url, url, sync_report=schedule)


def reports_in(slack: FakeSlackServer, channel: str) -> list:  # type: ignore[type-arg]
    return [m for m in slack.fake.messages_in(channel) if m.text.startswith("Weekly sync")]


def charts_in(slack: FakeSlackServer, channel: str) -> list:  # type: ignore[type-arg]
    return [m for m in slack.fake.messages_in(channel) if m.files]


def wait_for_charts(slack: FakeSlackServer) -> None:
    deadline = time.monotonic() + 20
    while not all(charts_in(slack, c) for c in CHANNELS):
        assert time.monotonic() < deadline, "the charts did not arrive"
        time.sleep(0.05)


def test_posted_once_to_both_channels_with_the_chart_and_not_again_after_a_restart(
    settings: Settings, slack: FakeSlackServer, seeded: str
) -> None:
    config = weekly_config(settings, slack, seeded)
    _, _, week = just_passed()
    with RunningApp(config):
        wait_for_charts(slack)
    for channel in CHANNELS:
        [report] = reports_in(slack, channel)
        validate_blocks(report.blocks)
        shown = str(report.blocks)
        assert week.label in report.text
        assert "*Spring webinar* · `spring`" in shown and "*Summer $ promo*" in shown
        assert "They loved the demo &lt;!here&gt;" in shown  # quoted, inert
        assert "Fastest worked:* Spring webinar" in shown
        [chart] = charts_in(slack, channel)
        assert float(chart.ts) > float(report.ts)  # the chart follows the report
        assert chart.files[0]["mimetype"] == "image/png"
    # The two upload calls, with the bytes POSTed to the URL in between, once per channel.
    reserved = slack.fake.calls_to("files.getUploadURLExternal")
    assert len(reserved) == 2 and all(int(c["length"]) > 10_000 for c in reserved)
    assert len(slack.fake.calls_to("upload")) == 2
    completed = slack.fake.calls_to("files.completeUploadExternal")
    assert sorted(c["channel_id"] for c in completed) == sorted(CHANNELS)
    files = slack.fake.files.all()
    assert len(files) == 2
    for stored in files:
        assert stored.content is not None and stored.content.startswith(PNG_MAGIC)
        assert 10_000 < len(stored.content) < 2_000_000
        image = Image.open(io.BytesIO(stored.content))
        image.load()  # decodes the whole image
        assert image.format == "PNG" and image.width >= 800 and image.height >= 300

    # A restart: the tick runs at once again, and finds the week's report sent.
    with RunningApp(config) as again:
        assert send_due_report(again.handoff).already  # type: ignore[union-attr]
        time.sleep(1.0)
    for channel in CHANNELS:
        assert len(reports_in(slack, channel)) == 1 and len(charts_in(slack, channel)) == 1
    assert len(slack.fake.calls_to("files.completeUploadExternal")) == 2
    db = Database(seeded)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(SyncReport)) == 1
    db.dispose()


def test_sync_channel_alone_and_off(
    settings: Settings, slack: FakeSlackServer, seeded: str
) -> None:
    slack.fake.add_channel("CSYNC", "sync")
    config = weekly_config(settings, slack, seeded)
    from dataclasses import replace

    with RunningApp(replace(config, sync_report=None)) as app:
        assert send_due_report(app.handoff) is None  # off: nothing is ever due
    with RunningApp(replace(config, sync_channel="CSYNC")):
        deadline = time.monotonic() + 20
        while not charts_in(slack, "CSYNC"):
            assert time.monotonic() < deadline, "no chart in the sync channel"
            time.sleep(0.05)
    assert len(reports_in(slack, "CSYNC")) == 1
    assert all(not reports_in(slack, c) for c in CHANNELS)


@pytest.mark.real_clock
def test_two_processes_on_postgresql_post_it_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.support.app_process import AppProcess, app_env
    from tests.support.databases import postgres_database

    with postgres_database() as url, FakeSlackServer() as slack:
        for channel, name in (("CSALES", "sales"), ("CMARKETING", "marketing")):
            slack.fake.add_channel(channel, name)
        db = Database(url)
        db.upgrade()
        seed_team(db, slack.fake)
        _, text, week = just_passed()
        seed_week(db, week)
        env = app_env(slack.url, url, SYNC_REPORT=text)
        with AppProcess(env, tmp_path) as first, AppProcess(env, tmp_path) as second:
            wait_for_charts(slack)
            time.sleep(3)  # both processes have ticked (at start); nothing more may come
            for app in (first, second):
                assert "Traceback" not in app.output()
        for channel in CHANNELS:
            assert len(reports_in(slack, channel)) == 1, channel
            assert len(charts_in(slack, channel)) == 1, channel
        assert len(slack.fake.calls_to("files.completeUploadExternal")) == 2
        with db.session() as session:
            weeks = session.scalars(select(SyncReport.week)).all()
        assert weeks == [week.label]
        db.dispose()
