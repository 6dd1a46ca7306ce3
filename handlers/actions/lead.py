"""Buttons on lead alerts, the sales-channel claim message and `/leads` rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond
from sqlalchemy.orm import Session

from bot.errors import Refusal
from bot.ids import LeadIds
from bot.leads import actions
from bot.leads.listing import leads_list
from bot.leads.modals import Origin, not_fit_view, reassign_view
from bot.models import utcnow
from bot.outcomes.menu import parse_choice, record_outcome
from bot.services import Handoff
from handlers.errors import guarded


def in_list(action: dict[str, Any]) -> bool:
    return str(action.get("block_id", "")).startswith(f"{LeadIds.LIST_ACTIONS}:")


def origin_of(body: dict[str, Any], action: dict[str, Any]) -> Origin:
    """The lead a modal button is about, and the /leads list to refresh when it was there."""
    return Origin(
        actions.lead_id(action["value"]), body.get("response_url") if in_list(action) else None
    )


@contextmanager
def told(respond: Respond) -> Iterator[None]:
    """Answer a Refusal with an ephemeral reply here rather than raising it to the error
    boundary: slack_bolt 1.30 (thread_runner.py) forgets an earlier ack() when a listener raises
    soon after it, and Slack then gets HTTP 404 after 3 s instead of 200."""
    try:
        yield
    except Refusal as problem:
        respond(text=problem.message, response_type="ephemeral", replace_original=False)


def act(
    handoff: Handoff,
    body: dict,
    action: dict,
    respond: Respond,
    do: Callable[..., object],
    **kwargs: Any,
) -> None:
    """Run `do` (from bot.leads.actions) on the clicked lead. The alert updates itself
    through the outbox; a /leads list is redrawn in place."""
    user = body["user"]["id"]
    value = action.get("value") or (action.get("selected_option") or {}).get("value", "")
    with told(respond):
        with handoff.db.session() as session:
            do(session, actions.lead_id(value), user, now=utcnow(), **kwargs)
        if in_list(action):
            with handoff.db.session() as session:
                fresh = leads_list(session, user, now=utcnow())
            respond(replace_original=True, **fresh.as_args())


def claim_callback(ack: Ack, body: dict, action: dict, respond: Respond, handoff: Handoff) -> None:
    ack()
    act(
        handoff,
        body,
        action,
        respond,
        actions.claim,
        settings=handoff.settings,
        directory=handoff.directory,
    )


def ack_callback(ack: Ack, body: dict, action: dict, respond: Respond, handoff: Handoff) -> None:
    ack()
    act(handoff, body, action, respond, actions.acknowledge)


def contacted_callback(
    ack: Ack, body: dict, action: dict, respond: Respond, handoff: Handoff
) -> None:
    ack()
    act(handoff, body, action, respond, actions.mark_contacted)


def snooze_callback(ack: Ack, body: dict, action: dict, respond: Respond, handoff: Handoff) -> None:
    ack()
    choice = (action.get("selected_option") or {}).get("value", "").partition(":")[2]
    act(
        handoff,
        body,
        action,
        respond,
        actions.snooze,
        choice=choice,
        settings=handoff.settings,
        directory=handoff.directory,
    )


def outcome_callback(
    ack: Ack, body: dict, action: dict, respond: Respond, handoff: Handoff
) -> None:
    """The outcome menu on a contacted lead's alert: Meeting booked, Won or Lost."""
    ack()
    with told(respond):
        stage = parse_choice((action.get("selected_option") or {}).get("value", ""))
        act(handoff, body, action, respond, record_outcome, stage=stage)


def wake_callback(ack: Ack, body: dict, action: dict, respond: Respond, handoff: Handoff) -> None:
    ack()
    act(
        handoff,
        body,
        action,
        respond,
        actions.wake,
        settings=handoff.settings,
        directory=handoff.directory,
    )


def open_modal(
    handoff: Handoff,
    body: dict,
    action: dict,
    respond: Respond,
    build: Callable[[Session, Origin, str], dict[str, Any]],
) -> None:
    """Open the lead's modal that `build` makes (refusals are told privately)."""
    with told(respond):
        with handoff.db.session() as session:
            view = build(session, origin_of(body, action), body["user"]["id"])
        handoff.client.views_open(trigger_id=body["trigger_id"], view=view)


def not_fit_callback(
    ack: Ack, body: dict, action: dict, respond: Respond, handoff: Handoff
) -> None:
    ack()
    open_modal(handoff, body, action, respond, not_fit_view)


def reassign_callback(
    ack: Ack, body: dict, action: dict, respond: Respond, handoff: Handoff
) -> None:
    ack()
    open_modal(handoff, body, action, respond, reassign_view)


def register(app: App) -> None:
    app.action(LeadIds.CLAIM)(guarded(claim_callback))
    app.action(LeadIds.ACK)(guarded(ack_callback))
    app.action(LeadIds.CONTACTED)(guarded(contacted_callback))
    app.action(LeadIds.SNOOZE)(guarded(snooze_callback))
    app.action(LeadIds.WAKE)(guarded(wake_callback))
    app.action(LeadIds.NOT_FIT)(guarded(not_fit_callback))
    app.action(LeadIds.REASSIGN)(guarded(reassign_callback))
    app.action(LeadIds.OUTCOME)(guarded(outcome_callback))
