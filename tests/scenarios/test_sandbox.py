"""The sandbox in this process: the page's gestures reach the real app as signed Slack
requests through `/slack/events` and `POST /leads`, and the app's answers land in the fake."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.config import ConfigError, Settings
from bot.models import Campaign, Lead, Person
from sandbox import Sandbox
from sandbox.demo import MARKETER, OTHER_REP, REP, SALES_CHANNEL

CONFIGURED_DB = "configured-production.db"


def start(settings: Settings, workdir: Path, *, fresh: bool = False) -> Sandbox:
    configured = replace(settings, port=0, database_url=f"sqlite:///{workdir / CONFIGURED_DB}")
    return Sandbox(configured, workdir=workdir, fresh=fresh).start()


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Iterator[Sandbox]:
    box = start(settings, tmp_path)
    try:
        box.fake.wait_for("chat.postMessage", count=4, timeout=10)  # the seeded demo is out
        yield box
    finally:
        box.stop()


@pytest.fixture
def page(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, timeout=15) as client:
        yield client


def state(page: httpx.Client, viewer: str) -> dict[str, Any]:
    response = page.get("/sandbox/state", params={"as": viewer})
    assert response.status_code == 200
    return response.json()


def texts(sandbox: Sandbox, channel: str) -> list[str]:
    return [f"{m.text} {m.blocks}" for m in sandbox.fake.messages_in(channel)]


def form_values(view: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    """view.state.values as Slack's client builds them from the modal's input blocks."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, answer = block["element"], answers.get(block["block_id"])
        kind = element["type"]
        if kind == "datepicker":
            entry = {"type": kind, "selected_date": answer}
        elif kind == "static_select":
            options = [o for o in element["options"] if o["value"] == answer]
            entry = {"type": kind, "selected_option": options[0] if options else None}
        else:
            entry = {"type": kind, "value": answer}
        values[block["block_id"]] = {element["action_id"]: entry}
    return values


def actions_of(message: Any, action_id: str) -> tuple[str, dict[str, Any]]:
    for block in message.blocks or []:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element.get("action_id") == action_id:
                return block["block_id"], element
    raise AssertionError(f"no {action_id} on the message")


def test_the_demo_is_seeded_through_the_app(sandbox: Sandbox, tmp_path: Path) -> None:
    assert any("Spring webinar" in t for t in texts(sandbox, SALES_CHANNEL))
    assert any("Chris Novak" in t for t in texts(sandbox, SALES_CHANNEL))  # unassigned: claim
    assert any("Dana Ruiz" in t for t in texts(sandbox, REP))
    assert any("Lee Park" in t for t in texts(sandbox, OTHER_REP))  # matched by owner_email
    assert not any("Robin Fox" in str(m.to_dict()) for m in sandbox.fake.messages)  # cold
    with sandbox.handoff.db.session() as session:  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(Person)) == 5
        assert session.scalar(select(func.count()).select_from(Lead)) == 4
        assert session.scalar(select(Campaign.code)) == "spring-webinar"
    assert (tmp_path / "handoff-sandbox.db").exists()
    assert not (tmp_path / CONFIGURED_DB).exists()


