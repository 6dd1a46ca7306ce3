"""The sandbox's settings (isolated from the configured ones), its saved workspace and its
modal bookkeeping."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.config import Settings, load_settings
from sandbox import demo, persist
from sandbox.fakeslack import FakeSlack
from sandbox.modals import Modals
from sandbox.relay import Answer, Relay
from sandbox.settings import sandbox_settings

PRODUCTION = {
    "SLACK_BOT_TOKEN": "xoxb-real-workspace-token",
    "SLACK_SIGNING_SECRET": "real-signing-secret",
    "SLACK_APP_TOKEN": "xapp-real-app-token",
    "SLACK_API_URL": "https://slack.example.com/api/",
    "DATABASE_URL": "postgresql+psycopg://handoff:secret@db.internal:5432/handoff",
    "SALES_CHANNEL": "CREALSALES",
    "MARKETING_CHANNEL": "CREALMKT",
    "LEADS_WEBHOOK_SECRET": "the-real-webhook-secret-123",
    "HOST": "0.0.0.0",  # noqa: S104 - a production setting the sandbox must override
    "HOT_LEAD_SLA": "15m",
    "WORKING_HOURS": "Mon-Fri 08:00-18:00",
}


def test_the_sandbox_never_uses_the_configured_database_or_workspace(tmp_path: Path) -> None:
    base = load_settings(PRODUCTION)
    forced = sandbox_settings(base, workdir=tmp_path, port=4321)
    assert forced.database_url == f"sqlite:///{tmp_path.resolve() / 'handoff-sandbox.db'}"
    assert "db.internal" not in forced.database_url
    assert forced.slack_bot_token and forced.slack_bot_token.startswith("xoxb-sandbox-")
    assert forced.slack_bot_token != base.slack_bot_token
    assert forced.slack_signing_secret not in (None, base.slack_signing_secret)
    assert forced.leads_webhook_secret not in (None, base.leads_webhook_secret)
    assert forced.slack_app_token is None and not forced.socket_mode
    assert forced.slack_api_url == "http://127.0.0.1:4321/sandbox/slack/api/"
    assert forced.host == "127.0.0.1" and forced.port == 4321
    assert (forced.sales_channel, forced.marketing_channel) == (
        demo.SALES_CHANNEL,
        demo.MARKETING_CHANNEL,
    )
    assert forced.hot_lead_sla.total_seconds() == 60 and forced.working_hours.always


def test_each_sandbox_gets_its_own_secrets(tmp_path: Path) -> None:
    first = sandbox_settings(Settings(), workdir=tmp_path, port=1)
    second = sandbox_settings(Settings(), workdir=tmp_path, port=1)
    assert first.slack_signing_secret != second.slack_signing_secret
    assert first.slack_bot_token != second.slack_bot_token


def test_harmless_choices_are_kept_and_the_demo_threshold_is_not(tmp_path: Path) -> None:
    base = replace(Settings(), log_level="DEBUG", hot_score=95, default_timezone="Europe/Berlin")
    forced = sandbox_settings(base, workdir=tmp_path, port=1)
    assert (forced.log_level, forced.default_timezone) == ("DEBUG", "Europe/Berlin")
    assert forced.hot_score == 80


def test_the_workspace_survives_a_restart(tmp_path: Path) -> None:
    fake = FakeSlack()
    demo.seed_workspace(fake)
    posted = fake.post_message("C0SALES", "first", [{"type": "divider"}])
    fake.update_message("C0SALES", posted.ts, text="second", blocks=None)
    fake.post_message("C0SALES", "a reply", thread_ts=posted.ts)
    fake.post_ephemeral("C0SALES", "U0SAM", "just for Sam")
    path = tmp_path / "state.json"
    fake.post_message("U0SAM", "a DM")
    persist.save(fake, path)

    restored = FakeSlack()
    demo.seed_workspace(restored)
    assert persist.load(restored, path)
    assert [m.text for m in restored.messages_in("D0SAM")] == ["a DM"]
    assert restored.channels["D0SAM"]["is_im"]  # the DM is open again
    message = restored.find_message("C0SALES", posted.ts)
    assert message is not None and message.text == "second" and message.edited
    assert message.history[0].text == "first"
    assert [m.text for m in restored.thread("C0SALES", posted.ts)] == ["second", "a reply"]
    assert [e.text for e in restored.ephemerals_for("U0SAM")] == ["just for Sam"]


def test_a_missing_or_foreign_state_file_is_not_loaded(tmp_path: Path) -> None:
    fake = FakeSlack()
    assert not persist.load(fake, tmp_path / "missing.json")
    (tmp_path / "other.json").write_text('{"format": 99, "messages": []}')
    assert not persist.load(fake, tmp_path / "other.json")
    (tmp_path / "broken.json").write_text("{not json")
    assert not persist.load(fake, tmp_path / "broken.json")


def test_a_modal_belongs_to_whoever_clicked() -> None:
    fake = FakeSlack()
    changes: list[int] = []
    modals = Modals(fake, lambda: changes.append(1))
    modals.issued("trigger-mia", "U0MIA")
    opened = fake.open_view(
        {"type": "modal", "title": {"type": "plain_text", "text": "A"}}, "trigger-mia"
    )
    assert (modals.top("U0MIA") or {})["id"] == opened.id
    assert modals.top("U0SAM") is None
    stranger = fake.open_view({"type": "modal"}, "never-issued")
    assert not modals.owns("U0MIA", stranger.id)

    modals.issued("trigger-mia-2", "U0MIA")
    pushed = fake.open_view({"type": "modal"}, "trigger-mia-2", pushed=True)
    assert (modals.top("U0MIA") or {})["id"] == pushed.id
    modals.close("U0MIA", pushed.id)
    assert (modals.top("U0MIA") or {})["id"] == opened.id and changes
    modals.close("U0MIA", opened.id, everything=True)
    assert modals.top("U0MIA") is None


def test_slack_would_complain_about_a_failed_or_slow_answer() -> None:
    assert Relay.problem(Answer(200, b"", 0.2), "/leads") is None
    assert "dispatch_failed" in (Relay.problem(Answer(404, b"", 0.1), "/leads") or "")
    assert "dispatch_failed" in (Relay.problem(Answer(0, b"", 0.0), "/leads") or "")
    assert "operation_timeout" in (Relay.problem(Answer(200, b"", 3.4), "/leads") or "")
