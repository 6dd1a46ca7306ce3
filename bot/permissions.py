"""Who may do what: the one policy. Roles come from the roster (`bot.models.ROLES`: rep,
manager, marketer, admin); a person's manager is the roster's `manager` column. Services ask
here and refuse with their own words; nothing else compares roles to decide a permission.

- Act on a lead (its alert's buttons, "Not a fit", reassign, snooze, feedback from the alert):
  its owner, the owner's manager, or an admin.
- Nudge about a lead (the escalation's button): the owner's manager or an admin; for an owner
  with no manager, any manager.
- Nudge a rep (the digest's button): the rep's manager or an admin.
- Claim a lead offered in the sales channel: reps, managers and admins on the roster.
- Be given a lead (reassign): reps, and managers who take leads (a roster `weight` of 1 or
  more; `takes_leads`).
- See how a lead's owner was chosen (`/leads why`): managers and admins.
- Create, edit or end campaigns; answer feedback: marketers and admins.
- Erase a lead's personal data from the Home ("Forget a lead…"): admins (on the command
  line, `leads forget`, whoever runs it on the server).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import Session

from bot.models import Lead, Person
from bot.people import manager_of, person

ADMIN = "admin"
MANAGER = "manager"
CLAIMING_ROLES = ("rep", "manager", "admin")
ASSIGNABLE_ROLES = ("rep", "manager")
CAMPAIGN_ROLES = ("marketer", "admin")
FEEDBACK_ROLES = ("marketer", "admin")
ERASURE_ROLES = (ADMIN,)


def _has_role(someone: Person | None, roles: tuple[str, ...]) -> bool:
    return someone is not None and someone.role in roles


def _oversees(session: Session, actor: Person, rep: Person | None, *, unmanaged: bool) -> bool:
    """An admin, or `rep`'s manager; with `unmanaged`, any manager when `rep` has none."""
    if actor.role == ADMIN:
        return True
    manager = manager_of(session, rep) if rep is not None else None
    if manager is not None:
        return manager.slack_id == actor.slack_id
    return unmanaged and actor.role == MANAGER


def _owner(session: Session, lead: Lead) -> Person | None:
    return person(session, lead.owner_id) if lead.owner_id else None


def may_act_on_lead(session: Session, actor: str, lead: Lead) -> bool:
    if lead.owner_id is not None and actor == lead.owner_id:
        return True
    someone = person(session, actor)
    return someone is not None and _oversees(
        session, someone, _owner(session, lead), unmanaged=False
    )


def may_nudge_about_lead(session: Session, actor: str, lead: Lead) -> bool:
    someone = person(session, actor)
    return someone is not None and _oversees(
        session, someone, _owner(session, lead), unmanaged=True
    )


def may_nudge_rep(session: Session, actor: str, rep: Person) -> bool:
    someone = person(session, actor)
    return someone is not None and _oversees(session, someone, rep, unmanaged=False)


def may_claim(session: Session, actor: str) -> bool:
    return _has_role(person(session, actor), CLAIMING_ROLES)


def takes_leads(someone: Person | None) -> bool:
    """Reps take leads; a manager does only with a roster weight of 1 or more."""
    if someone is None:
        return False
    if someone.role == "rep":
        return True
    return someone.role == MANAGER and (someone.weight or 0) >= 1


def takes_leads_clause() -> ColumnElement[bool]:
    """`takes_leads` as a query condition on Person."""
    return or_(Person.role == "rep", and_(Person.role == MANAGER, Person.weight >= 1))


def may_be_assigned(someone: Person | None) -> bool:
    return takes_leads(someone)


def may_see_routing(session: Session, actor: str) -> bool:
    """`/leads why`: managers and admins."""
    return _has_role(person(session, actor), (MANAGER, ADMIN))


def may_manage_campaigns(session: Session, actor: str) -> bool:
    return _has_role(person(session, actor), CAMPAIGN_ROLES)


def may_answer_feedback(session: Session, actor: str) -> bool:
    return _has_role(person(session, actor), FEEDBACK_ROLES)


def may_erase_leads(session: Session, actor: str) -> bool:
    """ "Forget a lead…" in the Home: admins."""
    return _has_role(person(session, actor), ERASURE_ROLES)


__all__ = [
    "ASSIGNABLE_ROLES",
    "may_act_on_lead",
    "may_answer_feedback",
    "may_be_assigned",
    "may_claim",
    "may_erase_leads",
    "may_manage_campaigns",
    "may_nudge_about_lead",
    "may_nudge_rep",
    "may_see_routing",
    "takes_leads",
    "takes_leads_clause",
]
