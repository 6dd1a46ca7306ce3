"""Authentication of POST /leads: an HMAC signature or a bearer secret, in constant time."""

from __future__ import annotations

import hashlib
import hmac


def sign_body(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_authorised(
    secret: str, body: bytes, signature: str | None, authorization: str | None
) -> bool:
    if signature:
        return hmac.compare_digest(sign_body(secret, body).encode(), signature.strip().encode())
    if authorization and authorization.lower().startswith("bearer "):
        given = authorization[7:].strip().encode()
        return hmac.compare_digest(given, secret.encode())
    return False
