"""Every template in templates/, rendered with hostile input, stays valid Block Kit, pings
nobody and shows the text as typed: nothing a person or a CRM typed formats or links.
Templates are discovered; their sample contexts live in tests/support/samples/.

What "cannot format or link" means here, for each mrkdwn string Slack would parse (every
text object of type mrkdwn, and the message's top-level `text` fallback):
- *live* text is what Slack parses for formatting: the string with every `<…>` token (a
  mention, link or date the app built, or a neutralised character) replaced by U+FFFC;
- no typed backtick reaches the live text as a backtick (it could open code, or end the
  template's own): the live texts hold as many backticks as when the input has none; a typed `*bold*`, `_x_` or `~x~` never appears in the
  live text outside the template's code spans and blocks (where Slack formats nothing); no
  live line starts with the escaped `&gt;` of a typed quote;
- a mrkdwn text object that shows typed text has `verbatim: true` (Slack then auto-links no
  URL, `#channel` or `@here`); the fallback, which cannot be verbatim, has no typed `://`,
  `www.`, `#general` or `@here` in its live text outside code (Slack links nothing in code);
- the text still shows as typed: with each `<!date^00000000^{_}|c>` read as its fallback `c`,
  soft hyphens dropped and look-alikes (U+02CB for a backtick in code) read as what they look
  like, the escaped input is there.
"""

from __future__ import annotations

import itertools
import re
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
from tests.support.samples import PARTIALS, SAMPLES, TemplateSample

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
    "bold": "*bold*",
    "italic": "_x_",
    "strike": "~x~",
    "code": "`x`",
    "fence": "```\nfenced\n```",
    "quote": ">quote\n>quoted too",
    "url": "https://evil.example",
    "www": "www.evil.example",
    "channel_name": "#general",
    "here": "@here",
    "formatting": "*bold* _x_ ~x~ `x` ```y``` https://evil.example www.evil.example #general @here",
}
# Typed formatting that must never be live in a mrkdwn string.
FORMATTING = ("*bold*", "_x_", "~x~", "`x`", "```")
# Typed text Slack would auto-link where it is not verbatim.
AUTOLINKED = ("https://evil.example", "www.evil.example", "#general", "@here")
TOKEN = re.compile(r"<[^<>]*>")
LOOKALIKES = str.maketrans({"∗": "*", "ˍ": "_", "∼": "~", "ˋ": "`"})  # in code and link labels
CODE = re.compile(r"```.*?```|`[^`]*`", re.DOTALL)
SHOWN_AS = re.compile(r"<!date\^00000000\^\{_\}\|([^<>])>")
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
ADVICE = "add a sample context for it in tests/support/samples/ (see its docstring)"


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


def live(text: str) -> str:
    """What Slack parses for formatting and auto-links: outside every `<…>` token."""
    return TOKEN.sub("\ufffc", text)


def as_shown(text: str) -> str:
    """The text as Slack shows it, as far as the neutralising goes."""
    shown = SHOWN_AS.sub(lambda m: m.group(1), text).replace("\u00ad", "")
    return shown.translate(LOOKALIKES)


def mrkdwn_texts(rendered: dict[str, Any]) -> Iterator[tuple[dict[str, Any] | None, str]]:
    """(text object, text) of every mrkdwn text object, and (None, fallback) for the message."""
    if isinstance(rendered.get("text"), str):
        yield None, rendered["text"]
    for element in elements(rendered.get("blocks", [])):
        if element.get("type") == "mrkdwn" and isinstance(element.get("text"), str):
            yield element, element["text"]


def assert_inert(where: str, rendered: dict[str, Any], hostile: str) -> None:
    """Nothing typed can format or link (the definition is in the module docstring)."""
    typed = escape(hostile)
    for obj, text in mrkdwn_texts(rendered):
        parsed = live(text)
        formatted = CODE.sub("\ufffc", parsed)
        for sequence in FORMATTING:
            if sequence in hostile and "`" not in sequence:
                assert sequence not in formatted, f"{where}: {sequence!r} formats in {text[:200]!r}"
        if "\n>" in "\n" + hostile:
            starts = [line for line in parsed.split("\n") if line.startswith("&gt;")]
            assert not starts, f"{where}: a typed '>' starts a quote in {text[:200]!r}"
        shown = as_shown(text)
        for target in AUTOLINKED:
            if target not in hostile:
                continue
            if obj is None:
                assert target not in formatted, f"{where}: {target!r} auto-links in the fallback"
            elif target in shown or typed[:12] in shown:
                assert obj.get("verbatim") is True, f"{where}: {target!r} shown unverbatim"


def live_backticks(rendered: dict[str, Any]) -> int:
    return sum(live(text).count("`") for _obj, text in mrkdwn_texts(rendered))


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
        assert_inert(where, rendered, hostile)
        if "`" in hostile:
            without = render(entry, hostile.replace("`", ""))
            assert live_backticks(rendered) == live_backticks(without), f"{where}: typed ` is live"
        if entry.user_text:
            shown = (escape(hostile)[:12], hostile[:12])
            assert any(p in as_shown(text) for _key, text in found for p in shown), (
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
