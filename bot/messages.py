"""Slack messages and views from Jinja2 templates, safe by construction.

Templates in `templates/` are JSON with Jinja expressions (`*.json.j2`). Every `{{ value }}`
passes through `_finalize`, which escapes it for Slack (`&`, `<`, `>` only) *and* for JSON, so
a value from a person or a CRM can neither ping anyone, make a link, nor break the structure
(a quote, newline or brace is just text). The app opts in to trusted markup explicitly with
`mention(user_id)`, `channel(channel_id)`, `link(url, label)` and `date(...)`, which build it
from validated parts.

After rendering, long texts are cut to Block Kit's limits with an ellipsis, the block count is
capped, a top-level `text` fallback is always present, and every block is validated with
`slack_sdk.models.blocks`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from slack_sdk.models.blocks import Block

from bot.validation import is_email

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_FALLBACK = 4000
ELLIPSIS = "…"

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,31}$")


def escape(text: object) -> str:
    """Escape for Slack: only &, < and > (in that order); Slack decodes nothing else."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Trusted(str):
    """Markup built by the app itself from validated parts; not escaped again."""


def mention(user_id: str | None) -> Trusted:
    if not user_id or not _USER_ID.match(user_id):
        return Trusted(escape(user_id or "someone"))
    return Trusted(f"<@{user_id}>")


def channel_link(channel_id: str | None) -> Trusted:
    if not channel_id or not _CHANNEL_ID.match(channel_id):
        return Trusted(escape(channel_id or "a channel"))
    return Trusted(f"<#{channel_id}>")


def safe_url(url: str | None) -> str | None:
    """An http(s) URL with no characters that could break Slack's link syntax, else None."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        return None
    if any(ch in url for ch in "<>| \n\r\t\"'"):
        return None
    return url.strip()


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
        return Trusted(escape(label if label is not None else url or ""))
    text = escape(label if label is not None else target)
    return Trusted(f"<{escape(target)}|{text.replace('|', '¦')}>")


def email_link(address: str | None) -> Trusted:
    if not address or not re.fullmatch(r"[^@\s<>|]+@[^@\s<>|]+", address):
        return Trusted(escape(address or ""))
    return link(f"mailto:{address}", address)


def phone_link(number: str | None) -> Trusted:
    if not number:
        return Trusted("")
    digits = re.sub(r"[^\d+]", "", number)
    if len(digits) < 5:
        return Trusted(escape(number))
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
    text = value if isinstance(value, Trusted) else escape(value)
    return json.dumps(text, ensure_ascii=False)[1:-1]


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
        return json.loads(_strip_trailing_commas(rendered))
    except json.JSONDecodeError as exc:  # a template bug, never user input
        raise ValueError(f"template {name} did not render to JSON: {exc}") from None


def _strip_trailing_commas(text: str) -> str:
    """Allow `,` before `]`/`}` so loops in templates need no `loop.last` tests.

    Values are JSON-escaped strings, so a `,]` inside one can only appear escaped as text;
    we only strip commas followed by optional whitespace and a closing bracket outside strings.
    """
    out, in_string, escaped, pending = [], False, False, ""
    for ch in text:
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if pending:
            if ch in " \t\r\n":
                pending += ch
                continue
            if ch not in "]}":
                out.append(pending)
            else:
                out.append(pending[1:])
            pending = ""
        if ch == ",":
            pending = ","
            continue
        if ch == '"':
            in_string = True
        out.append(ch)
    out.append(pending)
    return "".join(out)


# -- fitting to Block Kit's limits ---------------------------------------------------------


def cut(text: str, limit: int) -> str:
    """Cut mrkdwn to `limit` characters with an ellipsis, never inside an entity or a <…> token."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    amp, semi = head.rfind("&"), head.rfind(";")
    if amp > semi:
        head = head[:amp]
    lt, gt = head.rfind("<"), head.rfind(">")
    if lt > gt:
        head = head[:lt]
    return head + ELLIPSIS


def _fit_text(obj: dict[str, Any] | None, limit: int) -> None:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        obj["text"] = cut(obj["text"], limit) if obj["text"] else " "


def _fit_element(element: dict[str, Any]) -> None:
    kind = element.get("type")
    if kind == "button":
        _fit_text(element.get("text"), 75)
        if "value" in element:
            element["value"] = str(element["value"])[:2000]
        if "url" in element and not safe_url(element["url"]):
            element.pop("url")
    elif kind in {"mrkdwn", "plain_text"}:
        _fit_text(element, 2000)
    elif kind in {"static_select", "radio_buttons", "checkboxes", "overflow"}:
        for option in element.get("options", []):
            _fit_text(option.get("text"), 75)
            option["value"] = str(option.get("value", ""))[:150]
        _fit_text(element.get("placeholder"), 150)
    else:
        _fit_text(element.get("placeholder"), 150)


def _fit_block(block: dict[str, Any]) -> None:
    kind = block.get("type")
    if kind == "header":
        _fit_text(block.get("text"), 150)
    elif kind == "section":
        _fit_text(block.get("text"), 3000)
        if "fields" in block:
            block["fields"] = block["fields"][:10]
            for field in block["fields"]:
                _fit_text(field, 2000)
        if isinstance(block.get("accessory"), dict):
            _fit_element(block["accessory"])
    elif kind == "context":
        block["elements"] = block.get("elements", [])[:10]
        for element in block["elements"]:
            _fit_element(element)
    elif kind == "actions":
        block["elements"] = block.get("elements", [])[:25]
        for element in block["elements"]:
            _fit_element(element)
    elif kind == "input":
        _fit_text(block.get("label"), 2000)
        _fit_text(block.get("hint"), 2000)
        if isinstance(block.get("element"), dict):
            _fit_element(block["element"])


def fit_blocks(blocks: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    blocks = [b for b in blocks if b]
    for block in blocks:
        _fit_block(block)
    if len(blocks) > limit:
        more = len(blocks) - (limit - 1)
        notice = {"type": "context", "elements": [{"type": "mrkdwn", "text": f"…and {more} more"}]}
        blocks = [*blocks[: limit - 1], notice]
    return blocks


def validate_blocks(blocks: list[dict[str, Any]], limit: int = MAX_MESSAGE_BLOCKS) -> None:
    """Raise if any block breaks Block Kit's rules (slack_sdk's checks plus the block count)."""
    if len(blocks) > limit:
        raise ValueError(f"{len(blocks)} blocks; Slack allows {limit}")
    for block in blocks:
        parsed = Block.parse(block)
        if parsed is None:
            raise ValueError(f"unknown block type {block.get('type')!r}")
        parsed.validate_json()


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
        _fit_text(view.get(key), 24)
    if len(view.get("private_metadata", "")) > 3000:
        raise ValueError("private_metadata over 3000 characters")
    validate_blocks(view["blocks"], MAX_VIEW_BLOCKS)
    return view
