"""Keeping the sandbox's workspace (what Slack would remember: messages, their edits,
ephemerals and uploaded files) beside its database, so a restarted sandbox shows the same
conversation."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import threading
from pathlib import Path

from sandbox.fakeslack import Ephemeral, FakeSlack, Message, Revision, SlackError
from sandbox.fakeslack.files import StoredFile
from sandbox.fakeslack.models import JsonDict

log = logging.getLogger(__name__)

FORMAT = 1
MESSAGE_FIELDS = (
    "channel",
    "ts",
    "text",
    "blocks",
    "thread_ts",
    "user",
    "attachments",
    "metadata",
    "files",
)


def dump(fake: FakeSlack) -> JsonDict:
    snapshot = fake.snapshot()  # one consistent picture, taken under the workspace's lock
    return {
        "format": FORMAT,
        "messages": [
            {
                **{key: item.get(key) for key in MESSAGE_FIELDS},
                "edited_ts": (item.get("edited") or {}).get("ts"),
                "history": item.get("history", []),
            }
            for item in snapshot["messages"]
        ],
        "ephemerals": snapshot["ephemerals"],
        "files": [
            {
                "id": f.id,
                "filename": f.filename,
                "length": f.length,
                "title": f.title,
                "content": base64.b64encode(f.content).decode("ascii"),
                "shares": f.shares,
            }
            for f in fake.files.all()
            if f.content is not None
        ],
    }


def save(fake: FakeSlack, path: Path) -> None:
    """Write atomically: a crash mid-write leaves the previous file."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(dump(fake)), encoding="utf-8")
    os.replace(temporary, path)


def load(fake: FakeSlack, path: Path) -> bool:
    """Restore messages and ephemerals from `path` into a workspace that already has its people
    and channels; False (and nothing changed) if the file is missing or not one this version
    wrote."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return False
        messages = [
            Message(
                **{key: item.get(key) for key in MESSAGE_FIELDS},
                edited_ts=item.get("edited_ts"),
                history=[Revision(**revision) for revision in item.get("history", [])],
            )
            for item in data["messages"]
        ]
        ephemerals = [Ephemeral(**item) for item in data["ephemerals"]]
        files = [
            StoredFile(
                id=item["id"],
                filename=item["filename"],
                length=item["length"],
                content=base64.b64decode(item["content"]),
                title=item.get("title"),
                shares=[(channel, ts) for channel, ts in item.get("shares", [])],
            )
            for item in data.get("files", [])
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    # Called before the server starts, so nothing else touches the workspace yet.
    fake.messages[:] = messages
    fake.ephemerals[:] = ephemerals
    fake.files.restore(files)
    for channel in {m.channel for m in messages} | {e.channel for e in ephemerals}:
        with contextlib.suppress(SlackError):
            fake.resolve_channel(channel)  # reopens the DMs (the people must be known)
    return True


class Saver:
    """Saves the workspace at most every `interval` seconds while it changes, and on stop."""

    def __init__(self, fake: FakeSlack, path: Path, interval: float = 1.0) -> None:
        self._fake, self._path, self._interval = fake, path, interval
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-saver", daemon=True)
        self._unsubscribe = fake.subscribe(lambda _event: self._dirty.set())

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            if self._dirty.wait(timeout=self._interval) and not self._stopping.is_set():
                self._dirty.clear()
                self._save()
                self._stopping.wait(self._interval)

    def _save(self) -> None:
        try:
            save(self._fake, self._path)
        except OSError as exc:
            log.warning("could not save the sandbox workspace to %s: %s", self._path, exc)

    def stop(self) -> None:
        self._unsubscribe()
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._save()
