"""Lead sources in tests: a sources.toml with one source of each kind, their secrets, and
requests signed the way each vendor signs them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from pathlib import Path

import httpx

from bot.sources.auth import hubspot_signature, typeform_signature

SAMPLES = Path(__file__).parent / "samples" / "sources"
SECRETS = {
    "HUBSPOT_CLIENT_SECRET": "hubspot-client-secret-0123456789",
    "HUBSPOT_TOKEN": "pat-na1-00000000-0000-0000-0000-000000000000",
    "HUBSPOT_WORKFLOW_KEY": "hubspot-workflow-key-0123456789",
    "SALESFORCE_KEY": "salesforce-url-key-0123456789ab",
    "TYPEFORM_SECRET": "typeform-secret-0123456789abcdef",
    "PIPEDRIVE_PASSWORD": "pipedrive-password-0123456789",
    "ZAPIER_SECRET": "zapier-hmac-secret-0123456789ab",
}
ORG = "00D000000000062EAA"
PIPEDRIVE_CAMPAIGN = "data.custom_fields.d4de1c1518b4531717c676029a45911c340390a6.value"
PIPEDRIVE_SCORE = "data.custom_fields.9f6d3b1f3e1a2b4c5d6e7f8091a2b3c4d5e6f708.value"


def sources_toml(hubspot_api: str = "http://127.0.0.1:9") -> str:
    return f"""
[hubspot]
type = "hubspot"
secret_env = "HUBSPOT_CLIENT_SECRET"
token_env = "HUBSPOT_TOKEN"
api_url = "{hubspot_api}"

[hubspot-workflow]
type = "hubspot"
auth = "header"
header = "X-Handoff-Key"
secret_env = "HUBSPOT_WORKFLOW_KEY"

[salesforce]
type = "salesforce"
secret_env = "SALESFORCE_KEY"
organization_id = "{ORG}"

[salesforce.fields]
campaign = "Campaign_Code__c"

[typeform]
type = "typeform"
secret_env = "TYPEFORM_SECRET"

[typeform.fields]
name = "ref:full_name"
score = "form_response.calculated.score"

[pipedrive]
type = "json"
name = "Pipedrive"
auth = "basic"
secret_env = "PIPEDRIVE_PASSWORD"

[pipedrive.fields]
id = "data.id"
name = "data.name"
email = "data.emails.0.value"
phone = "data.phones.0.value"
campaign = "{PIPEDRIVE_CAMPAIGN}"
score = "{PIPEDRIVE_SCORE}"
owner = "data.owner_id"

[zapier]
type = "json"
auth = "hmac"
header = "X-Zapier-Signature"
prefix = "sha256="
encoding = "hex"
secret_env = "ZAPIER_SECRET"

[zapier.fields]
id = "lead.id"
name = ["lead.first", "lead.last"]
email = "lead.email"
score = "lead.score"
stage = "lead.status"

[zapier.stages]
"Called" = "working"
"Demo booked" = "meeting"
"""


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def hubspot_headers(
    url: str, body: bytes, *, at_ms: int | None = None, secret: str | None = None
) -> dict[str, str]:
    timestamp = str(int(time.time() * 1000) if at_ms is None else at_ms)
    key = secret or SECRETS["HUBSPOT_CLIENT_SECRET"]
    return {
        "content-type": "application/json",
        "x-hubspot-request-timestamp": timestamp,
        "x-hubspot-signature-v3": hubspot_signature(key, "POST", url, body, timestamp),
    }


def typeform_headers(body: bytes, secret: str | None = None) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "typeform-signature": typeform_signature(secret or SECRETS["TYPEFORM_SECRET"], body),
    }


def basic_headers(password: str | None = None) -> dict[str, str]:
    token = base64.b64encode(f"pipedrive:{password or SECRETS['PIPEDRIVE_PASSWORD']}".encode())
    return {"content-type": "application/json", "authorization": f"Basic {token.decode()}"}


def zapier_headers(body: bytes, secret: str | None = None) -> dict[str, str]:
    mac = hmac.new((secret or SECRETS["ZAPIER_SECRET"]).encode(), body, hashlib.sha256)
    return {"content-type": "application/json", "x-zapier-signature": "sha256=" + mac.hexdigest()}


def post_signed(http: httpx.Client, base_url: str, name: str, body: bytes) -> httpx.Response:
    """POST `body` to /leads/<name>, signed the way that source's vendor signs."""
    path = f"/leads/{name}"
    if name == "hubspot":
        headers = hubspot_headers(base_url + path, body)
    elif name == "hubspot-workflow":
        headers = {
            "content-type": "application/json",
            "x-handoff-key": SECRETS["HUBSPOT_WORKFLOW_KEY"],
        }
    elif name == "salesforce":
        path += f"?key={SECRETS['SALESFORCE_KEY']}"
        headers = {"content-type": "text/xml; charset=utf-8", "soapaction": '""'}
    elif name == "typeform":
        headers = typeform_headers(body)
    elif name == "pipedrive":
        headers = basic_headers()
    else:
        headers = zapier_headers(body)
    return http.post(path, content=body, headers=headers)
