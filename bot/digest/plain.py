"""A readable plain-text rendering of a Block Kit message, for `python app.py digest --dry-run`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.messages import Message

_TOKEN = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mrkdwn_to_text(text: str, names: Mapping[str, str]) -> str:
    """`<@U1>` -> `@Name`, `<url|label>` -> `label (url)`, `<!date^…|fallback>` -> fallback."""

    def token(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "@" + names.get(target[1:], target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return label or target
        return f"{label} ({_unescape(target)})" if label else _unescape(target)

    return _unescape(_TOKEN.sub(token, text))


def _button(element: Mapping[str, Any]) -> str:
    return f"[{element.get('text', {}).get('text', '')}]"


def as_text(message: Message, names: Mapping[str, str] | None = None) -> str:
    names = names or {}
    lines: list[str] = []
    for block in message.blocks:
        kind = block.get("type")
        text = mrkdwn_to_text((block.get("text") or {}).get("text", ""), names)
        if kind == "header":
            lines += [text, "=" * len(text)]
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "section":
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":
                first, _, rest = text.partition("\n")
                text = f"{first}  {_button(accessory)}" + (f"\n{rest}" if rest else "")
            lines.append(text)
        elif kind == "context":
            lines.append(
                " ".join(mrkdwn_to_text(e.get("text", ""), names) for e in block["elements"])
            )
        elif kind == "actions":
            lines.append(
                " ".join(_button(e) for e in block["elements"] if e.get("type") == "button")
            )
    return "\n".join(lines)
