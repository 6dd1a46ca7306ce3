"""Fetching the records behind HubSpot Webhooks API events, after the answer, in the
background: `GET /crm/v3/objects/contacts/{id}?properties=…` and `GET /crm/v3/owners/{id}`
with the source's private-app token, retried on network errors, 429 (honouring Retry-After)
and 5xx. Owners' emails are kept for an hour."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bot.sources.config import Source
from bot.sources.hubspot import Event, properties_wanted

log = logging.getLogger(__name__)

ATTEMPTS = 4
BACKOFF = (0.5, 2.0, 5.0)
OWNER_TTL = 3600.0


class FetchError(Exception):
    pass


class HubSpotAPI:
    """One HubSpot account's CRM API, as one source's token sees it."""

    def __init__(self, source: Source, sleep: Callable[[float], None] = time.sleep) -> None:
        assert source.token is not None
        self.source = source
        self.sleep = sleep
        self.client = httpx.Client(
            base_url=source.api_url,
            headers={"authorization": f"Bearer {source.token}"},
            timeout=httpx.Timeout(10.0, connect=3.0),
        )
        self._owners: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def _get(
        self, path: str, params: dict[str, str] | None = None, attempts: int = ATTEMPTS
    ) -> dict[str, Any] | None:
        """The JSON object at `path`; None for a 404; FetchError after the retries."""
        problem = "no answer"
        for attempt in range(attempts):
            try:
                response = self.client.get(path, params=params)
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            else:
                if response.status_code == 404:
                    return None
                if response.status_code == 200:
                    try:
                        data = response.json()
                    except ValueError:
                        raise FetchError("HubSpot answered with a body that is not JSON") from None
                    if not isinstance(data, dict):
                        raise FetchError("HubSpot answered with a body that is not an object")
                    return data
                problem = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    raise FetchError(f"HubSpot refused {path.split('?')[0]}: {problem}")
                retry_after = response.headers.get("retry-after", "")
                if response.status_code == 429 and retry_after.isdigit():
                    self.sleep(min(int(retry_after), 30))
                    continue
            if attempt < attempts - 1:
                self.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
        raise FetchError(f"HubSpot did not answer {path.split('?')[0]}: {problem}")

    def contact(self, object_id: str) -> dict[str, Any] | None:
        return self._get(
            f"crm/v3/objects/contacts/{object_id}",
            {"properties": ",".join(properties_wanted(self.source))},
        )

    def owner_email(self, owner_id: str, attempts: int = ATTEMPTS) -> str | None:
        if not owner_id.isdigit():
            return None
        with self._lock:
            cached = self._owners.get(owner_id)
        if cached and time.monotonic() - cached[0] < OWNER_TTL:
            return cached[1]
        owner = self._get(f"crm/v3/owners/{owner_id}", attempts=attempts)
        email = owner.get("email") if owner else None
        email = email if isinstance(email, str) else None
        with self._lock:
            self._owners[owner_id] = (time.monotonic(), email)
        return email


Deliver = Callable[[Source, list[tuple[dict[str, Any], str | None]]], None]
Failed = Callable[[Source, str], None]


class Hydrator:
    """Runs fetches for event batches on its own threads; `deliver` gets the records."""

    def __init__(self, deliver: Deliver, failed: Failed, workers: int = 2) -> None:
        self.deliver = deliver
        self.failed = failed
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hubspot")
        self._apis: dict[str, HubSpotAPI] = {}
        self._lock = threading.Lock()

    def api(self, source: Source) -> HubSpotAPI:
        with self._lock:
            if source.name not in self._apis:
                self._apis[source.name] = HubSpotAPI(source)
            return self._apis[source.name]

    def submit(self, source: Source, events: list[Event]) -> None:
        self.pool.submit(self._run, source, events)

    def _run(self, source: Source, events: list[Event]) -> None:
        try:
            api = self.api(source)
            records = []
            for object_id in dict.fromkeys(e.object_id for e in events):
                record = api.contact(object_id)
                if record is None:
                    continue  # deleted or merged since the event
                props = record.get("properties")
                owner_id = props.get("hubspot_owner_id") if isinstance(props, dict) else None
                email = api.owner_email(str(owner_id)) if owner_id else None
                records.append((record, email))
            if records:
                self.deliver(source, records)
        except FetchError as exc:
            log.warning(
                "source %s: %d HubSpot events not fetched: %s", source.name, len(events), exc
            )
            self.failed(source, str(exc))
        except Exception as exc:  # a background thread: log and go on
            log.error("source %s: HubSpot events failed: %s", source.name, type(exc).__name__)
            self.failed(source, f"hydration failed ({type(exc).__name__})")

    def stop(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for api in self._apis.values():
            api.close()


__all__ = ["FetchError", "HubSpotAPI", "Hydrator"]
