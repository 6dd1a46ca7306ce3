"""Slack messages and views from Jinja2 templates, safe by construction.

Templates in `templates/` are JSON with Jinja expressions (`*.json.j2`). Every `{{ value }}`
passes through `_finalize`, which escapes it for Slack (`&`, `<`, `>` only) *and* for JSON, so
a value from a person or a CRM can neither ping anyone, make a link, nor break the structure
(a quote, newline or brace is just text). The app opts in to trusted markup explicitly with
`mention(user_id)`, `channel(channel_id)`, `link(url, label)` and `date(...)`, which build it
from validated parts.

Values also show exactly as typed. `_finalize` marks where each one sits; once the JSON is
parsed, `_show_as_typed` knows which text each landed in (Slack formats only mrkdwn):
- a mrkdwn text object holding a value gets `verbatim: true`, so Slack does not turn its bare
  URLs, `#channel` names or `@here` into links or mentions (documented for text objects);
- inside the value, a `*`, `_` or `~` that could open or close formatting (one not between two
  letters or digits: Slack formats only at word breaks) and every `` ` `` become
  `<!date^00000000^{_}|c>`: a date token with no valid format, which Slack shows as its
  fallback `c`, literally and unformatted (the technique of jsx-slack's `<Escape>`). A `>` that
  would start a line (a quote) gets an invisible soft hyphen (U+00AD) before it. Inside the
  template's own `code` or ```block``` nothing formats, and only a typed backtick, which would
  end it, changes: to the look-alike U+02CB, as in link labels;
- the top-level `text` (the notification fallback, which has no `verbatim`) gets the same, and
  `://`, `www.`, `#name` and `@name` in a value are broken the same way so nothing auto-links;
- plain_text objects, button values, ids and metadata are left as escaped (nothing formats).
Zero-width spaces would not do: Slack treats them as word breaks, which *enables* formatting.

After rendering (`bot.blockkit`), long texts are cut to Block Kit's limits with an ellipsis,
the block count is capped, a top-level `text` fallback is always present, and every block is
validated with `slack_sdk.models.blocks`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.blockkit import (
    MAX_FALLBACK,
    MAX_MESSAGE_BLOCKS,
    MAX_VIEW_BLOCKS,
    cut,
    fit_blocks,
    fit_text,
    safe_url,
    validate_blocks,
)
from bot.validation import is_email

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,31}$")


# Around every {{ value }} while a template renders (private-use characters, removed before
# anything is sent; a value cannot smuggle them in, `escape` drops them).
_OPEN, _CLOSE = "\ue000", "\ue001"
_SHOWN_AS = "<!date^00000000^{_}|%s>"  # Slack shows the fallback after `|` as plain text
_FORMATTING = "*_~`"
_LOOKALIKES = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})


def escape(text: object) -> str:
    """Escape for Slack: only &, < and > (in that order); Slack decodes nothing else."""
    text = str(text).replace(_OPEN, "").replace(_CLOSE, "")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Trusted(str):
    """Markup built by the app itself from validated parts; not escaped again."""


def _typed(value: object) -> Trusted:
    """What a helper shows when it cannot build its markup: the value, escaped and marked as
    typed text (so it is shown as typed, like any `{{ value }}`)."""
    return Trusted(f"{_OPEN}{escape(value)}{_CLOSE}")


def mention(user_id: str | None) -> Trusted:
    if not user_id or not _USER_ID.match(user_id):
        return Trusted(escape(user_id or "someone"))
    return Trusted(f"<@{user_id}>")


def channel_link(channel_id: str | None) -> Trusted:
    if not channel_id or not _CHANNEL_ID.match(channel_id):
        return Trusted(escape(channel_id or "a channel"))
    return Trusted(f"<#{channel_id}>")


def _safe_target(url: str | None) -> str | None:
    """A link target: http(s) via `safe_url`, `mailto:` only with one valid address, `tel:`
    only with digits (and a leading +)."""
    if url and url.startswith("mailto:"):
        return url if is_email(url.removeprefix("mailto:")) else None
    if url and url.startswith("tel:"):
        return url if re.fullmatch(r"tel:\+?\d{3,32}", url) else None
    return safe_url(url)


def link(url: str | None, label: object | None = None) -> Trusted:
    """`<url|label>` for a safe http(s)/mailto/tel URL; else just the escaped label or URL."""
    target = _safe_target(url)
    if target is None or any(ch in target for ch in "<>| \n"):
        return _typed(label if label is not None else url or "")
    text = _label(escape(label if label is not None else target))
    return Trusted(f"<{escape(target)}|{text.replace('|', '¦')}>")


def _label(text: str) -> str:
    """A link's label cannot hold a date token: a `*`, `_` or `~` that could format (not
    between two letters or digits) and every backtick become look-alikes (U+2217, U+02CD,
    U+223C, U+02CB)."""
    out = []
    for i, ch in enumerate(text):
        before, after = text[i - 1 : i], text[i + 1 : i + 2]
        intraword = ch != "`" and before.isalnum() and after.isalnum()
        out.append(ch if intraword else ch.translate(_LOOKALIKES))
    return "".join(out)


def email_link(address: str | None) -> Trusted:
    if not address or not re.fullmatch(r"[^@\s<>|]+@[^@\s<>|]+", address):
        return _typed(address or "")
    return link(f"mailto:{address}", address)


def phone_link(number: str | None) -> Trusted:
    if not number:
        return Trusted("")
    digits = re.sub(r"[^\d+]", "", number)
    if len(digits) < 5:
        return _typed(number)
    return link(f"tel:{digits}", number)


def slack_date(moment: datetime | None, fmt: str = "{date_short_pretty} {time}") -> Trusted:
    """Slack's `<!date^…>` token: each reader sees the time in their own zone."""
    if moment is None:
        return Trusted("")
    stamp = int(moment.timestamp())
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return Trusted(f"<!date^{stamp}^{fmt}|{fallback}>")


