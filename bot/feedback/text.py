"""What a rep typed: the checks that need no database, tags, and the short answers.

Slack sends `&`, `<` and `>` in a command's text as `&amp;`, `&lt;` and `&gt;` (sometimes);
`command_text` turns those three back into characters, so the text is stored as the rep typed
it and escaped exactly once, by the templates, wherever it is shown.
"""

from __future__ import annotations

import re
from typing import Any

from bot.messages import Message, escape, render_message

MAX_LENGTH = 500
TAGS = ("pricing", "competitor", "objection", "praise", "feature", "quality")
EXAMPLE = "/feedback spring-webinar #pricing Loved the demo, but the per-seat price scared them"
_TAG = re.compile(r"(?<![\w#&])#(" + "|".join(TAGS) + r")(?![\w-])", re.IGNORECASE)
_EDGE_TAGS = re.compile(
    r"^(?:\s*" + _TAG.pattern + r")+\s*|(?:\s*" + _TAG.pattern + r")+\s*$", re.IGNORECASE
)
_LEADING_TAGS = re.compile(r"^(?:\s*" + _TAG.pattern + r")+\s*", re.IGNORECASE)
_GIVE_BACK_CHUNK = 2800  # characters of escaped text per section (Slack allows 3000)


def command_text(raw: str | None) -> str:
    """The command's text as typed: Slack's three entities decoded (`&amp;` last), trimmed."""
    text = (raw or "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.strip()


def tags_in(text: str) -> list[str]:
    """The known #tags anywhere in `text`, lower case, each once, in order of appearance."""
    found: list[str] = []
    for match in _TAG.finditer(text):
        tag = match.group(1).lower()
        if tag not in found:
            found.append(tag)
    return found


def without_leading_tags(text: str) -> str:
    return _LEADING_TAGS.sub("", text, count=1)


def without_edge_tags(text: str) -> str:
    """`text` without known tags at its start or end (tags mid-sentence are part of it);
    unknown #words always stay."""
    previous = None
    while previous != text:
        previous, text = text, _EDGE_TAGS.sub("", text).strip()
    return text


def first_word(text: str) -> tuple[str, str]:
    """(the first word after any leading tags, the rest): it may be a campaign code, so
    `#pricing spring-webinar …` names the campaign as `spring-webinar #pricing …` does."""
    words = without_leading_tags(text).split(maxsplit=1)
    if not words:
        return "", ""
    return words[0], words[1].strip() if len(words) > 1 else ""


def give_back(text: str) -> list[str]:
    """`text` in pieces whose escaped form fits one section, so nothing typed is cut off."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        width = len(escape(char))
        if size + width > _GIVE_BACK_CHUNK:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    if current:
        pieces.append("".join(current))
    return pieces


def notice(kind: str, *, typed: str = "", **context: Any) -> Message:
    """A short ephemeral answer; the wording lives in templates/feedback_notice.json.j2.
    `typed` (the rep's own text) is shown back to them in full when it was not sent."""
    context.setdefault("campaign", None)
    context.setdefault("inferred_from", None)
    context.setdefault("permalink", None)
    context.setdefault("channel_id", None)
    context.setdefault("length", len(typed))
    context.setdefault("sent_tags", [])
    context.setdefault("code", None)
    context.setdefault("error_id", None)
    return render_message(
        "feedback_notice",
        kind=kind,
        typed=give_back(typed),
        limit=MAX_LENGTH,
        example=EXAMPLE,
        tags=TAGS,
        **context,
    )


def precheck(text: str) -> Message | None:
    """The answer for text that cannot be feedback, decided without the database: nothing
    typed (usage with an example), or more than MAX_LENGTH characters (given back)."""
    if not text:
        return notice("usage")
    if len(text) > MAX_LENGTH:
        return notice("too_long", typed=text)
    return None


def confirmation(
    *,
    campaign: Any,
    inferred_from: str | None,
    tags: list[str],
    permalink: str | None,
    channel_id: str | None,
) -> Message:
    """The rep's ephemeral confirmation, with a link to the post once it is out."""
    return notice(
        "sent",
        campaign=campaign,
        inferred_from=inferred_from,
        sent_tags=tags,
        permalink=permalink,
        channel_id=channel_id,
    )
