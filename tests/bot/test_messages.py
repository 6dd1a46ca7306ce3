"""The template engine: hostile values cannot ping, link or break structure; limits hold."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import messages
from bot.leads.render import claim_context
from bot.messages import cut, escape, link, mention, render_message, validate_blocks
from bot.models import Lead

HOSTILE = [
    'He said "hi", then left',
    "line one\nline two\r\n\ttab",
    "<!channel> <!here> <!everyone> <@U12345> <!subteam^S123> <#C123>",
    "<https://evil.example|click me>",
    "Tom & Jerry's {{ braces }} {% raw %} ] } ,",
    "x" * 10_000,
    "emoji 🚀🔥 and flags 🇩🇪",
    "مرحبا بالعالم RTL text \u202e reversed",
    "back\\slash and \u0000 nul",
]


@pytest.fixture
def template_folder(tmp_path: Path):
    (tmp_path / "card.json.j2").write_text(
        """{
  "text": "New lead {{ name }} from {{ company }}",
  "blocks": [
    {"type": "header", "text": {"type": "plain_text", "text": "{{ name }}"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "*{{ name }}* at {{ company }} for {{ mention(owner) }}"},
     "fields": [{% for f in fields %}{"type": "mrkdwn", "text": "{{ f }}"},{% endfor %}]},
    {"type": "actions", "elements": [
      {"type": "button", "action_id": "ok", "text": {"type": "plain_text", "text": "Open {{ name }}"}, "value": "{{ name }}"},
    ]},
    {% for n in range(extra) %}{"type": "section", "text": {"type": "mrkdwn", "text": "row {{ n }}"}},{% endfor %}
  ]
}"""
    )
    messages.set_template_folder(tmp_path)
    yield tmp_path
    messages.set_template_folder(messages.TEMPLATES)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_stay_text(template_folder: Path, value: str) -> None:
    message = render_message(
        "card", name=value, company=value, owner="UREP1", fields=[value] * 12, extra=0
    )
    validate_blocks(message.blocks)
    section = message.blocks[1]["text"]["text"]
    assert "<!" not in section and "<@U12345>" not in section and "<https" not in section
    assert section.endswith("for <@UREP1>") or section.endswith("…")
    assert len(message.blocks[0]["text"]["text"]) <= 150
    assert len(section) <= 3000
    assert len(message.blocks[1]["fields"]) == 10
    assert all(len(f["text"]) <= 2000 for f in message.blocks[1]["fields"])
    assert len(message.blocks[2]["elements"][0]["text"]["text"]) <= 75
    assert message.text and len(message.text) <= 4000


def test_values_keep_their_characters(template_folder: Path) -> None:
    value = 'A "quoted" name\nwith <b> & more'
    message = render_message("card", name=value, company="", owner=None, fields=[], extra=0)
    assert message.blocks[0]["text"]["text"] == 'A "quoted" name\nwith &lt;b&gt; &amp; more'


def test_block_count_is_capped(template_folder: Path) -> None:
    message = render_message("card", name="n", company="c", owner=None, fields=[], extra=80)
    assert len(message.blocks) == 50
    assert message.blocks[-1]["elements"][0]["text"] == "…and 34 more"
    validate_blocks(message.blocks)


def test_escape_only_three_characters() -> None:
    assert escape("a & b < c > d ' \"") == "a &amp; b &lt; c &gt; d ' \""


def test_cut_never_splits_an_entity_or_token() -> None:
    assert cut("abc &amp; def", 6) == "abc …"
    assert cut("hi <@U123> there", 8) == "hi …"
    assert cut("short", 10) == "short"


def test_trusted_helpers_validate_their_input() -> None:
    assert mention("UREP1") == "<@UREP1>"
    assert mention("<!channel>") == "&lt;!channel&gt;"
    assert (
        link("https://example.com/x", "Offer & more") == "<https://example.com/x|Offer &amp; more>"
    )
    # What a helper cannot make a link of is shown as typed text (marked like any value).
    assert link("javascript:alert(1)", "bad") == "\ue000bad\ue001"
    assert link("https://evil.example|x> <!channel", "t") == "\ue000t\ue001"


def test_a_pipe_in_a_link_label_cannot_end_the_label() -> None:
    # In <url|label> Slack reads up to the first "|" as the URL; a label's own "|" would
    # start a second label. It is shown as a broken bar instead.
    assert link("https://example.com/x", "A | B") == "<https://example.com/x|A ¦ B>"
    assert link("https://example.com/x", "|<!here>|") == "<https://example.com/x|¦&lt;!here&gt;¦>"


def test_validate_rejects_too_many_blocks() -> None:
    with pytest.raises(ValueError, match="51 blocks"):
        validate_blocks([{"type": "divider"}] * 51)


MOMENT = datetime(2025, 3, 3, 14, 30, tzinfo=UTC)


def test_typed_text_cannot_format_but_the_templates_own_markup_does() -> None:
    lead = Lead(id=1, external_id="x", name="*Ada* _the_ `dev`", company="snake_case Ltd")
    lead.note = ">quoted\nhttps://evil.example #general @here"
    message = render_message(
        "lead_claim", **claim_context(lead, None, owner="UREP1", by="UREP1", at=MOMENT)
    )
    title, *_rest = message.blocks[1:]
    assert title["text"]["verbatim"] is True
    assert title["text"]["text"].startswith("*<!date^00000000^{_}|*>Ada<!date^00000000^{_}|*>")
    assert "snake_case Ltd" in title["text"]["text"]  # between two letters nothing formats
    note = next(b for b in message.blocks if "evil.example" in json.dumps(b))
    assert note["text"]["verbatim"] is True
    assert note["text"]["text"] == "*Note*\n\u00ad&gt;quoted\nhttps://evil.example #general @here"
    context = message.blocks[-1]["elements"][0]
    assert "<@UREP1>" in context["text"] and "<!date^" in context["text"]  # trusted markup
    assert "verbatim" not in context  # no typed text in it
    assert "Ada" in message.text and "*Ada*" not in message.text  # the fallback too
