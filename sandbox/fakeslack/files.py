"""Files uploaded with Slack's external upload flow, kept by the fake: reserved by
files.getUploadURLExternal, filled by a POST of the bytes to the upload URL it returned, then
shared by files.completeUploadExternal (which posts a file message in each channel)."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

from sandbox.fakeslack.models import JsonDict

UPLOAD_PATH = "/upload/"
FILE_PATH = "/files/"


@dataclass
class StoredFile:
    id: str
    filename: str
    length: int
    content: bytes | None = None  # None until the bytes were POSTed to the upload URL
    title: str | None = None
    shares: list[tuple[str, str]] = field(default_factory=list)  # (channel, ts)

    @property
    def mimetype(self) -> str:
        lowered = self.filename.lower()
        if lowered.endswith(".png"):
            return "image/png"
        if lowered.endswith((".jpg", ".jpeg")):
            return "image/jpeg"
        return "application/octet-stream"

    def to_slack(self, base_url: str) -> JsonDict:
        """The file object as Slack shows it in a message's `files`."""
        return {
            "id": self.id,
            "name": self.filename,
            "title": self.title or self.filename,
            "mimetype": self.mimetype,
            "filetype": self.filename.rsplit(".", 1)[-1].lower(),
            "size": self.length,
            "url_private": f"{base_url.rstrip('/')}{FILE_PATH}{self.id}",
        }


class FileStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, StoredFile] = {}
        self._ids = itertools.count(1)
        # Where the fake's HTTP face is reached (set from each Web API request's base URL).
        self.base_url = "http://127.0.0.1/"

    def reset(self) -> None:
        with self._lock:
            self._files.clear()

    def reserve(self, filename: str, length: int) -> StoredFile:
        with self._lock:
            stored = StoredFile(f"F{next(self._ids):010d}", filename, length)
            self._files[stored.id] = stored
            return stored

    def upload_url(self, file_id: str) -> str:
        return f"{self.base_url.rstrip('/')}{UPLOAD_PATH}{file_id}"

    def receive(self, file_id: str, content: bytes) -> str | None:
        """Keep the uploaded bytes; the problem, if the upload is refused."""
        with self._lock:
            stored = self._files.get(file_id)
            if stored is None:
                return "unknown upload URL"
            if len(content) != stored.length:
                return f"expected {stored.length} bytes, got {len(content)}"
            stored.content = content
            return None

    def get(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(file_id)

    def all(self) -> list[StoredFile]:
        with self._lock:
            return list(self._files.values())

    def restore(self, files: list[StoredFile]) -> None:
        """Put back files a saved workspace kept (the sandbox's restart); new ids follow."""
        with self._lock:
            for stored in files:
                self._files[stored.id] = stored
            numbers = [int(f.id[1:]) for f in self._files.values() if f.id[1:].isdigit()]
            self._ids = itertools.count(max(numbers, default=0) + 1)
