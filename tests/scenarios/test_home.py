import time

from sqlalchemy import select

from bot.messages import validate_blocks
from bot.models import Campaign, Lead, Person
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.outbox_rows import outbox_messages
from tests.support.running_app import RunningApp


def test_opening_home_publishes_the_reps_queue(running: RunningApp, slack: FakeSlackServer) -> None:
    with running.handoff.db.session() as session:
        session.add(Campaign(code="spring", name="Spring <!channel> webinar", offer="Free trial"))
        session.add(Lead(external_id="h1", name="Ada & Co", hot=True, owner_id="UREP1"))
        session.add(Lead(external_id="h2", name="Cold Carl", hot=False, owner_id="UREP1"))
    response = running.slack.event({"type": "app_home_opened", "user": "UREP1", "tab": "home"})
    assert response.status_code == 200
    published = slack.fake.wait_for("views.publish")[0]
    assert published["user_id"] == "UREP1"
    view = published["view"]
    validate_blocks(view["blocks"], 100)
    text = str(view)
    assert text.index("Ada &amp; Co") < text.index("Cold Carl")  # hot first
    assert "as *rep*" in text


def test_strangers_are_told_how_to_join(running: RunningApp, slack: FakeSlackServer) -> None:
    running.slack.event({"type": "app_home_opened", "user": "UOUTSIDER", "tab": "home"})
    view = slack.fake.wait_for("views.publish")[0]["view"]
    assert "not on the Handoff team yet" in str(view)


def test_messages_tab_is_ignored(running: RunningApp, slack: FakeSlackServer) -> None:
    running.slack.event({"type": "app_home_opened", "user": "UREP1", "tab": "messages"})
    running.slack.event({"type": "app_home_opened", "user": "UREP2", "tab": "home"}, event_id="Ev2")
    published = slack.fake.wait_for("views.publish")
    assert [p["user_id"] for p in published] == ["UREP2"]
    published_rows = outbox_messages(running.handoff.db, "views.publish")
    assert [row.args["user_id"] for row in published_rows] == ["UREP2"]


def test_a_retried_event_is_handled_once(running: RunningApp, slack: FakeSlackServer) -> None:
    event = {"type": "app_home_opened", "user": "UREP1", "tab": "home"}
    assert running.slack.event(event, event_id="EvSame").status_code == 200
    assert running.slack.event(event, event_id="EvSame").status_code == 200
    slack.fake.wait_for("views.publish")
    time.sleep(0.3)
    assert len(slack.fake.calls_to("views.publish")) == 1
    assert len(outbox_messages(running.handoff.db, "views.publish", to="UREP1")) == 1


def test_the_away_switch_on_home(running: RunningApp, slack: FakeSlackServer) -> None:
    running.slack.event({"type": "app_home_opened", "user": "UREP1", "tab": "home"})
    view = slack.fake.wait_for("views.publish")[0]["view"]
    button = next(
        b["accessory"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == "routing_away_toggle"
    )
    assert button["text"]["text"] == "I'm away"
    for count, label in ((2, "I'm back"), (3, "I'm away")):
        payload = {
            "type": "block_actions",
            "user": {"id": "UREP1", "username": "urep1", "team_id": "T0001"},
            "trigger_id": f"trig.{time.monotonic_ns()}",
            "container": {"type": "view", "view_id": "VHOME"},
            "view": {"id": "VHOME", "type": "home"},
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": "b",
                    "value": button["value"],
                    "action_ts": str(time.time()),
                }
            ],
        }
        assert running.slack.interaction(payload).status_code == 200
        view = slack.fake.wait_for("views.publish", count=count)[-1]["view"]
        validate_blocks(view["blocks"], 100)
        assert label in str(view)
        with running.handoff.db.session() as session:
            away = session.scalar(select(Person.away_since).where(Person.slack_id == "UREP1"))
        assert (away is not None) == (label == "I'm back")
