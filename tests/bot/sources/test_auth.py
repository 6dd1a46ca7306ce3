"""Each vendor's verification, computed independently of `bot.sources.auth`'s own signing."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import replace

from bot.sources.auth import Inbound, hubspot_uri, refusal
from bot.sources.config import Source

SECRET = "a-client-secret-of-enough-length"
NOW_MS = 1_764_107_000_000


def source(kind: str, auth: str, **extra: object) -> Source:
    return Source(name="s", kind=kind, auth=auth, secret=SECRET, display="S", **extra)  # type: ignore[arg-type]


def inbound(body: bytes = b"{}", url: str = "https://h.example/leads/s", **headers: str) -> Inbound:
    return Inbound("POST", url, {k.replace("_", "-"): v for k, v in headers.items()}, {}, body)


def test_hubspot_v3_is_method_uri_body_timestamp_in_base64() -> None:
    body = b'[{"eventId":1}]'
    url = "https://h.example/leads/s?a=%3A%2F"
    message = b"POST" + b"https://h.example/leads/s?a=:/" + body + str(NOW_MS).encode()
    good = base64.b64encode(hmac.new(SECRET.encode(), message, hashlib.sha256).digest()).decode()
    hs = source("hubspot", "signature")
    headers = {"x_hubspot_signature_v3": good, "x_hubspot_request_timestamp": str(NOW_MS)}
    assert refusal(hs, inbound(body, url, **headers), NOW_MS) is None
    assert refusal(hs, inbound(body, url, **headers), NOW_MS + 299_000) is None
    assert "stale" in (refusal(hs, inbound(body, url, **headers), NOW_MS + 301_000) or "")
    assert "wrong" in (refusal(hs, inbound(body + b" ", url, **headers), NOW_MS) or "")
    assert "wrong" in (refusal(hs, inbound(body, url + "&b", **headers), NOW_MS) or "")
    headers["x_hubspot_request_timestamp"] = "12ab"
    assert "malformed" in (refusal(hs, inbound(body, url, **headers), NOW_MS) or "")
    assert hubspot_uri("x%3a%40%2C%20") == "x:@,%20"  # only HubSpot's listed characters


def test_typeform_is_sha256_equals_base64_of_the_body() -> None:
    body = b'{"event_type":"form_response"}'
    mac = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    tf = source("typeform", "signature")
    assert refusal(tf, inbound(body, typeform_signature=f"sha256={mac}")) is None
    assert refusal(tf, inbound(body, typeform_signature=mac)) is not None
    assert refusal(tf, inbound(body)) is not None


def test_json_hmac_in_hex_or_base64_with_a_prefix() -> None:
    body = b'{"id":1}'
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    hexed = source("json", "hmac", header="X-Sig", prefix="sha256=")
    assert refusal(hexed, inbound(body, x_sig="sha256=" + digest.hex().upper())) is None
    assert refusal(hexed, inbound(body, x_sig=digest.hex())) is not None
    b64 = replace(hexed, encoding="base64", prefix="")
    assert refusal(b64, inbound(body, x_sig=base64.b64encode(digest).decode())) is None


def test_bearer_basic_header_and_key() -> None:
    assert refusal(source("json", "bearer"), inbound(authorization=f"Bearer {SECRET}")) is None
    assert refusal(source("json", "bearer"), inbound(authorization=f"Basic {SECRET}")) is not None
    basic = "Basic " + base64.b64encode(f"any:{SECRET}".encode()).decode()
    assert refusal(source("json", "basic"), inbound(authorization=basic)) is None
    assert refusal(source("json", "basic"), inbound(authorization="Basic %%%")) is not None
    header = source("hubspot", "header", header="X-Handoff-Key")
    assert refusal(header, inbound(x_handoff_key=SECRET)) is None
    assert refusal(header, inbound(x_handoff_key=SECRET[:-1])) is not None
    key = source("salesforce", "key")
    assert refusal(key, Inbound("POST", "u", {}, {"key": SECRET}, b"")) is None
    assert refusal(key, Inbound("POST", "u", {}, {}, b"")) is not None
