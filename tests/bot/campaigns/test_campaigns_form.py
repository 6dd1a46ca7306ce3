"""The campaign modal's form and the /campaign subcommands, without a database or Slack."""

from __future__ import annotations

from datetime import date

import pytest

from bot.campaigns import CampaignForm, FormMetadata, modal_view, parse_command, suggest_code
from bot.ids import CampaignIds as Ids
from bot.messages import validate_blocks
from bot.models import Campaign


def state(**values: str | None) -> dict:
    """A view_submission's state.values as Slack sends it, for the given fields."""
    blocks = {
        "name": (Ids.NAME_BLOCK, "plain_text_input"),
        "code": (Ids.CODE_BLOCK, "plain_text_input"),
        "audience": (Ids.AUDIENCE_BLOCK, "plain_text_input"),
        "landing_url": (Ids.LANDING_URL_BLOCK, "url_text_input"),
        "starts_on": (Ids.STARTS_BLOCK, "datepicker"),
        "ends_on": (Ids.ENDS_BLOCK, "datepicker"),
        "hot_score": (Ids.HOT_SCORE_BLOCK, "number_input"),
    }
    result = {}
    for name, (block, kind) in blocks.items():
        value = values.get(name)
        key = "selected_date" if kind == "datepicker" else "value"
        result[block] = {Ids.INPUT: {"type": kind, key: value}}
    return result


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Spring Webinar 2025!", "spring-webinar-2025"),
        ("  Frühling & Öl  ", "fruhling-ol"),
        ("<!channel> launch", "channel-launch"),
        ("🚀🔥", ""),
        ("a" * 100 + " b", "a" * 80),
    ],
)
def test_code_is_suggested_from_the_name(name: str, code: str) -> None:
    assert suggest_code(name) == code


def test_a_blank_code_uses_the_suggestion_and_a_typed_one_is_normalised() -> None:
    assert CampaignForm(name="Spring Webinar").chosen_code == "spring-webinar"
    assert CampaignForm(name="Spring", code="  UTM_Spring ").chosen_code == "utm_spring"


def test_state_values_are_read_by_type() -> None:
    form = CampaignForm.from_state(
        state(name=" Spring ", starts_on="2025-03-01", hot_score="70", landing_url=None)
    )
    assert form.name == "Spring"
    assert form.starts_on == "2025-03-01"
    assert form.hot_score == "70"
    assert form.landing_url == ""
    assert form.problems() == {}


@pytest.mark.parametrize(
    ("fields", "block", "words"),
    [
        ({"name": "   "}, Ids.NAME_BLOCK, "name"),
        ({"name": "x" * 151}, Ids.NAME_BLOCK, "150"),
        ({"name": "🚀"}, Ids.CODE_BLOCK, "code"),
        ({"name": "N", "code": "c" * 81}, Ids.CODE_BLOCK, "80"),
        ({"name": "N", "landing_url": "example.com"}, Ids.LANDING_URL_BLOCK, "web address"),
        ({"name": "N", "landing_url": "javascript:alert(1)"}, Ids.LANDING_URL_BLOCK, "web"),
        ({"name": "N", "landing_url": "https://x.test/a b"}, Ids.LANDING_URL_BLOCK, "web"),
        (
            {"name": "N", "starts_on": "2025-03-02", "ends_on": "2025-03-01"},
            Ids.ENDS_BLOCK,
            "before",
        ),
        ({"name": "N", "starts_on": "yesterday"}, Ids.STARTS_BLOCK, "calendar"),
        ({"name": "N", "hot_score": "101"}, Ids.HOT_SCORE_BLOCK, "0 to 100"),
        ({"name": "N", "hot_score": "7.5"}, Ids.HOT_SCORE_BLOCK, "whole number"),
        ({"name": "N", "talking_points": "t" * 3001}, Ids.TALKING_POINTS_BLOCK, "3000"),
    ],
)
def test_problems_are_reported_on_their_block(fields: dict, block: str, words: str) -> None:
    problems = CampaignForm(**fields).problems()
    assert list(problems) == [block]
    assert words in problems[block]


def test_same_day_start_and_end_is_fine() -> None:
    form = CampaignForm(name="N", starts_on="2025-03-01", ends_on="2025-03-01")
    assert form.problems() == {}


def test_apply_and_prefill_round_trip() -> None:
    campaign = Campaign()
    form = CampaignForm(
        name="Spring & <Summer>",
        audience="CFOs",
        landing_url="https://example.com/s?a=1&b=2",
        starts_on="2025-03-01",
        hot_score="0",
    )
    form.apply_to(campaign)
    assert campaign.code == "spring-summer"
    assert campaign.starts_on == date(2025, 3, 1)
    assert campaign.hot_score == 0 and campaign.offer is None
    again = CampaignForm.from_campaign(campaign)
    assert again.name == form.name and again.hot_score == "0" and again.code == "spring-summer"


def test_the_edit_modal_shows_what_was_typed_unescaped_and_carries_its_metadata() -> None:
    form = CampaignForm(name='Tom & "Jerry" <!channel>', code="tj", starts_on="2025-03-01")
    view = modal_view(form, FormMetadata(42, "https://hooks.slack.test/r/1?a=1&b=2"))
    validate_blocks(view["blocks"], 100)
    assert view["callback_id"] == Ids.MODAL
    name = next(b for b in view["blocks"] if b.get("block_id") == Ids.NAME_BLOCK)
    # Slack sends back exactly what is in the input: escaping it would corrupt it on each edit.
    assert name["element"]["initial_value"] == 'Tom & "Jerry" <!channel>'
    assert FormMetadata.load(view["private_metadata"]) == FormMetadata(
        42, "https://hooks.slack.test/r/1?a=1&b=2"
    )
    assert view["title"]["text"] == "Edit campaign"


def test_new_modal_is_empty() -> None:
    view = modal_view(CampaignForm(), FormMetadata())
    assert "initial_value" not in str(view) and "initial_date" not in str(view)
    assert view["title"]["text"] == "New campaign"


@pytest.mark.parametrize("text", ["", "{", "[1]", '{"campaign_id": "7", "response_url": "x"}'])
def test_bad_metadata_is_harmless(text: str) -> None:
    assert FormMetadata.load(text) == FormMetadata()


@pytest.mark.parametrize(
    ("text", "action", "code"),
    [
        ("", "new", ""),
        ("  ", "new", ""),
        ("new", "new", ""),
        ("list", "list", ""),
        ("LIST", "list", ""),
        ("stats Spring-Webinar", "stats", "Spring-Webinar"),
        ("stats  spring webinar ", "stats", "spring webinar"),
        ("edit spring", "edit", "spring"),
        ("end spring", "end", "spring"),
        ("stats", "stats", ""),
        ("help", "help", ""),
        ("delete spring", "unknown", "spring"),
    ],
)
def test_subcommands_are_parsed(text: str, action: str, code: str) -> None:
    command = parse_command(text)
    assert (command.action, command.code) == (action, code)


def test_unknown_subcommand_keeps_what_was_typed() -> None:
    assert parse_command("Delete x").typed == "Delete"