def test_the_page_and_its_script_are_served(page: httpx.Client) -> None:
    html = page.get("/")
    assert html.status_code == 200 and "Handoff sandbox" in html.text
    script = page.get("/sandbox/static/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    with page.stream("GET", "/sandbox/events") as events:
        first = next(events.iter_lines())
    assert first.startswith("data: ") and int(first[6:]) > 0


def test_a_command_opens_the_modal_and_errors_show_inline(
    sandbox: Sandbox, page: httpx.Client
) -> None:
    opened = page.post(
        "/sandbox/command", json={"as": MARKETER, "channel": SALES_CHANNEL, "text": "/campaign"}
    )
    assert opened.json() == {"ok": True, "problem": None, "errors": {}}
    sandbox.fake.wait_for("views.open")  # the listener acks first, then opens the modal
    view = state(page, MARKETER)["modal"]
    assert view["callback_id"] == "campaign_modal"
    assert state(page, REP)["modal"] is None  # only the person who typed it sees it

    taken = form_values(view, {"campaign_name": "Again", "campaign_code": "spring-webinar"})
    refused = page.post(
        "/sandbox/view/submit", json={"as": MARKETER, "view_id": view["id"], "values": taken}
    )
    assert "already used" in refused.json()["errors"]["campaign_code"]
    assert state(page, MARKETER)["modal"]["id"] == view["id"]

    good = form_values(view, {"campaign_name": "Summer trial", "campaign_offer": "Two months"})
    saved = page.post(
        "/sandbox/view/submit", json={"as": MARKETER, "view_id": view["id"], "values": good}
    )
    assert saved.json()["ok"] is True
    assert state(page, MARKETER)["modal"] is None
    sandbox.fake.wait_for("chat.postMessage", predicate=lambda a: "Summer trial" in a["text"])
    sandbox.fake.wait_for("response_url", predicate=lambda a: "Summer trial" in a.get("text", ""))
    assert any("Summer trial" in e["text"] for e in state(page, MARKETER)["ephemerals"])


def test_an_ephemeral_answer_reaches_only_the_person(sandbox: Sandbox, page: httpx.Client) -> None:
    answer = page.post(
        "/sandbox/command", json={"as": REP, "channel": SALES_CHANNEL, "text": "/campaign list"}
    )
    assert answer.json()["ok"] is True
    sandbox.fake.wait_for("response_url")
    mine = state(page, REP)["ephemerals"]
    assert mine and "spring-webinar" in str(mine[0])
    assert state(page, MARKETER)["ephemerals"] == []


def test_im_on_it_changes_the_alert(sandbox: Sandbox, page: httpx.Client) -> None:
    alert = next(m for m in sandbox.fake.messages_in(REP) if "Dana Ruiz" in m.text)
    block_id, button = actions_of(alert, "lead_ack")
    clicked = page.post(
        "/sandbox/action",
        json={
            "as": REP,
            "channel": alert.channel,
            "ts": alert.ts,
            "block_id": block_id,
            "action_id": button["action_id"],
        },
    )
    assert clicked.json()["ok"] is True
    sandbox.fake.wait_for("chat.update", predicate=lambda a: a["ts"] == alert.ts)
    assert alert.edited and "is on it" in str(alert.blocks)


def test_a_select_sends_its_option(sandbox: Sandbox, page: httpx.Client) -> None:
    alert = next(m for m in sandbox.fake.messages_in(OTHER_REP) if "Lee Park" in m.text)
    block_id, select = actions_of(alert, "lead_snooze")
    chosen = {"selected_option": select["options"][0]}
    clicked = page.post(
        "/sandbox/action",
        json={
            "as": OTHER_REP,
            "channel": alert.channel,
            "ts": alert.ts,
            "block_id": block_id,
            "action_id": select["action_id"],
            "chosen": chosen,
        },
    )
    assert clicked.json()["ok"] is True
    sandbox.fake.wait_for("chat.update", predicate=lambda a: a["ts"] == alert.ts)
    assert "Snoozed" in str(alert.blocks)


def test_a_new_lead_arrives_through_the_webhook(sandbox: Sandbox, page: httpx.Client) -> None:
    sent = page.post(
        "/sandbox/lead",
        json={
            "name": "Jordan Blake",
            "company": "Umbrella",
            "score": "95",
            "campaign": "spring-webinar",
            "owner": OTHER_REP,
        },
    )
    assert sent.json() | {"ok": True} == {
        "ok": True,
        "status": 202,
        "path": "/leads",
        "accepted": 1,
        "updated": 0,
        "duplicates": 0,
        "hot": 1,
    }
    sandbox.fake.wait_for("chat.postMessage", predicate=lambda a: "Jordan Blake" in a["text"])
    bad = page.post("/sandbox/lead", json={"name": "Nope", "score": "lots"}).json()
    assert bad["ok"] is False and bad["status"] == 422
    assert bad["errors"][0]["field"] == "score"


def test_the_home_tab_opens_through_an_event(sandbox: Sandbox, page: httpx.Client) -> None:
    assert page.post("/sandbox/home", json={"as": REP}).json()["ok"] is True
    sandbox.fake.wait_for("views.publish")
    assert "Dana Ruiz" in str(state(page, REP)["home"]["blocks"])


def test_bad_gestures_are_refused_politely(sandbox: Sandbox, page: httpx.Client) -> None:
    unknown = page.post(
        "/sandbox/command", json={"as": REP, "channel": SALES_CHANNEL, "text": "/deploy now"}
    )
    assert unknown.status_code == 400 and "/campaign" in unknown.json()["problem"]
    stranger = page.post(
        "/sandbox/command", json={"as": "UNOBODY", "channel": SALES_CHANNEL, "text": "/leads"}
    )
    assert stranger.status_code == 400
    assert page.post("/sandbox/action", content=b"[1]").status_code == 400
    gone = page.post(
        "/sandbox/action",
        json={
            "as": REP,
            "channel": SALES_CHANNEL,
            "ts": "1.000001",
            "block_id": "b",
            "action_id": "a",
        },
    )
    assert gone.json()["problem"] == "That message is gone."


def test_other_sites_cannot_drive_the_sandbox(page: httpx.Client) -> None:
    form_post = page.post(
        "/sandbox/lead", content=b'{"name": "Spam"}', headers={"content-type": "text/plain"}
    )
    assert form_post.status_code == 400 and "application/json" in form_post.json()["problem"]
    rebound = page.get("/sandbox/state", headers={"host": "attacker.example:3000"})
    assert rebound.status_code == 421
    assert page.get("/sandbox/state", headers={"host": "localhost"}).status_code == 200


def test_people_type_plain_messages_escaped(sandbox: Sandbox, page: httpx.Client) -> None:
    said = page.post("/sandbox/message", json={"as": REP, "channel": REP, "text": "hi <!channel>"})
    assert said.json()["ok"] is True
    mine = [m for m in sandbox.fake.messages_in(REP) if m.user == REP]
    assert [m.text for m in mine] == ["hi &lt;!channel&gt;"]


def test_a_restart_resumes_and_fresh_starts_over(settings: Settings, tmp_path: Path) -> None:
    first = start(settings, tmp_path)
    try:
        first.fake.wait_for("chat.postMessage", count=4, timeout=10)
        posted = [m.ts for m in first.fake.messages]
    finally:
        first.stop()
    again = start(settings, tmp_path)
    try:
        assert [m.ts for m in again.fake.messages] == posted
        assert again.fake.channels["D0SAM"]["user"] == REP  # the DMs are there again
        with again.handoff.db.session() as session:  # type: ignore[union-attr]
            assert session.scalar(select(func.count()).select_from(Lead)) == 4
    finally:
        again.stop()
    fresh = start(settings, tmp_path, fresh=True)
    try:
        fresh.fake.wait_for("chat.postMessage", count=4, timeout=10)
        assert not set(posted) & {m.ts for m in fresh.fake.messages}
    finally:
        fresh.stop()


def test_the_weekly_sync_button_posts_the_report_and_its_chart(
    settings: Settings, tmp_path: Path
) -> None:
    from sandbox.demo import MARKETING_CHANNEL
    from tests.support.weekly import PNG_MAGIC

    box = start(settings, tmp_path)
    try:
        box.fake.wait_for("chat.postMessage", count=4, timeout=10)
        with httpx.Client(base_url=box.url, timeout=30) as page:
            answer = page.post("/sandbox/report", json={})
            assert answer.status_code == 200, answer.text
            box.fake.wait_for("files.completeUploadExternal", count=2, timeout=20)
            for channel in (SALES_CHANNEL, MARKETING_CHANNEL):
                shown = state(page, MARKETER)
                assert shown  # the page's document builds with file messages in it
                [chart] = [m for m in box.fake.messages_in(channel) if m.files]
                assert any(m.text.startswith("Weekly sync") for m in box.fake.messages_in(channel))
                image = page.get(f"/sandbox/slack/files/{chart.files[0]['id']}")
                assert image.status_code == 200 and image.content.startswith(PNG_MAGIC)
        files = {f.id: f.content for f in box.fake.files.all()}
    finally:
        box.stop()
    again = start(settings, tmp_path)  # the files are kept with the workspace
    try:
        assert {f.id: f.content for f in again.fake.files.all()} == files
    finally:
        again.stop()


def test_the_admin_forgets_a_lead_from_the_home(sandbox: Sandbox, page: httpx.Client) -> None:
    """The sandbox's relay does with each answer what Slack does (push, update), so the
    pending views the app then replaces by external_id go through as they would in Slack."""
    admin = "U0ALEX"
    assert page.post("/sandbox/home", json={"as": admin}).json()["ok"] is True
    sandbox.fake.wait_for("views.publish", predicate=lambda a: a["user_id"] == admin)
    home = state(page, admin)["home"]
    [(index, block)] = [
        (n, b)
        for n, b in enumerate(home["blocks"])
        if b.get("accessory", {}).get("action_id") == "home_forget_lead"
    ]
    click = {"as": admin, "view_id": home["id"], "action_id": "home_forget_lead"}
    click["block_id"] = block.get("block_id") or f"b{index}"
    assert page.post("/sandbox/action", json=click).json()["ok"] is True
    sandbox.fake.wait_for("views.open")
    form = state(page, admin)["modal"]
    assert form["callback_id"] == "erasure_form"

    def submit(view: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
        values = form_values(view, answers)
        body = {"as": admin, "view_id": view["id"], "values": values}
        return page.post("/sandbox/view/submit", json=body).json()

    def top_becomes(callback_or_title: str) -> dict[str, Any]:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            modal = state(page, admin)["modal"] or {}
            if callback_or_title in (modal.get("callback_id"), modal.get("title", {}).get("text")):
                return modal
            time.sleep(0.05)
        raise AssertionError(f"the modal never became {callback_or_title}: {modal}")

    wrong = submit(form, {"erasure_email": "dana at example"})
    assert wrong["errors"]["erasure_email"].startswith("That is not an email address")
    assert submit(form, {"erasure_email": "DANA.RUIZ@example.com"})["ok"] is True
    confirm = top_becomes("erasure_confirm")
    assert "Dana Ruiz" not in str(confirm["blocks"]) and "Forget 1 lead?" in str(confirm)
    assert submit(confirm, {})["ok"] is True
    done = top_becomes("Lead forgotten")
    assert "Erased the personal data of 1 lead(s)" in str(done["blocks"])
    sandbox.fake.wait_for(
        "chat.update", timeout=15, predicate=lambda a: "Lead details erased" in a["text"]
    )
    with sandbox.handoff.db.session() as session:  # type: ignore[union-attr]
        assert session.scalar(select(Lead.erased_at).where(Lead.external_id.like("erased:%")))


def test_the_sandbox_restarts_on_its_port_right_after_serving_a_browser(
    settings: Settings, tmp_path: Path
) -> None:
    """Stopping the sandbox closes the browser's open connections from the server's side, which
    leaves them in TIME_WAIT for a minute; starting it again on the same port must still work."""
    first = start(settings, tmp_path)
    with httpx.Client(base_url=first.url, timeout=15) as browser:
        try:
            assert browser.get("/").status_code == 200
            assert browser.get("/sandbox/state").status_code == 200
        finally:
            first.stop()  # while the browser's keep-alive connection is still open
    configured = replace(settings, port=first.port, database_url=f"sqlite:///{tmp_path / 'x.db'}")
    again = Sandbox(configured, workdir=tmp_path).start()
    try:
        assert again.port == first.port
        assert httpx.get(f"{again.url}/", timeout=15).status_code == 200
    finally:
        again.stop()


def test_a_port_another_program_listens_on_is_refused_by_name(
    settings: Settings, tmp_path: Path
) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        taken = other.getsockname()[1]
        configured = replace(settings, port=taken, database_url=f"sqlite:///{tmp_path / 'x.db'}")
        with pytest.raises(ConfigError, match=f"PORT: 127.0.0.1:{taken} is not free"):
            Sandbox(configured, workdir=tmp_path)
