"""A fake HubSpot CRM API on a free port: contacts and owners the tests put in, every request
recorded, and optional failures first (to test the retries)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


class FakeHubSpot:
    def __init__(self) -> None:
        self.contacts: dict[str, dict[str, Any]] = {}
        self.owners: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []  # path, auth, query
        self.failures: list[int] = []  # statuses to answer first, in order
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlparse(self.path)
                with fake.lock:
                    fake.requests.append(
                        (url.path, self.headers.get("authorization", ""), parse_qs(url.query))
                    )
                    failure = fake.failures.pop(0) if fake.failures else None
                if failure is not None:
                    self._send(failure, {"status": "error", "message": "try again"})
                    return
                parts = url.path.strip("/").split("/")
                record = None
                if parts[:4] == ["crm", "v3", "objects", "contacts"] and len(parts) == 5:
                    record = fake.contacts.get(parts[4])
                elif parts[:3] == ["crm", "v3", "owners"] and len(parts) == 4:
                    record = fake.owners.get(parts[3])
                if record is None:
                    self._send(404, {"status": "error", "message": "resource not found"})
                else:
                    self._send(200, record)

            def _send(self, status: int, data: dict[str, Any]) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                if status == 429:
                    self.send_header("retry-after", "0")
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeHubSpot:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _auth, _query in self.requests]
