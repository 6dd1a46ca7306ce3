"""No lead data, message text, token or secret in the log at any level, DEBUG included."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from bot.config import Settings
from tests.scenarios.test_alerts_support import delivered, hot_lead
from tests.scenarios.test_feedback_support import feedback, marketing_post
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp
from tests.support.team import seed_team

LEAD = {
    "name": "Zelda Quuxworth",
    "email": "zelda.quux@privately.example",
    "phone": "+1 555 0199 7788",
    "note": "Budget approved xyzzy-note",
    "company": "Plughcorp Hidden",
}
FAILED_LEAD = {
    "name": "Yorick Failwrite",
    "email": "yorick.fail@privately.example",
    "phone": "+44 20 7946 0321",
    "note": "never stored frobnitz-note",
}
FEEDBACK = "They asked about the secret roadmap wibblewobble"


def refuse_lead_inserts(running: RunningApp) -> None:
    """Make the next lead INSERT fail inside the database, as a full disk would."""
    with running.handoff.db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text(
                    "CREATE FUNCTION refuse_leads() RETURNS trigger AS "
                    "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON leads "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_leads()"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON leads "
                    "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                )
            )


def test_a_debug_log_holds_no_lead_data_message_text_or_secret(
    app_config: Settings, slack: FakeSlackServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger at DEBUG, before the app is built
    with RunningApp(app_config) as running:
        seed_team(running.handoff.db, slack.fake)
        response = running.post_leads(hot_lead(1, **LEAD))
        assert response.status_code == 202
        delivered(slack, "UREP1", LEAD["name"])
        feedback(running, slack, FEEDBACK)
        marketing_post(slack, "wibblewobble")
        forged = urlencode({"command": "/feedback", "text": FEEDBACK, "user_id": "UREP1"})
        answer = running.http.post(
            "/slack/events",
            content=forged,
            headers={"x-slack-request-timestamp": "1", "x-slack-signature": "v0=" + "a" * 64},
        )
        assert answer.status_code == 401
        refuse_lead_inserts(running)
        assert running.post_leads(hot_lead(2, **FAILED_LEAD)).status_code == 503

    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert "storing leads failed" in logged  # the failure itself is logged, by ids
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG was on
    secrets = {
        "bot token": app_config.slack_bot_token,
        "signing secret": app_config.slack_signing_secret,
        "webhook secret": app_config.leads_webhook_secret,
        "feedback": "wibblewobble",
        **{f"lead {key}": value for key, value in LEAD.items()},
        **{f"failed lead {key}": value for key, value in FAILED_LEAD.items()},
    }
    leaked = {what: value for what, value in secrets.items() if value and value in logged}
    assert leaked == {}
