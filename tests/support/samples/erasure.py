"""Samples for "Forget a lead…" (bot.erasure.home): the form, the dry run's confirmation, and
the notices (under way, done, refused). Only the confirmation shows text the app did not
write: a lead's source and its campaign's name."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bot.erasure import Erased
from tests.support.samples.registry import sample
from tests.support.samples.shared import MOMENT


@sample("erasure_form_modal", "view", user_text=False)
def erasure_form(hostile: str) -> dict[str, Any]:
    from bot.erasure.home import form_context

    return form_context()


@sample("erasure_confirm_modal", "view")
def erasure_confirm_many(hostile: str) -> dict[str, Any]:
    from bot.erasure.home import SHOWN, Query, Row, confirm_context

    found = Erased(
        leads=list(range(1, 200)),
        counts=Counter({"rows": 1234, "edits": 99, "feedback": 3, "lookups": 2, "homes": 1}),
        dry_run=True,
    )
    found.counts["source log requests"] = 7
    rows = [Row(n, MOMENT, hostile, hostile, f"U{n:08d}", "Meeting booked") for n in range(SHOWN)]
    query = Query(email="ada@example.org", leads=tuple(found.leads))
    note = "The leads that match changed since you looked. Nothing was erased yet."
    return confirm_context(found, rows, query, note=note)


@sample("erasure_confirm_modal", "view")
def erasure_confirm_one(hostile: str) -> dict[str, Any]:
    from bot.erasure.home import Query, Row, confirm_context

    found = Erased(leads=[42], counts=Counter(), dry_run=True)
    rows = [Row(42, MOMENT, None, hostile, None, "New")]
    return confirm_context(found, rows, Query(external_id=hostile[:200], leads=(42,)))


@sample("erasure_notice_modal", "view", user_text=False)
def erasure_done(hostile: str) -> dict[str, Any]:
    from bot.erasure import KEPT
    from bot.erasure.home import CRM_TOO, notice_context

    lines = ["*Erased the personal data of 1 lead(s): #42.*", "• 3 feedback lines cleaned"]
    return notice_context([*lines, KEPT, CRM_TOO], title="Lead forgotten", back=False)


@sample("erasure_notice_modal", "view", user_text=False)
def erasure_pending(hostile: str) -> dict[str, Any]:
    from bot.erasure.home import REFUSED, notice_context

    return notice_context([REFUSED], back=True, external_id="erasure-0123456789abcdef")
