"""The "Not a fit" and "Reassign" modals' submissions. Problems keep the modal open with the
user's input and a message on the field; success closes it and updates the alert."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App
from sqlalchemy.orm import Session

from bot.errors import Refusal
from bot.ids import LeadIds
from bot.leads import actions
from bot.leads.listing import leads_list
from bot.leads.modals import Origin, selected, typed
from bot.leads.render import reason_label
from bot.models import utcnow
from bot.services import Handoff
from handlers.errors import guarded
from handlers.respond import respond_to


def submit(
    handoff: Handoff,
    ack: Ack,
    body: dict,
    view: dict,
    block: str,
    change: Callable[[Session, Origin, str], object],
) -> None:
    user = body["user"]["id"]
    try:
        origin = Origin.load(view.get("private_metadata", ""))
        with handoff.db.session() as session:
            change(session, origin, user)
    except Refusal as problem:
        ack(response_action="errors", errors={block: problem.message})
        return
    ack()
    if origin.list_url:  # opened from /leads: show the list as it is now
        with handoff.db.session() as session:
            fresh = leads_list(session, user, now=utcnow())
        respond_to(origin.list_url, handoff.client)(replace_original=True, **fresh.as_args())


def not_fit_submitted(ack: Ack, body: dict, view: dict, handoff: Handoff) -> None:
    values = view["state"]["values"]
    reason = selected(values, LeadIds.NOT_FIT_REASON_BLOCK, LeadIds.NOT_FIT_REASON)
    if reason is None or reason_label(reason) is None:
        ack(response_action="errors", errors={LeadIds.NOT_FIT_REASON_BLOCK: "Pick a reason."})
        return
    note = typed(values, LeadIds.NOT_FIT_NOTE_BLOCK, LeadIds.NOT_FIT_NOTE)
    submit(
        handoff,
        ack,
        body,
        view,
        LeadIds.NOT_FIT_REASON_BLOCK,
        lambda s, origin, user: actions.mark_not_fit(
            s,
            origin.lead_id,
            user,
            reason=reason,
            note=note,
            settings=handoff.settings,
            now=utcnow(),
        ),
    )


def reassign_submitted(ack: Ack, body: dict, view: dict, handoff: Handoff) -> None:
    values = view["state"]["values"]
    rep = selected(values, LeadIds.REASSIGN_TO_BLOCK, LeadIds.REASSIGN_TO)
    if rep is None:
        ack(response_action="errors", errors={LeadIds.REASSIGN_TO_BLOCK: "Pick a rep."})
        return
    submit(
        handoff,
        ack,
        body,
        view,
        LeadIds.REASSIGN_TO_BLOCK,
        lambda s, origin, user: actions.reassign(
            s,
            origin.lead_id,
            user,
            rep,
            settings=handoff.settings,
            directory=handoff.directory,
            now=utcnow(),
        ),
    )


def register(app: App) -> None:
    app.view(LeadIds.NOT_FIT_VIEW)(guarded(not_fit_submitted))
    app.view(LeadIds.REASSIGN_VIEW)(guarded(reassign_submitted))
