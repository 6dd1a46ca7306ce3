"""`/campaign stats CODE [--since DATE]`: the scorecard beside the team's, and the usage for
every mistake."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.config import Settings
from bot.db import Database
from bot.digest.parts import Parts
from bot.messages import validate_blocks
from bot.models import Campaign, Feedback, Lead
from bot.outcomes.stats import StatsRequest, parse_stats, stats_reply
from bot.people import SlackDirectory

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def lead(n: int, campaign: Campaign | None, **fields: object) -> Lead:
    fields.setdefault("received_at", T0)
    return Lead(
        external_id=f"s{n}",
        name=f"Lead {n}",
        campaign_id=campaign.id if campaign else None,
        **fields,
    )


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("spring", StatsRequest("spring")),
        (" Spring Webinar  --since 2025-03-01", StatsRequest("Spring Webinar", date(2025, 3, 1))),
        ("spring --since=2025-03-01", StatsRequest("spring", date(2025, 3, 1))),
        ("spring --since", StatsRequest("spring", bad_since="nothing")),
        ("spring --since 03/01/2025", StatsRequest("spring", bad_since="03/01/2025")),
        ("--since 2025-03-01", StatsRequest("", date(2025, 3, 1))),
    ],
)
def test_parse(text: str, parsed: StatsRequest) -> None:
    assert parse_stats(text) == parsed


def seed(db: Database) -> None:
    with db.session() as session:
        spring = Campaign(code="spring", name="Spring <!here>")
        other = Campaign(code="other", name="Other")
        session.add_all([spring, other])
        session.flush()
        session.add_all(
            [
                lead(1, spring, hot=True),  # untouched
                lead(2, spring, hot=True, first_touched_at=T0 + timedelta(minutes=4)),
                lead(3, spring, first_touched_at=T0 + timedelta(minutes=10), stage="won"),
                lead(4, spring, received_at=T0 - timedelta(days=30)),  # before --since
                lead(5, other, hot=True, first_touched_at=T0 + timedelta(minutes=40)),
                lead(6, None, hot=True),
            ]
        )
        session.add(
            Feedback(
                campaign_id=spring.id,
                author_id="UREP1",
                text="pricey",
                tags=["pricing"],
                created_at=T0,
            )
        )


def reply_text(settings: Settings, team: Database, directory: SlackDirectory, text: str) -> str:
    message = stats_reply(Parts(settings, team, directory), text, now=NOW)
    validate_blocks(message.blocks)
    return message.text + " " + str(message.blocks)


def test_the_scorecard_beside_the_team(
    settings: Settings, team: Database, directory: SlackDirectory
) -> None:
    seed(team)
    text = reply_text(settings, team, directory, " SPRING ")
    assert "Spring &lt;!here&gt;" in text and "all its leads" in text
    assert "*Leads*\\n4\\n_team 6 in all_" in text
    assert "*Hot leads*\\n2 (50%)\\n_team 67% · worse_" in text
    assert "*Touched within 15m*\\n2 (50%)\\n_team 33% · better_" in text
    assert "median 7m · 90% within 10m\\n_team median 10m · better_" in text
    assert "*Won (of leads)*\\n1 (25%)\\n_team 17% · better_" in text
    assert "#pricing 1 · 1 in all" in text and "pricey" in text


def test_since_a_date(settings: Settings, team: Database, directory: SlackDirectory) -> None:
    seed(team)
    text = reply_text(settings, team, directory, "spring --since 2025-03-01")
    assert "leads since 01 Mar 2025" in text
    assert "*Leads*\\n3\\n_team 5 in all_" in text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "Which campaign?"),
        ("nope", "No campaign has the code `nope`"),
        ("spring --since yesterday", "`--since` takes a date like `2026-11-02`"),
        ("spring --since 2025-04-01", "`--since 2025-04-01` is in the future"),
    ],
)
def test_mistakes_get_the_usage(
    settings: Settings, team: Database, directory: SlackDirectory, text: str, words: str
) -> None:
    seed(team)
    assert words in reply_text(settings, team, directory, text)
