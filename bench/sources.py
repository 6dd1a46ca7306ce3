"""Lead sources' throughput on SQLite, through `python app.py` as a real process, beside the
native `POST /leads` in the same run.

- native: `POST /leads` with 100-lead batches (the baseline);
- hubspot: `POST /leads/hubspot` with 100-event Webhooks API batches (signed with
  X-HubSpot-Signature-v3); each contact is fetched afterwards from a fake HubSpot CRM API served
  by this process; the clock stops when the last lead is in the database;
- salesforce: `POST /leads/salesforce` with outbound messages of 100 notifications each.

Leads are cold (they measure intake, not alerting). Prints leads per second, median of 3 runs,
and the median time to refuse a billion-laughs and an XXE body (400) beside a valid message.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bot.db import Database
from bot.models import Lead
from bot.signing import sign_body
from bot.sources.auth import hubspot_signature
from tests.support.app_process import AppProcess, app_env
from tests.support.fake_hubspot import FakeHubSpot
from tests.support.fake_slack_server import FakeSlackServer

BATCHES = 10
PER_BATCH = 100
RUNS = 3
SECRETS = {
    "HUBSPOT_CLIENT_SECRET": "bench-hubspot-client-secret-0123",
    "HUBSPOT_TOKEN": "pat-bench-token-0123456789",
    "SALESFORCE_KEY": "bench-salesforce-key-0123456789",
}
ORG = "00D000000000062EAA"


def sources_toml(api: str) -> str:
    return f"""
[hubspot]
type = "hubspot"
secret_env = "HUBSPOT_CLIENT_SECRET"
token_env = "HUBSPOT_TOKEN"
api_url = "{api}"

