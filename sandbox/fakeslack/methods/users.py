"""users.*: looking people up by id and by email."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.fakeslack.methods.checks import method, required
from sandbox.fakeslack.models import JsonDict, SlackError

if TYPE_CHECKING:
    from sandbox.fakeslack.fake import FakeSlack


@method("users.info")
def users_info(fake: FakeSlack, args: JsonDict) -> JsonDict:
    user = fake.find_user(required(args, "user", "user_not_found"))
    if user is None:
        raise SlackError("user_not_found")
    return {"user": user}


@method("users.lookupByEmail")
def users_lookup_by_email(fake: FakeSlack, args: JsonDict) -> JsonDict:
    user = fake.find_user_by_email(required(args, "email", "users_not_found"))
    if user is None:
        raise SlackError("users_not_found")
    return {"user": user}
