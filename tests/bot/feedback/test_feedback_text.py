"""What a rep typed, checked without a database: limits, tags, entities, and the answers."""

from __future__ import annotations

import pytest

from bot.feedback import MAX_LENGTH, command_text, precheck, tags_in
from bot.feedback.text import first_word, give_back, without_edge_tags
from bot.messages import escape, validate_blocks


def test_slacks_three_entities_are_decoded_once() -> None:
    assert command_text("  Tom &amp; Jerry &lt;!channel&gt;  ") == "Tom & Jerry <!channel>"
    # A rep who typed "&lt;" literally: Slack sends "&amp;lt;", which must stay "&lt;".
    assert command_text("a &amp;lt; b") == "a &lt; b"
    assert command_text(None) == ""


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("#pricing too expensive", ["pricing"]),
        ("too #Pricing expensive #COMPETITOR", ["pricing", "competitor"]),
        ("#praise #praise loved it", ["praise"]),
        ("#pricingpage and #price and a#quality and ##feature", []),
        ("x #objection, #feature. #quality!", ["objection", "feature", "quality"]),
        ("#pricing-page is confusing", []),
    ],
)
def test_known_tags_anywhere(text: str, tags: list[str]) -> None:
    assert tags_in(text) == tags


def test_tags_at_the_edges_are_taken_off_the_text_and_the_rest_stays() -> None:
    assert without_edge_tags("#pricing #Competitor too expensive #praise") == "too expensive"
    assert without_edge_tags("the #pricing page #wow is confusing") == (
        "the #pricing page #wow is confusing"
    )
    assert without_edge_tags("#wow loved it") == "#wow loved it"
    assert without_edge_tags("#pricing #feature") == ""


def test_first_word() -> None:
    assert first_word("Spring-Webinar  too expensive") == ("Spring-Webinar", "too expensive")
    assert first_word("spring") == ("spring", "")
    assert first_word("") == ("", "")
    assert first_word(" #pricing #Praise spring too pricey") == ("spring", "too pricey")


def test_no_text_gets_usage_with_an_example() -> None:
    answer = precheck("")
    assert answer is not None
    validate_blocks(answer.blocks)
    shown = str(answer.blocks)
    assert (
        "`/feedback [CODE]" in shown and "For example: `/feedback spring-webinar #pricing" in shown
    )
    assert "#competitor" in shown and f"Up to {MAX_LENGTH} characters" in shown


def test_500_characters_pass_and_501_are_refused_with_the_text_given_back() -> None:
    assert precheck("x" * MAX_LENGTH) is None
    typed = "<!channel> Tom & Jerry " + "y" * MAX_LENGTH
    answer = precheck(typed)
    assert answer is not None
    validate_blocks(answer.blocks)
    assert f"can be up to {MAX_LENGTH} characters, and this is {len(typed)}" in str(answer.blocks)
    given = "".join(b["text"]["text"].strip("`") for b in answer.blocks[1:])
    assert given == escape(typed)
    assert "<!channel>" not in str(answer.blocks) and "Not sent" in answer.text


def test_a_long_text_is_given_back_whole_in_sections_slack_accepts() -> None:
    typed = "&<>" * 3000 + "end"
    pieces = give_back(typed)
    assert "".join(pieces) == typed
    assert all(len(escape(p)) <= 2800 for p in pieces) and len(pieces) > 1
    answer = precheck(typed)
    assert answer is not None
    validate_blocks(answer.blocks)
