"""What a digest says: which leads, grouped and ordered how, yesterday's figures, the links,
the buttons, the 50-block cut, and how few queries it takes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import event

from bot.config import Settings
from bot.db import Database
from bot.digest import build_digests, render_digest
from bot.digest.build import plan
from bot.digest.figures import day_window
from bot.digest.plain import as_text
from bot.digest.query import RepStale, StaleLead
from bot.ids import DigestIds, LeadIds
from bot.messages import validate_blocks
from bot.models import Ping, SlackMessage
from bot.people import import_roster
from tests.bot.digest.test_digest_helpers import (
    add_lead,
    campaign,
    handoff_for,
    office_settings,
    seed_people,
    stale,
    utc,
)

MONDAY_0830_NY = utc(2026, 11, 23, 13, 30)


def digests_at(settings: Settings, db: Database, now=MONDAY_0830_NY, managers=None):
    with handoff_for(settings, db) as handoff:
        return {d.manager_id: d for d in build_digests(handoff, managers, now=now)}


def shown(digest) -> dict[str, list[int]]:
    return {rep.rep_id: [lead.id for lead in rep.leads] for rep in digest.reps}


def test_stale_and_late_hot_leads_grouped_by_rep_most_stale_first(
    db: Database, settings: Settings
) -> None:
    seed_people(db)
    now = MONDAY_0830_NY
    older = stale(db, "UREP1", now, days=5)
    old = stale(db, "UREP1", now, days=3)
    late_hot = add_lead(db, "UREP1", now - timedelta(hours=1), hot=True, score=95)
    ravi = stale(db, "UREP2", now, days=4)
    kavya = stale(db, "UREP4", now, days=2.5)
    # None of these is stale:
    add_lead(db, "UREP1", now - timedelta(days=1))  # young
    add_lead(db, "UREP1", now - timedelta(minutes=10), hot=True)  # hot, inside its SLA
    stale(db, "UREP1", now, first_touched_at=now - timedelta(days=1), status="claimed")
    stale(db, "UREP1", now, status="contacted")
    stale(db, "UREP1", now, status="not_fit")
    stale(db, "UREP1", now, status="snoozed", snoozed_until=now + timedelta(hours=1))
    stale(db, "UREP3", now)  # Noah has no manager
    stale(db, None, now)  # unassigned

    digests = digests_at(settings, db)

    maria = digests["UMGR1"]
    assert [rep.rep_id for rep in maria.reps] == ["UREP1", "UREP2"]
    assert shown(maria) == {"UREP1": [late_hot, older, old], "UREP2": [ravi]}
    assert (maria.reps[0].total, maria.reps[0].hot_total) == (3, 1)
    assert shown(digests["UMGR2"]) == {"UREP4": [kavya]}


def test_a_snooze_that_ended_counts_as_stale_again(db: Database, settings: Settings) -> None:
    seed_people(db)
    lead = stale(db, "UREP1", MONDAY_0830_NY, snoozed_until=MONDAY_0830_NY - timedelta(hours=1))
    assert shown(digests_at(settings, db)["UMGR1"]) == {"UREP1": [lead]}


def test_hot_sla_is_counted_in_each_reps_working_hours(db: Database, settings: Settings) -> None:
    seed_people(db)
    office = office_settings(settings)
    sunday_night_ny = utc(2026, 11, 23, 4, 0)  # Sun 23:00 in New York, Mon 09:30 in Kolkata
    rita = add_lead(db, "UREP1", sunday_night_ny, hot=True)
    ravi = add_lead(db, "UREP2", sunday_night_ny, hot=True)

    at_0810_ny = digests_at(office, db, now=utc(2026, 11, 23, 13, 10))["UMGR1"]
    # Rita has worked 10 minutes since the lead came in; Ravi a whole day.
    assert shown(at_0810_ny) == {"UREP2": [ravi]}
    at_0830_ny = digests_at(office, db, now=utc(2026, 11, 23, 13, 30))["UMGR1"]
    assert shown(at_0830_ny) == {"UREP1": [rita], "UREP2": [ravi]}


def test_message_shows_age_campaign_score_and_alert_link_and_carries_the_buttons(
    db: Database, settings: Settings
) -> None:
    seed_people(db)
    spring = campaign(db, "Spring <webinar> & co")
    lead = stale(
        db,
        "UREP1",
        MONDAY_0830_NY,
        days=3,
        name='Ada "Hack" <!channel>',
        company="Acme & Sons",
        score=91,
        campaign_id=spring,
    )
    stale(db, "UREP1", MONDAY_0830_NY, days=2.5, campaign_code="autumn")
    with db.session() as session:
        # The rep's alert is in their DM, which the manager cannot open: no link to it. The
        # escalation the manager got about this lead is linked instead (issue 14, Found 4).
        session.add(
            SlackMessage(key=f"lead:{lead}:alert:UREP1", channel="DREP1", ts="1700000000.000100")
        )
        session.add(Ping(lead_id=lead, step=1, cycle=0, recipient_id="UMGR1"))
        session.add(
            SlackMessage(key=f"lead:{lead}:escalation:0", channel="DMGR1", ts="1700000000.000200")
        )

    message = render_digest(digests_at(settings, db)["UMGR1"], settings)

    assert message is not None
    validate_blocks(message.blocks)
    assert message.text == "Stale leads on Mon 23 Nov: 2 across 1 rep"
    header, _figures, divider, rep, first, second = message.blocks
    assert header["text"]["text"] == "Stale leads · Mon 23 Nov"
    assert divider["type"] == "divider"
    assert rep["text"]["text"].startswith("*<@UREP1>* · 2 untouched leads")
    assert rep["accessory"]["action_id"] == DigestIds.NUDGE
    assert rep["accessory"]["value"] == "UREP1"
    text = first["text"]["text"]
    assert text.startswith('*Ada "Hack" &lt;!channel&gt;* · Acme &amp; Sons\nuntouched 3d')
    assert "Spring &lt;webinar&gt; &amp; co · score 91" in text
    assert text.endswith(
        "<https://slack.com/app_redirect?channel=DMGR1&amp;message_ts=1700000000.000200|escalation>"
    )
    assert "DREP1" not in json.dumps(message.blocks)
    assert first["accessory"]["action_id"] == LeadIds.REASSIGN
    assert first["accessory"]["value"] == str(lead)
    assert first["block_id"] == f"{DigestIds.LEAD_BLOCK}:{lead}"
    # No campaign brief for the code: the code stands in; no escalation: no link.
    assert "untouched 2d 12h · autumn · score n/a" in second["text"]["text"]
    assert "|escalation>" not in second["text"]["text"]
    assert "<!channel>" not in json.dumps(message.blocks)


def add_reps(db: Database, count: int) -> list[str]:
    ids = [f"UR{n:02d}" for n in range(count)]
    rows = "".join(f"{rep},,Rep {rep},rep,UMGR1,America/New_York\n" for rep in ids)
    with db.session() as session:
        import_roster(session, "slack_id,email,name,role,manager,tz\n" + rows)
    return ids


def test_a_long_digest_stops_inside_fifty_blocks_with_and_n_more(
    db: Database, settings: Settings
) -> None:
    seed_people(db)
    reps = add_reps(db, 12)
    for rep in reps:
        for n in range(8):
            stale(db, rep, MONDAY_0830_NY, days=3 + n)

    digest = digests_at(settings, db, managers=["UMGR1"])["UMGR1"]
    message = render_digest(digest, settings)

    assert message is not None
    validate_blocks(message.blocks)
    assert len(message.blocks) == 50
    rows = [b for b in message.blocks if b.get("block_id", "").startswith(DigestIds.REP_BLOCK)]
    assert len(rows) == 12  # every rep, with 2 leads each and the 10 spare blocks shared out
    assert [row["text"]["text"][-9:] for row in rows] == ["showing 3"] * 10 + ["showing 2"] * 2
    assert message.blocks[-1]["elements"][0]["text"] == (
        "…and 62 more stale leads. `/leads stale` shows the current list."
    )
    on_demand = render_digest(digest, settings, on_demand=True)
    assert on_demand is not None
    assert on_demand.blocks[-1]["elements"][0]["text"].endswith(
        "Nudge a rep to send them their whole list."
    )


def test_too_many_reps_for_one_message(db: Database, settings: Settings) -> None:
    seed_people(db)
    for rep in add_reps(db, 30):
        stale(db, rep, MONDAY_0830_NY)
    message = render_digest(digests_at(settings, db, managers=["UMGR1"])["UMGR1"], settings)
    assert message is not None
    validate_blocks(message.blocks)
    assert len(message.blocks) == 50
    assert message.blocks[-1]["elements"][0]["text"].startswith(
        "…and 7 more stale leads from 7 more reps."
    )


def rep_with(n: int, name: str = "r") -> RepStale:
    now = MONDAY_0830_NY
    leads = [StaleLead(i, "x", None, None, False, now, None) for i in range(min(n, 10))]
    return RepStale(name, name, total=n, leads=leads)


def test_plan_gives_every_rep_room_before_anyone_gets_more() -> None:
    reps = [rep_with(100, "a"), rep_with(1, "b"), rep_with(3, "c")]
    layout = plan(reps, budget=10)
    assert [len(rep.leads) for rep in layout.reps] == [3, 1, 3]
    assert (layout.hidden_leads, layout.hidden_reps) == (104 - 7, 0)
    roomier = plan(reps, budget=13)  # four each fit (11 blocks), the spare two go to "a"
    assert [len(rep.leads) for rep in roomier.reps] == [6, 1, 3]
    tight = plan(reps, budget=5)
    assert [len(rep.leads) for rep in tight.reps] == [1, 1]
    assert (tight.hidden_leads, tight.hidden_reps) == (102, 1)
    one = plan([rep_with(100)], budget=46)
    assert [len(rep.leads) for rep in one.reps] == [10]
    assert one.hidden_leads == 90


def test_all_clear_is_one_line_or_nothing(db: Database, settings: Settings) -> None:
    seed_people(db)
    digest = digests_at(settings, db)["UMGR2"]
    message = render_digest(digest, settings)
    assert message is not None
    validate_blocks(message.blocks)
    assert len(message.blocks) == 1
    assert message.text == "All clear for Mon 23 Nov: none of your reps' leads is stale."
    assert render_digest(digest, replace(settings, digest_all_clear=False)) is None
    on_demand = render_digest(digest, replace(settings, digest_all_clear=False), on_demand=True)
    assert on_demand is not None and on_demand.text == "No stale leads on your team right now."


def test_yesterdays_figures_in_the_managers_own_day(db: Database, settings: Settings) -> None:
    seed_people(db)
    spring = campaign(db, "Spring")
    sunday_ny = utc(2026, 11, 22, 5, 0)  # Sun 00:00 in New York
    add_lead(db, "UREP1", sunday_ny - timedelta(minutes=1), hot=True)  # Saturday there
    add_lead(
        db,
        "UREP1",
        sunday_ny,
        hot=True,
        campaign_id=spring,
        first_touched_at=sunday_ny + timedelta(minutes=5),
    )
    add_lead(
        db,
        "UREP2",
        utc(2026, 11, 22, 15, 0),
        hot=True,
        campaign_id=spring,
        first_touched_at=utc(2026, 11, 22, 15, 30),
    )
    add_lead(db, "UREP1", utc(2026, 11, 23, 4, 59), hot=True)  # Sun 23:59, untouched
    add_lead(db, "UREP1", utc(2026, 11, 23, 5, 0), hot=True)  # Monday already
    add_lead(db, "UREP1", utc(2026, 11, 22, 15, 0))  # cold
    add_lead(db, "UREP4", utc(2026, 11, 22, 15, 0), hot=True)  # another team

    message = render_digest(digests_at(settings, db)["UMGR1"], settings)

    assert message is not None
    assert message.blocks[1]["text"]["text"] == (
        "*Yesterday (Sun 22 Nov)*: 3 hot leads in · 33% touched within the 15m SLA · "
        "median time to first touch 17m\n"
        "• Spring: 2 in · 50% within SLA · median 17m\n"
        "• No campaign: 1 in · 0% within SLA · median n/a"
    )


def test_yesterday_across_the_daylight_saving_change(db: Database, settings: Settings) -> None:
    seed_people(db)
    from zoneinfo import ZoneInfo

    start, end = day_window(utc(2026, 11, 1).date(), ZoneInfo("America/New_York"))
    assert end - start == timedelta(hours=25)
    add_lead(db, "UREP1", utc(2026, 11, 1, 3, 59), hot=True)  # Sat 23:59 EDT
    add_lead(db, "UREP1", utc(2026, 11, 1, 4, 0), hot=True)  # Sun 00:00 EDT
    add_lead(db, "UREP1", utc(2026, 11, 2, 4, 30), hot=True)  # Sun 23:30 EST
    add_lead(db, "UREP1", utc(2026, 11, 2, 5, 0), hot=True)  # Mon 00:00 EST
    digest = digests_at(settings, db, now=utc(2026, 11, 2, 13, 30))["UMGR1"]
    assert digest.figures.day.isoformat() == "2026-11-01"
    assert digest.figures.team.hot_in == 2


def test_no_hot_leads_yesterday(db: Database, settings: Settings) -> None:
    seed_people(db)
    stale(db, "UREP1", MONDAY_0830_NY)
    message = render_digest(digests_at(settings, db)["UMGR1"], settings)
    assert message is not None
    assert message.blocks[1]["text"]["text"] == "*Yesterday (Sun 22 Nov)*: no hot leads came in."


def test_the_number_of_queries_does_not_grow_with_reps_or_leads(
    db: Database, settings: Settings
) -> None:
    seed_people(db)
    stale(db, "UREP1", MONDAY_0830_NY)

    def count_queries() -> int:
        statements = []

        def record(*_args: object) -> None:
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            digests_at(settings, db)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    few = count_queries()
    for rep in add_reps(db, 20):
        for n in range(5):
            lead = stale(db, rep, MONDAY_0830_NY, days=3 + n, hot=n == 0)
            with db.session() as session:
                session.add(SlackMessage(key=f"lead:{lead}:alert:{rep}", channel="D1", ts="1.2"))
        add_lead(db, rep, MONDAY_0830_NY - timedelta(hours=2), hot=True)
    assert count_queries() == few <= 12


def test_dry_run_text_is_readable(db: Database, settings: Settings) -> None:
    seed_people(db)
    lead = stale(db, "UREP1", MONDAY_0830_NY, name="Ada <Lovelace>", score=70)
    with db.session() as session:
        session.add(Ping(lead_id=lead, step=1, cycle=0, recipient_id="UMGR1"))
        session.add(SlackMessage(key=f"lead:{lead}:escalation:0", channel="DMGR1", ts="1.2"))
    digest = digests_at(settings, db)["UMGR1"]
    message = render_digest(digest, settings)
    assert message is not None
    text = as_text(message, digest.rep_names)
    assert "*@Rita Rep* · 1 untouched lead  [Nudge]" in text
    assert "*Ada <Lovelace>*  [Reassign]" in text
    assert "escalation (https://slack.com/app_redirect?channel=DMGR1&message_ts=1.2)" in text
