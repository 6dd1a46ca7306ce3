"""Links the templates build (`link`, `email_link`, `phone_link`): only to targets that are
what they claim, defence in depth behind the lead intake's own checks."""

from __future__ import annotations

import pytest

from bot import messages
from bot.messages import link


@pytest.mark.parametrize(
    "address",
    [
        "javascript:alert(1)//@x.y",
        "a@[127.0.0.1]",
        "mailto:a@b.c",
        '"a b"@example.com',
        "a b@example.com",
        "ada@localhost",
        "x|y@example.com>",
    ],
)
def test_an_address_that_is_not_an_email_is_never_a_mailto_link(address: str) -> None:
    for shown in (messages.email_link(address), link(f"mailto:{address}", address)):
        assert "<mailto:" not in shown  # shown as text, never as a link


def test_a_valid_address_is_a_mailto_link() -> None:
    assert messages.email_link("dana@example.com") == "<mailto:dana@example.com|dana@example.com>"
    assert link("mailto:dana@example.com", "Dana") == "<mailto:dana@example.com|Dana>"


def test_a_tel_link_needs_digits() -> None:
    assert messages.phone_link("+1 (555) 010-0199") == "<tel:+15550100199|+1 (555) 010-0199>"
    assert "<tel:" not in link("tel:javascript:alert(1)", "call")
