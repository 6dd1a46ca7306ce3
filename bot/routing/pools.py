"""Round-robin pools: whom a lead's round robin chooses among, and what the pool is called.

A campaign may name its reps (the campaign form's "Reps", `campaign_reps`): its leads go to
them in turn, in a rotation of their own (pool `campaign:<id>`). A campaign that names no
reps, and a lead with no campaign, use the whole team (pool `team`). Only roster members who
take leads (`bot.permissions.takes_leads`) may be named, and only they are ever chosen: one
who stops taking leads later simply drops out of the pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.lookups import campaign_of
from bot.models import Campaign, CampaignRep, Lead, Person, SlackUser
from bot.permissions import takes_leads
from bot.states import AssignedHow

TEAM_POOL = "team"  # every rep who takes leads
TEAM_LABEL = "the team"
CAMPAIGN_POOL = "campaign:"  # + the campaign's id
NAMED_IN_ERROR = 3  # people named in the form's error before "and N more"


@dataclass(frozen=True)
class Pool:
    """A rotation: its key in `routing_turns` and `routing_decisions`, its label for people,
    and who is in it (None: everyone who takes leads)."""

    key: str
    label: str
    members: frozenset[str] | None = None


TEAM = Pool(TEAM_POOL, TEAM_LABEL)


def campaign_pool_label(name: str) -> str:
    return f"the {name} pool"


def campaign_reps(session: Session, campaign_id: int) -> tuple[str, ...]:
    """The reps a campaign names, in the order of their names on the roster."""
    rows = session.execute(
        select(CampaignRep.slack_id)
        .outerjoin(Person, Person.slack_id == CampaignRep.slack_id)
        .where(CampaignRep.campaign_id == campaign_id)
        .order_by(Person.name, CampaignRep.slack_id)
    )
    return tuple(str(slack_id) for (slack_id,) in rows)


def set_campaign_reps(session: Session, campaign_id: int, reps: Sequence[str]) -> None:
    """Make `reps` (already checked by `reps_problem`) the campaign's pool."""
    wanted = list(dict.fromkeys(reps))
    current = set(campaign_reps(session, campaign_id))
    if current == set(wanted):
        return
    session.execute(delete(CampaignRep).where(CampaignRep.campaign_id == campaign_id))
    session.add_all(CampaignRep(campaign_id=campaign_id, slack_id=user) for user in wanted)
    session.flush()


def reps_problem(session: Session, reps: Sequence[str]) -> str | None:
    """Why `reps` cannot be a campaign's pool (someone in it does not take leads), or None."""
    people = {
        p.slack_id: p for p in session.scalars(select(Person).where(Person.slack_id.in_(reps)))
    }
    wrong: list[str] = []
    for user in reps:
        someone = people.get(user)
        if takes_leads(someone):
            continue
        if someone is None:
            cached = session.get(SlackUser, user)
            known = cached.name if cached is not None and cached.name else None
            wrong.append(f"{known or 'someone you picked'} is not on the team roster")
        elif someone.role == "manager":
            wrong.append(f"{someone.name} is a manager who takes no leads (roster weight 0)")
        else:
            wrong.append(f"{someone.name} is a {someone.role}")
    if not wrong:
        return None
    shown = "; ".join(wrong[:NAMED_IN_ERROR])
    more = len(wrong) - NAMED_IN_ERROR
    if more > 0:
        shown += f"; and {more} more"
    return f"Pick reps who take leads ({shown}), or leave it empty for the whole team."


def pool_of(session: Session, lead: Lead) -> Pool:
    """The pool `lead` is routed in: its campaign's reps, else the whole team."""
    campaign = campaign_of(session, lead)
    if campaign is None:
        return TEAM
    reps = campaign_reps(session, campaign.id)
    if not reps:
        return TEAM
    return Pool(
        f"{CAMPAIGN_POOL}{campaign.id}", campaign_pool_label(campaign.name), frozenset(reps)
    )


def pool_label(session: Session, key: str | None) -> str:
    """What a pool key (as stored on a decision, or a lead's `assigned_from`) is called now."""
    if not key or key in (TEAM_POOL, TEAM_LABEL):
        return TEAM_LABEL
    if key.startswith(CAMPAIGN_POOL) and key[len(CAMPAIGN_POOL) :].isdigit():
        campaign = session.get(Campaign, int(key[len(CAMPAIGN_POOL) :]))
        return campaign_pool_label(campaign.name) if campaign else "a campaign's pool since deleted"
    return key


def owner_pool(session: Session, lead: Lead) -> str | None:
    """The label of the pool round robin gave `lead`'s owner the lead in (None: the owner got
    it another way)."""
    if lead.assigned_how != AssignedHow.ROUND_ROBIN:
        return None
    return pool_label(session, lead.assigned_from)
