"""Finding a lead's details in what Handoff rendered, and taking them out.

Rendered text does not hold a value byte for byte: `bot.messages` escapes `&`, `<`, `>`, turns a
formatting character into a date token (`<!date^00000000^{_}|*>`) or a look-alike, and puts a
soft hyphen before a typed `>`. `plain()` undoes that (and case), so a detail is found however
it was shown. A line that holds a detail is replaced as a whole: in a message about many leads
(a digest, a summary of reminders) the other lines stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.models import Lead

MIN_DETAIL = 3  # shorter values (a two-letter company) would match other leads' lines
_DATE_TOKEN = re.compile(r"<!date\^00000000\^\{_\}\|(.)>")
_LOOKALIKES = str.maketrans({"∗": "*", "ˍ": "_", "∼": "~", "ˋ": "`", "¦": "|", "\u00ad": None})


def plain(text: str) -> str:
    """`text` as typed, for matching: tokens, look-alikes and escapes undone, lower case."""
    text = _DATE_TOKEN.sub(r"\1", text).translate(_LOOKALIKES)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.casefold()


def details(lead: Lead) -> list[str]:
    """The lead's personal data as search terms (plain, longest first)."""
    values: list[object] = [
        lead.name,
        lead.email,
        lead.phone,
        lead.company,
        lead.title,
        lead.note,
        *(lead.extra or {}).values(),
    ]
    terms: set[str] = set()
    for value in values:
        if isinstance(value, str):
            # A long note is found by any of its lines (a message may show only the first).
            terms.update(line.strip() for line in value.splitlines())
        elif isinstance(value, int | float) and not isinstance(value, bool):
            terms.add(str(value))
    found = {plain(term) for term in terms if len(term.strip()) >= MIN_DETAIL}
    return sorted(found, key=lambda term: (-len(term), term))


def mentions(text: str, terms: Iterable[str]) -> bool:
    flat = plain(text)
    return any(term in flat for term in terms)


def scrub_text(text: str, terms: list[str], replacement: str) -> str:
    """`text` with every line that holds one of `terms` replaced by `replacement`."""
    if not mentions(text, terms):
        return text
    return "\n".join(replacement if mentions(line, terms) else line for line in text.split("\n"))


def scrub(node: Any, terms: list[str], replacement: str) -> Any:
    """A copy of a JSON value (message arguments, blocks, a view) with its lines that hold one
    of `terms` replaced; everything else (ids, buttons, structure) as it was."""
    if isinstance(node, dict):
        return {key: scrub(value, terms, replacement) for key, value in node.items()}
    if isinstance(node, list):
        return [scrub(item, terms, replacement) for item in node]
    if isinstance(node, str):
        return scrub_text(node, terms, replacement)
    return node


def contains(node: Any, terms: list[str]) -> bool:
    if isinstance(node, dict):
        return any(contains(value, terms) for value in node.values())
    if isinstance(node, list):
        return any(contains(item, terms) for item in node)
    return isinstance(node, str) and mentions(node, terms)


def scrub_words(text: str | None, terms: list[str], replacement: str) -> str | None:
    """A person's own words (feedback) with only the details cut out, the rest kept."""
    if text is None or not mentions(text, terms):
        return text
    for term in terms:
        text = re.sub(re.escape(term), replacement, text, flags=re.IGNORECASE)
    return text
