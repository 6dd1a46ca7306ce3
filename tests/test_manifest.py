"""manifest.yml declares what the code needs from Slack.

PyYAML is not a dependency, so the manifest is checked line by line: it is kept in plain
block style (no flow mappings, no anchors) so that these patterns read it reliably.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"
REQUEST_URL = "https://YOUR-HOST/slack/events"


def _text() -> str:
    return MANIFEST.read_text(encoding="utf-8")


def _block(text: str, *path: str) -> str:
    """The lines nested under `path` (a chain of `key:` lines, each indented deeper)."""
    lines = text.splitlines()
    start, indent = 0, -1
    for key in path:
        for number in range(start, len(lines)):
            line = lines[number]
            depth = len(line) - len(line.lstrip())
            if depth > indent and re.fullmatch(rf"\s*{re.escape(key)}:\s*", line):
                start, indent = number + 1, depth
                break
        else:
            raise AssertionError(f"manifest.yml has no {'.'.join(path)}")
    body = []
    for line in lines[start:]:
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line)
    return "\n".join(body)


def _list_items(block: str) -> list[str]:
    return re.findall(r"^\s*-\s*([^\s#]+)\s*$", block, re.MULTILINE)


def test_metadata_and_bot_user() -> None:
    text = _text()
    assert re.search(r"^\s+major_version:\s*2\s*$", _block(text, "_metadata"), re.MULTILINE)
    assert re.search(r"^\s+name:\s*Handoff\s*$", _block(text, "display_information"), re.M)
    bot_user = _block(text, "features", "bot_user")
    assert re.search(r"^\s+always_online:\s*true\s*$", bot_user, re.MULTILINE)


def test_app_home_has_home_and_messages_tabs() -> None:
    app_home = _block(_text(), "features", "app_home")
    assert re.search(r"^\s+home_tab_enabled:\s*true\s*$", app_home, re.MULTILINE)
    assert re.search(r"^\s+messages_tab_enabled:\s*true\s*$", app_home, re.MULTILINE)


@pytest.mark.parametrize(
    ("command", "usage_hint"),
    [
        ("/campaign", "[list | stats CODE [--since DATE] | edit CODE | end CODE | help]"),
        ("/feedback", "[CODE] your one line of customer feedback #tag"),
        ("/leads", "[stale]"),
    ],
)
def test_slash_command(command: str, usage_hint: str) -> None:
    commands = _block(_text(), "features", "slash_commands")
    entries = re.split(r"^\s*-\s+(?=command:)", commands, flags=re.MULTILINE)
    found = [e for e in entries if re.match(rf"command:\s*{re.escape(command)}\s*$", e, re.M)]
    assert len(found) == 1, f"{command} must be declared once"
    entry = found[0]
    assert re.search(rf"^\s+url:\s*{re.escape(REQUEST_URL)}\s*$", entry, re.MULTILINE)
    assert re.search(rf'^\s+usage_hint:\s*"{re.escape(usage_hint)}"\s*$', entry, re.MULTILINE)
    assert re.search(r"^\s+description:\s*\S", entry, re.MULTILINE)
    assert re.search(r"^\s+should_escape:\s*false\s*$", entry, re.MULTILINE)


def test_exactly_three_commands() -> None:
    commands = _block(_text(), "features", "slash_commands")
    names = re.findall(r"^\s*-\s+command:\s*(\S+)\s*$", commands, re.MULTILINE)
    assert sorted(names) == ["/campaign", "/feedback", "/leads"]


def test_bot_scopes() -> None:
    scopes = _list_items(_block(_text(), "oauth_config", "scopes", "bot"))
    assert sorted(scopes) == sorted(
        [
            "channels:history",  # the outbox looks a post up before a re-send
            "chat:write",
            "chat:write.public",
            "commands",
            "files:write",  # the weekly sync's chart (files.getUploadURLExternal)
            "groups:history",
            "im:history",
            "im:write",
            "users:read",
            "users:read.email",
        ]
    )


def test_events_and_interactivity() -> None:
    text = _text()
    events = _block(text, "settings", "event_subscriptions")
    assert re.search(rf"^\s+request_url:\s*{re.escape(REQUEST_URL)}\s*$", events, re.MULTILINE)
    assert "app_home_opened" in _list_items(_block(events, "bot_events"))
    interactivity = _block(text, "settings", "interactivity")
    assert re.search(r"^\s+is_enabled:\s*true\s*$", interactivity, re.MULTILINE)
    assert re.search(rf"^\s+request_url:\s*{re.escape(REQUEST_URL)}\s*$", interactivity, re.M)
    assert re.search(r"^\s+socket_mode_enabled:\s*false\s*$", _block(text, "settings"), re.M)


def test_every_url_points_at_slack_events() -> None:
    urls = re.findall(r"^\s*(?:-\s+)?(?:url|request_url):\s*(\S+)\s*$", _text(), re.MULTILINE)
    assert len(urls) == 5  # three commands, events, interactivity
    assert all(url.endswith("/slack/events") for url in urls), urls


def test_no_tabs_or_flow_style() -> None:
    """Keeps the file in the plain block style these checks (and Slack's parser) expect."""
    for number, line in enumerate(_text().splitlines(), 1):
        assert "\t" not in line, f"line {number}: tab"
        content = line.split(" #", 1)[0].strip()
        assert not content.startswith(("{", "[")), f"line {number}: flow style"