[salesforce]
type = "salesforce"
secret_env = "SALESFORCE_KEY"
organization_id = "{ORG}"
"""


def native_body(run: int, batch: int) -> bytes:
    return json.dumps(
        [
            {"id": f"n{run}-{batch}-{n}", "name": f"Lead {n}", "email": f"l{n}@example.com",
             "company": "Acme", "score": 10}
            for n in range(PER_BATCH)
        ]
    ).encode()  # fmt: skip


def contact(object_id: str) -> dict:
    return {
        "id": object_id,
        "properties": {
            "firstname": "Lead",
            "lastname": object_id,
            "email": f"c{object_id}@example.com",
            "company": "Acme",
            "hubspotscore": "10",
            "hs_object_id": object_id,
        },
    }


def event_body(run: int, batch: int) -> bytes:
    base = (run * 1000 + batch) * PER_BATCH
    return json.dumps(
        [
            {"eventId": base + n, "subscriptionId": 1, "portalId": 62515, "appId": 1,
             "occurredAt": 1764107000000, "subscriptionType": "contact.creation",
             "attemptNumber": 0, "objectId": base + n, "changeSource": "CRM",
             "changeFlag": "NEW"}
            for n in range(PER_BATCH)
        ]
    ).encode()  # fmt: skip


def soap_body(run: int, batch: int) -> bytes:
    notes = "".join(
        f"<Notification><Id>04l{run:02d}{batch:04d}{n:06d}AAA</Id>"
        '<sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        f"<sf:Id>00Q{run:02d}{batch:04d}{n:06d}AAA</sf:Id><sf:FirstName>Lead</sf:FirstName>"
        f"<sf:LastName>{n}</sf:LastName><sf:Email>s{n}@example.com</sf:Email>"
        "<sf:Company>Acme</sf:Company><sf:Rating>Cold</sf:Rating></sObject></Notification>"
        for n in range(PER_BATCH)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{ORG}</OrganizationId><ActionId>04k000000000001AAA</ActionId>"
        '<SessionId xsi:nil="true"/><EnterpriseUrl>https://x</EnterpriseUrl>'
        f"<PartnerUrl>https://x</PartnerUrl>{notes}</notifications></soapenv:Body>"
        "</soapenv:Envelope>"
    ).encode()


def count(db: Database, prefix: str) -> int:
    with db.read_session() as session:
        return (
            session.scalar(
                select(func.count()).select_from(Lead).where(Lead.external_id.like(f"{prefix}%"))
            )
            or 0
        )


def native_rate(app: AppProcess, client: httpx.Client, run: int) -> float:
    secret = app.env["LEADS_WEBHOOK_SECRET"]
    bodies = [native_body(run, b) for b in range(BATCHES)]
    started = time.perf_counter()
    for body in bodies:
        response = client.post(
            "/leads", content=body, headers={"x-handoff-signature": sign_body(secret, body)}
        )
        assert response.status_code == 202, response.text
    return BATCHES * PER_BATCH / (time.perf_counter() - started)


def hubspot_rate(app: AppProcess, client: httpx.Client, db: Database, run: int) -> float:
    bodies = [event_body(run, b) for b in range(BATCHES)]
    before = count(db, "")
    started = time.perf_counter()
    for body in bodies:
        stamp = str(int(time.time() * 1000))
        url = app.url + "/leads/hubspot"
        signature = hubspot_signature(SECRETS["HUBSPOT_CLIENT_SECRET"], "POST", url, body, stamp)
        response = client.post(
            "/leads/hubspot",
            content=body,
            headers={"x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": stamp},
        )
        assert response.status_code == 202 and response.json()["queued"] == PER_BATCH
    deadline = time.monotonic() + 120
    while count(db, "") < before + BATCHES * PER_BATCH:
        assert time.monotonic() < deadline, "the events were not all fetched within 2 minutes"
        time.sleep(0.02)
    return BATCHES * PER_BATCH / (time.perf_counter() - started)


def salesforce_rate(client: httpx.Client, run: int) -> float:
    bodies = [soap_body(run, b) for b in range(BATCHES)]
    started = time.perf_counter()
    for body in bodies:
        response = client.post(
            f"/leads/salesforce?key={SECRETS['SALESFORCE_KEY']}",
            content=body,
            headers={"content-type": "text/xml", "soapaction": '""'},
        )
        assert response.status_code == 200 and "<Ack>true</Ack>" in response.text, response.text
    return BATCHES * PER_BATCH / (time.perf_counter() - started)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY l0 "lol">'
    + b"".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">'.encode() for n in range(1, 10))
    + b"]><x>&l9;</x>"
)
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'


def refusal_ms(client: httpx.Client, body: bytes, status: int) -> float:
    times = []
    for _ in range(21):
        started = time.perf_counter()
        response = client.post(f"/leads/salesforce?key={SECRETS['SALESFORCE_KEY']}", content=body)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == status, response.text
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeSlackServer() as slack, FakeHubSpot() as api:
        folder = Path(tmp)
        for run in range(RUNS):
            for batch in range(BATCHES):
                for n in range(PER_BATCH):
                    object_id = str((run * 1000 + batch) * PER_BATCH + n)
                    api.contacts[object_id] = contact(object_id)
        (folder / "sources.toml").write_text(sources_toml(api.url))
        url = f"sqlite:///{folder / 'bench.db'}"
        db = Database(url)
        env = app_env(slack.url, url, **SECRETS)
        rates: dict[str, list[float]] = {"native": [], "hubspot": [], "salesforce": []}
        with AppProcess(env, folder) as app, httpx.Client(base_url=app.url, timeout=60) as client:
            for run in range(RUNS):
                rates["native"].append(native_rate(app, client, run))
                rates["hubspot"].append(hubspot_rate(app, client, db, run))
                rates["salesforce"].append(salesforce_rate(client, run))
            hostile = {
                "billion laughs": refusal_ms(client, BILLION_LAUGHS, 400),
                "XXE": refusal_ms(client, XXE, 400),
                "a valid 100-notification message (again)": refusal_ms(
                    client, soap_body(0, 0), 200
                ),
            }
        db.dispose()
    native = statistics.median(rates["native"])
    print(f"leads/s, median of {RUNS} runs of {BATCHES} requests x {PER_BATCH} leads (SQLite):")
    print(f"  POST /leads (native, baseline)           {native:8.0f}")
    for name, label in (
        ("hubspot", "POST /leads/hubspot (events, hydrated)"),
        ("salesforce", "POST /leads/salesforce (SOAP)"),
    ):
        rate = statistics.median(rates[name])
        print(f"  {label:<40} {rate:8.0f}  ({rate / native:.2f}x native)")
    print("ms to answer /leads/salesforce, median of 21:")
    for label, ms in hostile.items():
        print(f"  {label:<44} {ms:6.1f}")


if __name__ == "__main__":
    main()
