"""The /leads webhook's authentication (bot.signing): an HMAC-SHA256 signature of the raw body
in X-Handoff-Signature ("sha256=<hex>"), or Authorization: Bearer <secret>."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bot import signing
from bot.signing import sign_body, webhook_authorised

SECRET = "test-webhook-secret-0123456789"
BODY = b'{"id": "crm-1", "name": "Ada"}'


def signed(body: bytes = BODY, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_sign_body_is_hmac_sha256_of_the_raw_body_with_the_prefix() -> None:
    assert sign_body(SECRET, BODY) == signed()


def test_the_right_signature_is_accepted() -> None:
    assert webhook_authorised(SECRET, BODY, signed(), None)
    assert webhook_authorised(SECRET, BODY, f"  {signed()}\n", None)  # stray whitespace


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(signed(b'{"id": "crm-1", "name": "Eve"}'), id="wrong-body"),
        pytest.param(signed(BODY + b" "), id="body-with-a-byte-more"),
        pytest.param(signed(secret="another-secret-0123456789"), id="wrong-secret"),
        pytest.param(signed().removeprefix("sha256="), id="missing-prefix"),
        pytest.param("sha1=" + signed().removeprefix("sha256="), id="other-prefix"),
        pytest.param(signed()[:-1], id="truncated"),
        pytest.param("sha256=", id="prefix-only"),
        pytest.param("sha256=é" + signed()[8:], id="non-ascii"),
    ],
)
def test_a_wrong_signature_is_refused(signature: str) -> None:
    assert not webhook_authorised(SECRET, BODY, signature, None)


@pytest.mark.parametrize("signature", ["", "   "])
def test_an_empty_signature_header_alone_is_refused(signature: str) -> None:
    assert not webhook_authorised(SECRET, BODY, signature, None)
    assert not webhook_authorised(SECRET, BODY, signature, "")


def test_no_credentials_at_all_are_refused() -> None:
    assert not webhook_authorised(SECRET, BODY, None, None)


def test_a_wrong_signature_is_not_rescued_by_a_right_bearer() -> None:
    """A signature, when sent, decides: it is not an optional extra to be ignored."""
    assert not webhook_authorised(
        SECRET, BODY, signed(secret="nope-0123456789"), f"Bearer {SECRET}"
    )


@pytest.mark.parametrize(
    "authorization", [f"Bearer {SECRET}", f"bearer {SECRET}", f"Bearer  {SECRET} "]
)
def test_bearer_with_the_secret_is_accepted(authorization: str) -> None:
    assert webhook_authorised(SECRET, BODY, None, authorization)


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer", id="bearer-without-secret"),
        pytest.param("Bearer ", id="bearer-and-space"),
        pytest.param("Bearer    ", id="bearer-and-spaces"),
        pytest.param("Bearer wrong-secret", id="wrong-secret"),
        pytest.param(f"Bearer {SECRET[:-1]}", id="secret-prefix"),
        pytest.param(f"Bearer {SECRET}x", id="secret-and-more"),
        pytest.param(SECRET, id="secret-without-scheme"),
        pytest.param(f"Basic {SECRET}", id="other-scheme"),
        pytest.param(f"Bearer {signed()}", id="signature-as-bearer"),
        pytest.param("Bearer é", id="non-ascii"),
    ],
)
def test_bearer_without_the_secret_is_refused(authorization: str) -> None:
    assert not webhook_authorised(SECRET, BODY, None, authorization)


def test_both_checks_compare_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every comparison goes through hmac.compare_digest (never ==), so the response time
    does not tell an attacker how many leading characters they got right."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(signing.hmac, "compare_digest", spy)
    assert webhook_authorised(SECRET, BODY, signed(), None)
    assert not webhook_authorised(SECRET, BODY, signed(secret="x" * 20), None)
    assert webhook_authorised(SECRET, BODY, None, f"Bearer {SECRET}")
    assert not webhook_authorised(SECRET, BODY, None, "Bearer guess")
    pairs = sorted(tuple(sorted(pair)) for pair in calls)  # either argument order
    assert pairs == sorted(
        tuple(sorted(pair))
        for pair in [
            (signed().encode(), signed().encode()),
            (signed().encode(), signed(secret="x" * 20).encode()),
            (SECRET.encode(), SECRET.encode()),
            (b"guess", SECRET.encode()),
        ]
    )
