"""`/leads away`, `/leads back` and `/leads why`: the command's words to the routing services."""

from __future__ import annotations

from bot.messages import Message, render_message
from bot.models import utcnow
from bot.routing import zone_of
from bot.routing.away import lead_taker, parse_away, set_away, set_back
from bot.routing.why import why
from bot.services import Handoff


def away_back_why(handoff: Handoff, actor: str, word: str, rest: str) -> Message:
    """Run `/leads away|back|why ...` for `actor`; a Refusal says what was wrong."""
    now = utcnow()
    with handoff.db.session() as session:
        if word == "why":
            return why(session, actor, rest)
        if word == "back":
            set_back(session, actor, now=now)
            return render_message("leads_away", away=False, until=None)
        zone = zone_of(session, lead_taker(session, actor), handoff.settings.default_timezone)
        until = parse_away(rest, now=now, zone=zone)
        set_away(session, actor, now=now, until=until)
        return render_message("leads_away", away=True, until=until)
