"""Verifying a request to a lead source before its body is read, each the way its sender signs.
Every comparison is constant-time; the answer is the reason for a refusal, or None."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass

from bot.sources.config import Source

HUBSPOT_WINDOW_MS = 5 * 60 * 1000
# The characters HubSpot decodes in the URI before signing (its request-validation guide).
HUBSPOT_DECODE = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}


@dataclass(frozen=True)
class Inbound:
    """A request as the web layer received it: `url` is the public URL it was sent to (rebuilt
    from PUBLIC_URL when set), headers lower-cased."""

    method: str
    url: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes


def _same(given: str | bytes, expected: str | bytes) -> bool:
    a = given.encode() if isinstance(given, str) else given
    b = expected.encode() if isinstance(expected, str) else expected
    return hmac.compare_digest(a, b)


def _mac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def hubspot_uri(url: str) -> str:
    for encoded, char in HUBSPOT_DECODE.items():
        url = url.replace(encoded, char).replace(encoded.lower(), char)
    return url


def hubspot_signature(secret: str, method: str, url: str, body: bytes, timestamp: str) -> str:
    source = method.upper().encode() + hubspot_uri(url).encode() + body + timestamp.encode()
    return base64.b64encode(_mac(secret, source)).decode()


def typeform_signature(secret: str, body: bytes) -> str:
    return "sha256=" + base64.b64encode(_mac(secret, body)).decode()


def refusal(source: Source, request: Inbound, now_ms: int | None = None) -> str | None:
    """Why `request` is not from `source`'s sender (None: it is)."""
    headers = request.headers
    if source.auth == "key":
        key = request.query.get("key")
        return None if key and _same(key, source.secret) else "wrong or missing ?key="
    if source.auth == "header":
        assert source.header is not None
        given = headers.get(source.header.lower())
        return None if given and _same(given.strip(), source.secret) else f"wrong {source.header}"
    if source.auth == "bearer":
        given = headers.get("authorization", "")
        ok = given[:7].lower() == "bearer " and _same(given[7:].strip(), source.secret)
        return None if ok else "wrong or missing Authorization: Bearer"
    if source.auth == "basic":
        return _basic(headers.get("authorization", ""), source.secret)
    if source.kind == "hubspot":
        return _hubspot(source.secret, request, now_ms)
    if source.kind == "typeform":
        given = headers.get("typeform-signature", "")
        expected = typeform_signature(source.secret, request.body)
        return None if given and _same(given.strip(), expected) else "wrong Typeform-Signature"
    assert source.header is not None  # json, auth = hmac
    given = headers.get(source.header.lower(), "").strip()
    if not given.startswith(source.prefix):
        return f"{source.header} does not start with {source.prefix!r}"
    digest = _mac(source.secret, request.body)
    expected = digest.hex() if source.encoding == "hex" else base64.b64encode(digest).decode()
    value = given[len(source.prefix) :]
    if source.encoding == "hex":
        value = value.lower()
    return None if value and _same(value, expected) else f"wrong {source.header}"


def _basic(authorization: str, secret: str) -> str | None:
    """HTTP Basic (Pipedrive's webhooks): the password is the secret; any user name."""
    if authorization[:6].lower() != "basic ":
        return "wrong or missing Authorization: Basic"
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "malformed Authorization: Basic"
    _user, _, password = decoded.partition(":")
    return None if password and _same(password, secret) else "wrong Basic password"


def _hubspot(secret: str, request: Inbound, now_ms: int | None) -> str | None:
    signature = request.headers.get("x-hubspot-signature-v3", "").strip()
    timestamp = request.headers.get("x-hubspot-request-timestamp", "").strip()
    if not signature or not timestamp:
        return "no X-HubSpot-Signature-v3"
    if not timestamp.isdigit() or len(timestamp) > 15:
        return "malformed X-HubSpot-Request-Timestamp"
    now = int(time.time() * 1000) if now_ms is None else now_ms
    if abs(now - int(timestamp)) > HUBSPOT_WINDOW_MS:
        return "stale X-HubSpot-Request-Timestamp (over 5 minutes)"
    expected = hubspot_signature(secret, request.method, request.url, request.body, timestamp)
    return None if _same(signature, expected) else "wrong X-HubSpot-Signature-v3"


__all__ = ["Inbound", "hubspot_signature", "refusal", "typeform_signature"]
