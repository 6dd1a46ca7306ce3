"""Marketing's answers as services (who may answer, once; the DM and the post's update), the
campaign summary for `/campaign stats`, and waiting for the post's permalink."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot import feedback
from bot.config import Settings
from bot.db import Database
from bot.errors import Refusal
from bot.ids import FeedbackIds
from bot.messages import validate_blocks
from bot.models import Campaign, Feedback, OutboxMessage, SlackMessage
from bot.permalinks import Permalinks

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def sent(team: Database, settings: Settings) -> int:
    with team.session() as session:
        session.add(Campaign(code="spring", name="Spring"))
        session.flush()
        return feedback.submit_feedback(
            session, settings=settings, author_id="UREP1", text="spring #pricing Too <@U1> & co"
        ).feedback_id


def reply(db: Database, settings: Settings, fid: int, user: str, text: str) -> Feedback:
    with db.session() as session:
        return feedback.save_reply(session, settings=settings, fid=fid, user=user, text=text)


def rows(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.mark.parametrize("user", ["UMKT1", "UADMIN"])
def test_marketers_and_admins_get_the_reply_modal(team: Database, sent: int, user: str) -> None:
    with team.session() as session:
        view = feedback.reply_view(session, sent, user)
    assert view["callback_id"] == FeedbackIds.REPLY_VIEW and view["private_metadata"] == str(sent)
    validate_blocks(view["blocks"], 100)
    assert ">Too &lt;@U1&gt; &amp; co" in str(view["blocks"]) and "<@UREP1> wrote" in str(view)


@pytest.mark.parametrize("user", ["UREP1", "UMGR1", "UOUTSIDER"])
def test_others_may_not_answer(team: Database, settings: Settings, sent: int, user: str) -> None:
    with team.session() as session, pytest.raises(Refusal, match="Only marketers and admins"):
        feedback.reply_view(session, sent, user)
    with pytest.raises(Refusal, match="Only marketers and admins"):
        reply(team, settings, sent, user, "forged")
    assert len(rows(team)) == 1


def test_the_answer_is_dmed_quoting_the_feedback_and_the_post_updates(
    team: Database, settings: Settings, sent: int
) -> None:
    reply(team, settings, sent, "UMKT1", "  Thanks!\nWe have a <!channel> 10-seat plan  ")
    with team.session() as session:
        row = session.get(Feedback, sent)
        assert row is not None
        assert row.reply_text == "Thanks!\nWe have a <!channel> 10-seat plan"
        assert row.replied_by == "UMKT1" and row.replied_at is not None
    _post, dm, update = rows(team)
    assert (dm.method, dm.channel, dm.key) == (
        "chat.postMessage",
        "UREP1",
        f"feedback:{sent}:reply",
    )
    validate_blocks(dm.args["blocks"])
    shown = str(dm.args["blocks"])
    assert "<@UMKT1> from marketing answered your feedback on *Spring*" in shown
    assert ">Thanks!\\n>We have a &lt;!channel&gt; 10-seat plan" in shown
    assert ">Too &lt;@U1&gt; &amp; co" in shown and "<!channel>" not in shown
    assert (update.method, update.target_key) == ("chat.update", f"feedback:{sent}:post")
    validate_blocks(update.args["blocks"])
    assert "*Answered* by <@UMKT1>" in str(update.args["blocks"])
    assert FeedbackIds.REPLY not in str(update.args["blocks"])


def test_feedback_is_answered_once(team: Database, settings: Settings, sent: int) -> None:
    reply(team, settings, sent, "UMKT1", "first")
    with pytest.raises(Refusal, match="Mark Marketer already answered"):
        reply(team, settings, sent, "UADMIN", "second")
    with team.session() as session, pytest.raises(Refusal, match="already answered"):
        feedback.reply_view(session, sent, "UADMIN")
    assert len(rows(team)) == 3


@pytest.mark.parametrize(
    ("text", "words"), [("   ", "Write an answer"), ("x" * 2001, "2000 characters")]
)
def test_an_empty_or_long_answer_is_refused(
    team: Database, settings: Settings, sent: int, text: str, words: str
) -> None:
    with pytest.raises(Refusal, match=words):
        reply(team, settings, sent, "UMKT1", text)
    assert len(rows(team)) == 1


def test_unknown_feedback(team: Database, settings: Settings) -> None:
    with pytest.raises(Refusal, match="no longer in Handoff"):
        reply(team, settings, 999, "UMKT1", "hi")
    with pytest.raises(Refusal, match="out of date"):
        feedback.feedback_id("nope")


def test_summary_counts_by_tag_and_lists_the_latest(team: Database) -> None:
    with team.session() as session:
        spring, other = Campaign(code="spring", name="Spring"), Campaign(code="o", name="O")
        session.add_all([spring, other])
        session.flush()
        for n, tags in enumerate([["pricing"], ["pricing", "praise"], [], ["competitor"]]):
            session.add(
                Feedback(
                    campaign_id=spring.id,
                    author_id="UREP1",
                    text=f"line {n}",
                    tags=tags,
                    created_at=T0 + timedelta(minutes=n),
                )
            )
        session.add(
            Feedback(
                campaign_id=spring.id,
                author_id="UREP2",
                kind="lead_quality",
                text="Spam or fake",
                tags=["spam"],
                created_at=T0 + timedelta(minutes=9),
            )
        )
        session.add(Feedback(campaign_id=other.id, author_id="UREP1", text="x", tags=["feature"]))
        session.flush()
        summary = feedback.feedback_summary(session, spring.id)
        empty = feedback.feedback_summary(session, other.id + 1)
    assert summary.count == 5 and summary.lead_quality == 1
    assert summary.by_tag == {"pricing": 2, "praise": 1, "competitor": 1}
    assert list(summary.by_tag) == ["pricing", "competitor", "praise"]  # ties: TAGS order
    assert [f.text for f in summary.latest] == ["Spam or fake", "line 3", "line 2"]
    assert (empty.count, empty.by_tag, empty.latest) == (0, {}, [])


def test_the_permalink_comes_once_the_post_is_out(team: Database) -> None:
    client = Mock(spec=WebClient)
    client.chat_getPermalink.return_value = {"permalink": "https://acme.slack.com/p1"}
    waiter = Permalinks(team, client, wait=5, poll=0.01)
    got: list[str | None] = []
    done = threading.Event()

    def posted(link: str | None) -> None:
        got.append(link)
        done.set()

    waiter.when_posted("feedback:1:post", posted)
    time.sleep(0.1)
    assert got == []
    with team.session() as session:
        session.add(SlackMessage(key="feedback:1:post", channel="CMARKETING", ts="1.2"))
    assert done.wait(3)
    assert got == ["https://acme.slack.com/p1"]
    client.chat_getPermalink.assert_called_once_with(channel="CMARKETING", message_ts="1.2")


def test_without_the_post_the_waiter_gives_up_in_time(team: Database) -> None:
    client = Mock(spec=WebClient)
    waiter = Permalinks(team, client, wait=0.2, poll=0.01)
    results: list[str | None] = []
    finished = threading.Event()

    def done(link: str | None) -> None:
        results.append(link)
        if len(results) == 2:
            finished.set()

    started = time.monotonic()
    waiter.when_posted("feedback:1:post", done)
    waiter.when_posted("feedback:2:post", done)
    assert finished.wait(3)
    assert results == [None, None] and time.monotonic() - started < 1.5
    client.chat_getPermalink.assert_not_called()
