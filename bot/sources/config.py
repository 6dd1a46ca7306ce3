"""`sources.toml`: the lead sources served at `POST /leads/<name>`, read and checked once at
startup. A bad file raises `SourcesError` naming the source and the key, printed as one line.

Secrets are never in the file: `secret_env` (and `token_env`) name environment variables."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import ConfigError
from bot.leads.validate import FIELDS as LEAD_FIELDS
from bot.states import LeadStage

KINDS = ("hubspot", "salesforce", "typeform", "json")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
SALESFORCE_ORG = re.compile(r"^00D[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$")
HUBSPOT_API = "https://api.hubapi.com/"
# Authentication each kind accepts, the first being its default.
AUTHS = {
    "hubspot": ("signature", "header", "key"),
    "salesforce": ("key",),
    "typeform": ("signature",),
    "json": ("hmac", "bearer", "basic", "key", "header"),
}
DISPLAY = {"hubspot": "HubSpot", "salesforce": "Salesforce", "typeform": "Typeform"}


class SourcesError(ConfigError):
    """A bad sources file: `variable` names the file, the source and the key."""


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    auth: str
    secret: str
    display: str
    header: str | None = None
    encoding: str = "hex"
    prefix: str = ""
    token: str | None = None
    api_url: str = HUBSPOT_API
    organization_id: str | None = None
    fields: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    stages: Mapping[str, LeadStage] = field(default_factory=dict)
    secret_env: str = ""

    @property
    def path(self) -> str:
        return f"/leads/{self.name}"


def _str(table: Mapping[str, Any], key: str, err: Any, default: str | None = None) -> str | None:
    value = table.get(key, default)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise err(key, "must be a non-empty string")
    return value.strip() if isinstance(value, str) else None


def _parse_source(name: str, table: Any, env: Mapping[str, str], where: str) -> Source:
    def err(key: str, problem: str) -> SourcesError:
        return SourcesError(f"{where} [{name}] {key}", problem)

    if not NAME.match(name):
        raise SourcesError(
            f"{where} [{name}]", "a source's name must be 1-40 lower-case letters, digits, - or _"
        )
    if not isinstance(table, dict):
        raise SourcesError(f"{where} [{name}]", "must be a table")
    kind = table.get("type")
    if kind not in KINDS:
        raise err("type", f"must be one of {', '.join(KINDS)}")
    known = {
        "type", "auth", "secret_env", "header", "encoding", "prefix", "token_env", "api_url",
        "organization_id", "fields", "stages", "name",
    }  # fmt: skip
    for key in table:
        if key not in known:
            raise err(key, "is not a setting of a source; see README 'Lead sources'")
    auth = _str(table, "auth", err, AUTHS[kind][0]) or AUTHS[kind][0]
    if auth not in AUTHS[kind]:
        raise err("auth", f"a {kind} source takes {', '.join(AUTHS[kind])}")
    secret_env = _str(table, "secret_env", err)
    if secret_env is None:
        raise err("secret_env", "is required: the environment variable that holds the secret")
    secret = env.get(secret_env, "").strip()
    if len(secret) < 16:
        raise err(
            "secret_env",
            f"the environment variable {secret_env} is {'too short' if secret else 'not set'}; "
            "set it to the secret (16+ characters)",
        )
    header = _str(table, "header", err)
    if auth in ("hmac", "header") and header is None:
        header = "X-Handoff-Key" if auth == "header" else None
        if header is None:
            raise err("header", "names the header that carries the signature (auth = hmac)")
    encoding = _str(table, "encoding", err, "hex") or "hex"
    if encoding not in ("hex", "base64"):
        raise err("encoding", "must be hex or base64")
    prefix = table.get("prefix", "")
    if not isinstance(prefix, str):
        raise err("prefix", 'must be a string, like "sha256="')
    token = None
    token_env = _str(table, "token_env", err)
    if token_env is not None:
        token = env.get(token_env, "").strip() or None
        if token is None:
            raise err("token_env", f"the environment variable {token_env} is not set")
    api_url = _str(table, "api_url", err, HUBSPOT_API) or HUBSPOT_API
    if not re.match(r"^https?://[^/\s]+", api_url):
        raise err("api_url", "must be an http(s) URL")
    api_url = api_url if api_url.endswith("/") else api_url + "/"
    org = _str(table, "organization_id", err)
    if kind == "salesforce" and (org is None or not SALESFORCE_ORG.match(org)):
        raise err("organization_id", "is required: your Salesforce org id (00D…, 15 or 18)")
    fields = _fields(table.get("fields", {}), err)
    if kind == "json" and not {"id", "name"} <= fields.keys():
        raise err("fields", "a json source maps at least id and name to paths in the body")
    stages = _stages(table.get("stages", {}), err)
    display = _str(table, "name", err) or DISPLAY.get(kind, name)
    return Source(
        name=name,
        kind=kind,
        auth=auth,
        secret=secret,
        display=display,
        header=header,
        encoding=encoding,
        prefix=prefix,
        token=token,
        api_url=api_url,
        organization_id=org,
        fields=fields,
        stages=stages,
        secret_env=secret_env,
    )


def _fields(value: Any, err: Any) -> dict[str, str | tuple[str, ...]]:
    if not isinstance(value, dict):
        raise err("fields", "must be a table of lead field = path")
    fields: dict[str, str | tuple[str, ...]] = {}
    for key, path in value.items():
        if key not in LEAD_FIELDS:
            raise err(f"fields.{key}", f"is not a lead field ({', '.join(LEAD_FIELDS)})")
        if isinstance(path, str) and path.strip():
            fields[key] = path.strip()
        elif (
            isinstance(path, list) and path and all(isinstance(p, str) and p.strip() for p in path)
        ):
            fields[key] = tuple(p.strip() for p in path)
        else:
            raise err(f"fields.{key}", "must be a path, or a list of paths joined with spaces")
    return fields


def _stages(value: Any, err: Any) -> dict[str, LeadStage]:
    if not isinstance(value, dict):
        raise err("stages", "must be a table of CRM value = stage")
    stages: dict[str, LeadStage] = {}
    for key, stage in value.items():
        try:
            stages[key.strip().lower()] = LeadStage(str(stage).strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in LeadStage)
            raise err(f"stages.{key}", f"must be one of {choices}") from None
    return stages


def load_sources(
    path: str | None, env: Mapping[str, str] | None = None, *, required: bool = False
) -> dict[str, Source]:
    """The sources in the file at `path` (none if it does not exist and is not `required`)."""
    env = os.environ if env is None else env
    if not path:
        return {}
    file = Path(path)
    if not file.is_file():
        if required:
            raise SourcesError("SOURCES_FILE", f"{path}: no such file")
        return {}
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourcesError(path, f"not valid TOML ({exc})") from None
    return {name: _parse_source(name, table, env, path) for name, table in data.items()}


__all__ = ["KINDS", "Source", "SourcesError", "load_sources"]
