"""The campaign service: saving, announcing, reads, ending and lead linking (no Slack)."""

from __future__ import annotations

from threading import Barrier, Thread

import pytest
from sqlalchemy import func, select

from bot import campaigns
from bot.campaigns import CampaignForm
from bot.db import Database
from bot.errors import Refusal
from bot.ids import CampaignIds as Ids
from bot.keys import announcement_key
from bot.messages import validate_blocks
from bot.models import Campaign, CampaignRead, Lead, OutboxMessage, SlackMessage
from tests.support.team import seed_team

SALES = "CSALES"


@pytest.fixture
def team(db: Database) -> Database:
    seed_team(db)
    return db


def save(db: Database, user: str = "UMKT1", campaign_id: int | None = None, **fields: str):
    form = CampaignForm(**{"name": "Spring Webinar", **fields})
    with db.session() as session:
        return campaigns.save_campaign(
            session, form=form, user_id=user, sales_channel=SALES, campaign_id=campaign_id
        )


def outbox_rows(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def posted(db: Database, campaign_id: int) -> None:
    """Pretend the dispatcher posted the announcement."""
    with db.session() as session:
        session.add(SlackMessage(key=announcement_key(campaign_id), channel=SALES, ts="1.2"))


def test_a_new_campaign_is_saved_and_its_announcement_queued(team: Database) -> None:
    result = save(team, audience="CFOs <!channel>", talking_points="Ask about Q2", hot_score="70")
    assert result.errors == {} and result.created
    assert result.campaign.code == "spring-webinar" and result.campaign.created_by == "UMKT1"
    [row] = outbox_rows(team)
    assert row.method == "chat.postMessage" and row.channel == SALES
    assert row.key == f"campaign:{result.campaign.id}:announcement"
    validate_blocks(row.args["blocks"])
    text = str(row.args["blocks"])
    assert "CFOs &lt;!channel&gt;" in text and "Ask about Q2" in text and "spring-webinar" in text
    assert "0 of 4 sales team members have read it" in text
    button = row.args["blocks"][-2]["elements"][0]
    assert button["action_id"] == Ids.GOT_IT and button["value"] == str(result.campaign.id)
    assert row.args["text"]


@pytest.mark.parametrize("user", ["UREP1", "UMGR1", "UOUTSIDER"])
def test_only_marketers_and_admins_save(team: Database, user: str) -> None:
    result = save(team, user=user)
    assert Ids.NAME_BLOCK in result.errors and result.campaign is None
    assert outbox_rows(team) == []


def test_admins_may(team: Database) -> None:
    assert save(team, user="UADMIN").created


def test_a_code_in_use_is_refused_with_a_free_one_suggested(team: Database) -> None:
    save(team)
    save(team, name="Other", code="spring-webinar-2")
    result = save(team, name="Another", code="SPRING-Webinar")
    assert "spring-webinar-3" in result.errors[Ids.CODE_BLOCK]
    with team.session() as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 2


def test_waiting_leads_are_linked_when_the_campaign_is_created(team: Database) -> None:
    with team.session() as session:
        session.add_all(
            [
                Lead(external_id="a", name="A", campaign_code="spring-webinar"),
                Lead(external_id="b", name="B", campaign_code="spring-webinar"),
                Lead(external_id="c", name="C", campaign_code="other"),
            ]
        )
    result = save(team)
    assert result.linked_leads == 2
    with team.session() as session:
        linked = dict(session.execute(select(Lead.external_id, Lead.campaign_id)).all())
    assert linked == {"a": result.campaign.id, "b": result.campaign.id, "c": None}


def test_an_edit_updates_the_announcement_in_place(team: Database) -> None:
    created = save(team).campaign
    posted(team, created.id)
    result = save(team, campaign_id=created.id, name="Spring Webinar (new date)", offer="50% off")
    assert result.errors == {} and not result.created
    update = outbox_rows(team)[-1]
    assert update.method == "chat.update"
    assert update.target_key == announcement_key(created.id) and update.key is None
    assert "Spring Webinar (new date)" in str(update.args["blocks"]) and update.args["text"]
    with team.session() as session:
        assert session.get(Campaign, created.id).offer == "50% off"


def test_an_edit_may_keep_its_own_code_but_not_take_another(team: Database) -> None:
    first = save(team).campaign
    second = save(team, name="Summer").campaign
    assert save(team, campaign_id=first.id, code="spring-webinar").errors == {}
    assert Ids.CODE_BLOCK in save(team, campaign_id=second.id, code="spring-webinar").errors


def test_editing_a_deleted_campaign_is_an_inline_error(team: Database) -> None:
    assert "no longer exists" in save(team, campaign_id=999).errors[Ids.NAME_BLOCK]


def read(db: Database, campaign_id: int, user: str) -> campaigns.ReadResult:
    with db.session() as session:
        return campaigns.record_read(
            session, campaign_id=campaign_id, slack_id=user, sales_channel=SALES
        )


def read_refused(db: Database, campaign_id: int, user: str) -> str:
    """The kind of the Refusal a read gets (fails the test if the read is recorded)."""
    with pytest.raises(Refusal) as refusal:
        read(db, campaign_id, user)
    return refusal.value.kind


def test_got_it_counts_once_per_person_and_only_the_sales_team(team: Database) -> None:
    campaign = save(team).campaign
    assert read(team, campaign.id, "UREP1").campaign.id == campaign.id  # recorded
    assert read_refused(team, campaign.id, "UREP1") == "already"
    assert read(team, campaign.id, "UMGR1").counted
    marketer = read(team, campaign.id, "UMKT1")
    assert marketer.campaign.id == campaign.id and not marketer.counted  # recorded, not counted
    assert read_refused(team, 999, "UREP1") == "unknown"
    with team.session() as session:
        assert campaigns.read_count(session, campaign.id) == campaigns.ReadCount(2, 4)
    updates = [r for r in outbox_rows(team) if r.method == "chat.update"]
    assert len(updates) == 2  # one per counted read
    assert "1 of 4 sales team" in str(updates[0].args["blocks"])
    assert "2 of 4 sales team" in str(updates[1].args["blocks"])


def test_simultaneous_clicks_by_one_person_count_once(team: Database) -> None:
    campaign = save(team).campaign
    start = Barrier(4)
    outcomes: list[str] = []

    def click() -> None:
        start.wait()
        try:
            read(team, campaign.id, "UREP2")
        except Refusal as refusal:
            outcomes.append(refusal.kind)
        else:
            outcomes.append("recorded")

    threads = [Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already"] * 3 + ["recorded"]
    with team.session() as session:
        assert session.scalar(select(func.count()).select_from(CampaignRead)) == 1


def test_simultaneous_clicks_by_different_people_end_on_the_full_count(team: Database) -> None:
    campaign = save(team).campaign
    people = ["UREP1", "UREP2", "UREP3", "UMGR1"]
    start = Barrier(len(people))

    def click(user: str) -> None:
        start.wait()
        read(team, campaign.id, user)

    threads = [Thread(target=click, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    updates = [r for r in outbox_rows(team) if r.method == "chat.update"]
    # Queued in commit order, each with the count as of its own commit: the last says 4 of 4.
    shown = [u.args["text"].split(". ")[-1] for u in updates]
    assert shown == [f"{n} of 4 sales team members have read it." for n in range(1, 5)]


def end(db: Database, code: str, user: str = "UMKT1") -> campaigns.EndResult:
    with db.session() as session:
        return campaigns.end_campaign(session, code=code, user_id=user, sales_channel=SALES)


def test_ending_a_campaign(team: Database) -> None:
    campaign = save(team).campaign
    for code, user, kind in [("spring-webinar", "UREP1", "refused"), ("nope", "UMKT1", "unknown")]:
        with pytest.raises(Refusal) as refusal:
            end(team, code, user=user)
        assert refusal.value.kind == kind
    assert end(team, "SPRING-WEBINAR").campaign.id == campaign.id  # ended
    with pytest.raises(Refusal) as refusal:
        end(team, "spring-webinar")
    assert refusal.value.kind == "already"
    with team.session() as session:
        ended = session.get(Campaign, campaign.id)
        assert ended.status == "ended" and ended.ended_at is not None
        assert campaigns.active_campaigns(session) == []
    update = outbox_rows(team)[-1]
    assert update.method == "chat.update"
    assert "Ended: Spring Webinar" in str(update.args["blocks"])
    assert Ids.GOT_IT not in str(update.args["blocks"])
