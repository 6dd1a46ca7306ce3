"""views.*: modals opened, pushed, updated, and the App Home published."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.fakeslack.methods.checks import (
    MAX_VIEW_BLOCKS,
    checked_blocks,
    invalid_arguments,
    method,
)
from sandbox.fakeslack.models import JsonDict, SlackError

if TYPE_CHECKING:
    from sandbox.fakeslack.fake import FakeSlack

# -- views ------------------------------------------------------------------------------------


def _checked_view(args: JsonDict, *types: str) -> JsonDict:
    view = args.get("view")
    if not isinstance(view, dict):
        raise invalid_arguments("missing required field: view")
    if view.get("type") not in types:
        raise invalid_arguments(f"must be one of {', '.join(types)} [json-pointer:/view/type]")
    if view["type"] == "modal" and not view.get("title"):
        raise invalid_arguments("missing required field: title [json-pointer:/view]")
    try:
        checked_blocks(view.get("blocks", []), MAX_VIEW_BLOCKS)
    except SlackError as error:
        raise invalid_arguments(*error.extra.get("errors", [error.code])) from None
    return view


def _trigger_id(args: JsonDict) -> str:
    if not args.get("trigger_id"):
        raise invalid_arguments("missing required field: trigger_id")
    return str(args["trigger_id"])


@method("views.open")
def views_open(fake: FakeSlack, args: JsonDict) -> JsonDict:
    view = _checked_view(args, "modal")
    return {"view": fake.open_view(view, _trigger_id(args)).to_slack()}


@method("views.push")
def views_push(fake: FakeSlack, args: JsonDict) -> JsonDict:
    view = _checked_view(args, "modal")
    return {"view": fake.open_view(view, _trigger_id(args), pushed=True).to_slack()}


@method("views.update")
def views_update(fake: FakeSlack, args: JsonDict) -> JsonDict:
    view = _checked_view(args, "modal", "home")
    if not args.get("view_id") and not args.get("external_id"):
        raise invalid_arguments("either view_id or external_id is required")
    updated = fake.update_view(
        view,
        view_id=args.get("view_id"),
        external_id=args.get("external_id"),
        hash=args.get("hash"),
    )
    return {"view": updated.to_slack()}


@method("views.publish")
def views_publish(fake: FakeSlack, args: JsonDict) -> JsonDict:
    user_id = args.get("user_id")
    if not user_id:
        raise invalid_arguments("missing required field: user_id")
    view = _checked_view(args, "home")
    return {"view": fake.publish_home(str(user_id), view, args.get("hash")).to_slack()}
