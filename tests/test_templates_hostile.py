"""Every template in templates/, rendered with hostile input, stays valid Block Kit and pings
nobody. Templates are discovered; their sample contexts live in tests/support/template_samples.py.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.messages import (
    MAX_FALLBACK,
    MAX_MESSAGE_BLOCKS,
    MAX_VIEW_BLOCKS,
    TEMPLATES,
    escape,
    render_message,
    render_view,
    validate_blocks,
)
from tests.support.template_samples import PARTIALS, SAMPLES, TemplateSample

HOSTILE = {
    "quotes": "He said \"hi\", then left 'quietly'",
    "newlines": "line one\nline two\r\n\ttabbed",
    "mentions": "<!channel> <!here> <!everyone> <@U12345> <!subteam^S123> <#C123>",
    "link": "<https://evil.example|click me> <mailto:x@evil.example|mail>",
    "ampersand_braces": 'Tom & Jerry &amp; {{ braces }} {% raw %} ] } , \\" \\',
    "long": "x" * 10_000,
    "long_entities": "&<>" * 3_400,
    "emoji": "Emoji 🚀🔥 and flags 🇩🇪 :tada:",
    "rtl": "مرحبا بالعالم RTL text \u202e reversed \u200f",
}
# Markup that must never reach Slack unescaped from a hostile value.
FORBIDDEN = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U12345>",
    "<!subteam^",
    "<#C123>",
    "<https://evil",
    "<mailto:x@evil",
)
ADVICE = "add a sample context for it in tests/support/template_samples.py (see its docstring)"


def template_names() -> list[str]:
    return sorted(path.name.removesuffix(".json.j2") for path in TEMPLATES.glob("*.json.j2"))


def strings(node: Any, key: str | None = None) -> Iterator[tuple[str | None, str]]:
    """Every string in a rendered message or view, with the key it sits under."""
    if isinstance(node, dict):
        for k, value in node.items():
            yield from strings(value, k)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item, key)
    elif isinstance(node, str):
        yield key, node


def elements(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from elements(value)
    elif isinstance(node, list):
        for item in node:
            yield from elements(item)


def render(entry: TemplateSample, hostile: str) -> dict[str, Any]:
    context = entry.context(hostile)
    if entry.kind == "view":
        view = render_view(entry.template, **context)
        validate_blocks(view["blocks"], MAX_VIEW_BLOCKS)
        View(**view).validate_json()
        for key in ("title", "submit", "close"):
            assert len(view.get(key, {}).get("text", "")) <= 24, key
        assert len(view.get("private_metadata", "")) <= 3000
        return view
    message = render_message(entry.template, **context)
    validate_blocks(message.blocks, MAX_MESSAGE_BLOCKS)
    assert message.text.strip(), "a message needs a top-level text fallback"
    assert len(message.text) <= MAX_FALLBACK
    return {"text": message.text, "blocks": message.blocks}


@pytest.mark.parametrize("template", template_names())
def test_template_survives_hostile_input(template: str) -> None:
    if template in PARTIALS:
        for parent in PARTIALS[template]:
            source = (TEMPLATES / f"{parent}.json.j2").read_text()
            assert f"{template}.json.j2" in source, f"{parent} does not include {template}"
            assert parent in SAMPLES, f"templates/{parent}.json.j2 has no sample: {ADVICE}"
        return
    if template not in SAMPLES:
        pytest.fail(f"templates/{template}.json.j2 has no sample context: {ADVICE}")
    for (label, hostile), entry in itertools.product(HOSTILE.items(), SAMPLES[template]):
        where = f"{template} ({entry.name}, {label} input)"
        try:
            rendered = render(entry, hostile)
        except Exception as exc:
            raise AssertionError(f"{where}: {exc}") from exc
        found = list(strings(rendered))
        for key, text in found:
            if key == "text":
                leaked = [token for token in FORBIDDEN if token in text]
                assert not leaked, f"{where}: {leaked} reached Slack unescaped in {text[:200]!r}"
        for element in elements(rendered):
            if "max_length" in element and "initial_value" in element:
                assert len(element["initial_value"]) <= element["max_length"], where
        if entry.user_text:
            shown = (escape(hostile)[:12], hostile[:12])
            assert any(p in text for _key, text in found for p in shown), (
                f"{where}: the hostile text never appears; put the sample's `hostile` "
                "where people's or CRMs' text goes"
            )


def test_every_sample_names_an_existing_template() -> None:
    names = set(template_names())
    stale = sorted(set(SAMPLES) - names) + sorted(set(PARTIALS) - names)
    assert not stale, f"samples for templates that no longer exist: {stale}"


def test_a_template_without_a_sample_fails_with_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discovery finds any new file, and its failure says what to do."""
    (tmp_path / "brand_new.json.j2").write_text('{"text": "hi"}')
    monkeypatch.setattr(sys.modules[__name__], "TEMPLATES", tmp_path)
    assert template_names() == ["brand_new"]
    with pytest.raises(pytest.fail.Exception, match="add a sample context"):
        test_template_survives_hostile_input("brand_new")
