"""Outbox keys are stored in running databases: their bytes never change (bot.keys)."""

from __future__ import annotations

from datetime import date, datetime

from bot import keys


def test_every_key_keeps_its_bytes() -> None:
    assert keys.alert_key(7, "UREP1") == "lead:7:alert:UREP1"
    assert keys.claim_key(7) == "lead:7:claim"
    assert keys.reminder_key(7, 2) == "lead:7:reminder:2"
    summary = keys.summary_key("UREP1", datetime(2026, 3, 4, 9, 30))
    assert summary == "lead-summary:UREP1:2026030409"
    assert keys.summary_update_key(summary, 3) == "lead-summary:UREP1:2026030409:3"
    assert keys.escalation_key(7, 2) == "lead:7:escalation:2"
    assert keys.escalation_nudged_key(7, 2) == "lead:7:escalation:2:nudged"
    assert keys.nudge_key(7, 2) == "lead:7:nudge:2"
    assert keys.digest_key("UMGR1", date(2026, 3, 4)) == "digest:UMGR1:2026-03-04"
    assert keys.digest_nudge_key("UREP1", 2960) == "digest-nudge:UREP1:2960"
    assert keys.announcement_key(5) == "campaign:5:announcement"
    assert keys.feedback_post_key(9) == "feedback:9:post"
    assert keys.feedback_reply_key(9) == "feedback:9:reply"
    assert keys.sync_report_key("2026-W47", "CSALES") == "sync-report:2026-W47:CSALES"
    assert keys.sync_chart_key("2026-W47", "CSALES") == "sync-report:2026-W47:CSALES:chart"