def _finalize(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Trusted):
        text: str = value
    elif isinstance(value, str):  # text someone typed, maybe: marked (numbers may sit bare)
        text = f"{_OPEN}{escape(value)}{_CLOSE}"
    else:
        text = escape(value)
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _neutralise(text: str, *, fallback: bool = False) -> str:
    """mrkdwn `text` with the marked values made inert (see the module docstring)."""
    if _OPEN not in text:  # no value in it: the template's own markup, as it is
        return text.replace(_CLOSE, "")
    plain: list[str] = []
    typed: list[bool] = []
    inside = False
    for ch in text:
        if ch in (_OPEN, _CLOSE):
            inside = ch == _OPEN
            continue
        plain.append(ch)
        typed.append(inside)
    out: list[str] = []
    fence = span = False  # inside the template's own ```block``` or `code`
    i = 0
    while i < len(plain):
        ch = plain[i]
        if not typed[i]:
            if ch == "`" and "".join(plain[i : i + 3]) == "```" and not any(typed[i : i + 3]):
                fence = not fence
                out.append("```")
                i += 3
                continue
            if ch == "`" and not fence:
                span = not span
            out.append(ch)
            i += 1
            continue
        before = plain[i - 1] if i > 0 else ""
        after = plain[i + 1] if i + 1 < len(plain) else ""
        if ch == "&" and before in ("", "\n") and "".join(plain[i : i + 4]) == "&gt;":
            out.append("\u00ad&")  # a soft hyphen: this `>` no longer starts a quote
        elif fence or span:  # no formatting in code; only a typed backtick could end it
            out.append(ch.translate(_LOOKALIKES) if ch == "`" else ch)
        elif ch in _FORMATTING:
            intraword = ch != "`" and before.isalnum() and after.isalnum()
            out.append(ch if intraword else _SHOWN_AS % ch)
        elif fallback and _links(plain, i):
            out.append(_SHOWN_AS % ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _links(plain: list[str], i: int) -> bool:
    """Whether `plain[i]` is the character that lets Slack auto-link a URL, a `www.` host, a
    `#channel` or an `@mention` (only the fallback `text` needs this: it has no verbatim)."""
    ch = plain[i]
    after = plain[i + 1] if i + 1 < len(plain) else ""
    if ch in "#@":
        return after.isalnum()
    if ch == ":":
        return "".join(plain[i + 1 : i + 3]) == "//"
    if ch == ".":
        return "".join(plain[max(0, i - 3) : i]).lower() == "www"
    return False


def _unmark(text: str) -> str:
    return text.replace(_OPEN, "").replace(_CLOSE, "")


def _show_as_typed(node: Any) -> Any:
    """Every string of a rendered message or view, with its marked values made inert where
    Slack would format them (mrkdwn) and the marks removed everywhere."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            if _OPEN in node["text"]:
                node["verbatim"] = True
            node["text"] = _neutralise(node["text"])
        for key, value in node.items():
            node[key] = _show_as_typed(value)
        return node
    if isinstance(node, list):
        return [_show_as_typed(item) for item in node]
    if isinstance(node, str):
        return _unmark(node)
    return node


def _json(value: Any) -> str:
    """`{{ value | json }}`: a whole JSON value (list, number, bool) of app data."""
    return _RawJson(json.dumps(value, ensure_ascii=False))


class _RawJson(Trusted):
    pass


def _finalize_dispatch(value: Any) -> str:
    if isinstance(value, _RawJson):
        return str(value)
    return _finalize(value)


def _environment(folder: Path) -> Environment:
    # Output is JSON, not HTML: _finalize escapes every expression for Slack and JSON.
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=False,  # noqa: S701
        undefined=StrictUndefined,
        finalize=_finalize_dispatch,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.globals.update(
        mention=mention,
        channel=channel_link,
        link=link,
        email_link=email_link,
        phone_link=phone_link,
        date=slack_date,
    )
    env.filters["json"] = _json
    return env


_env = _environment(TEMPLATES)


def set_template_folder(folder: Path) -> None:
    """Point rendering at another folder (used by tests that render ad-hoc templates)."""
    global _env
    _env = _environment(folder)


@dataclass
class Message:
    text: str
    blocks: list[dict[str, Any]]

    def as_args(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def _render_json(name: str, context: dict[str, Any]) -> dict[str, Any]:
    rendered = _env.get_template(name).render(**context)
    try:
        data = json.loads(_strip_trailing_commas(rendered))
    except json.JSONDecodeError as exc:  # a template bug, never user input
        raise ValueError(f"template {name} did not render to JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("text"), str):
        data["text"] = _neutralise(data["text"], fallback=True)  # the message's fallback
    return _show_as_typed(data)


_STRING_OR_TRAILING_COMMA = re.compile(r'"(?:[^"\\]|\\.)*"|,(?=\s*[\]}])', re.DOTALL)


def _strip_trailing_commas(text: str) -> str:
    """Allow `,` before `]`/`}` so loops in templates need no `loop.last` tests.

    Values are JSON-escaped strings, so a `,]` inside one can only appear escaped as text;
    only a comma outside strings followed by optional whitespace and a closing bracket goes
    (one regular expression: a string is matched whole and kept, such a comma is dropped).
    """
    return _STRING_OR_TRAILING_COMMA.sub(_keep_strings, text)


def _keep_strings(match: re.Match[str]) -> str:
    found = match.group(0)
    return found if found != "," else ""


def render_message(template: str, /, **context: Any) -> Message:
    """Render `templates/{template}.json.j2` into text + blocks, fitted and validated."""
    data = _render_json(f"{template}.json.j2", context)
    blocks = fit_blocks(data.get("blocks", []), MAX_MESSAGE_BLOCKS)
    validate_blocks(blocks)
    text = cut(data.get("text") or "", MAX_FALLBACK) or "Handoff"
    return Message(text=text, blocks=blocks)


def render_view(template: str, /, **context: Any) -> dict[str, Any]:
    """Render a modal or Home tab view from `templates/{template}.json.j2`, fitted and validated."""
    view = _render_json(f"{template}.json.j2", context)
    view["blocks"] = fit_blocks(view.get("blocks", []), MAX_VIEW_BLOCKS)
    for key in ("title", "submit", "close"):
        fit_text(view.get(key), 24)
    if len(view.get("private_metadata", "")) > 3000:
        raise ValueError("private_metadata over 3000 characters")
    validate_blocks(view["blocks"], MAX_VIEW_BLOCKS)
    return view
