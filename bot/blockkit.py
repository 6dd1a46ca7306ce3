"""Fitting rendered messages and views to Block Kit's limits: texts cut with an ellipsis
(never inside an entity or a `<...>` token), the block count capped, and every block validated
with `slack_sdk.models.blocks`; a link URL kept only when `safe_url`. Used by `bot.messages`
after rendering a template."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from slack_sdk.models.blocks import Block

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_FALLBACK = 4000
ELLIPSIS = "…"


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


def fit_text(obj: dict[str, Any] | None, limit: int) -> None:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        obj["text"] = cut(obj["text"], limit) if obj["text"] else " "


def _fit_element(element: dict[str, Any]) -> None:
    kind = element.get("type")
    if kind == "button":
        fit_text(element.get("text"), 75)
        if "value" in element:
            element["value"] = str(element["value"])[:2000]
        if "url" in element and not safe_url(element["url"]):
            element.pop("url")
    elif kind in {"mrkdwn", "plain_text"}:
        fit_text(element, 2000)
    elif kind in {"static_select", "radio_buttons", "checkboxes", "overflow"}:
        for option in element.get("options", []):
            fit_text(option.get("text"), 75)
            option["value"] = str(option.get("value", ""))[:150]
        fit_text(element.get("placeholder"), 150)
    else:
        fit_text(element.get("placeholder"), 150)


def _fit_block(block: dict[str, Any]) -> None:
    kind = block.get("type")
    if kind == "header":
        fit_text(block.get("text"), 150)
    elif kind == "section":
        fit_text(block.get("text"), 3000)
        if "fields" in block:
            block["fields"] = block["fields"][:10]
            for field in block["fields"]:
                fit_text(field, 2000)
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
        fit_text(block.get("label"), 2000)
        fit_text(block.get("hint"), 2000)
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
