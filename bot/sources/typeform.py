"""The `typeform` kind: `form_response` webhooks. Lead fields come from answers by their field
`ref` (`name = "ref:full_name"`), the first answer of a type (`type:email`), hidden fields
(`hidden.utm_campaign`) or any dotted path; the lead's id is `form_response.token`."""

from __future__ import annotations

from typing import Any

from bot.sources.config import Source
from bot.sources.json_kind import map_fields
from bot.sources.mapping import MISSING, BadPayload, Mapped, dig

DEFAULT_FIELDS: dict[str, str | tuple[str, ...]] = {
    "name": "ref:name | ref:full_name",
    "email": "type:email",
    "phone": "type:phone_number",
    "company": "ref:company",
    "title": "ref:title",
    "campaign": "hidden.utm_campaign",
    "source": "hidden.utm_source",
}


def answer_value(answer: dict[str, Any]) -> Any:
    kind = answer.get("type")
    value = answer.get(kind) if isinstance(kind, str) else None
    if kind == "choice" and isinstance(value, dict):
        return value.get("label") or value.get("other")
    if kind == "choices" and isinstance(value, dict):
        labels = value.get("labels")
        return (
            ", ".join(x for x in labels if isinstance(x, str)) if isinstance(labels, list) else None
        )
    return value


def _answers(response: dict[str, Any]) -> list[dict[str, Any]]:
    answers = response.get("answers", [])
    if not isinstance(answers, list):
        raise BadPayload("answers must be an array", "form_response.answers")
    return [a for a in answers if isinstance(a, dict) and isinstance(a.get("field"), dict)]


def parse(source: Source, payload: Any) -> list[Mapped]:
    if not isinstance(payload, dict) or not isinstance(payload.get("form_response"), dict):
        raise BadPayload("a Typeform webhook body has a form_response object", "form_response")
    response = payload["form_response"]
    answers = _answers(response)

    def get(spec: str) -> Any:
        if spec.startswith("ref:"):
            ref = spec[4:]
            found = [a for a in answers if a["field"].get("ref") == ref]
            return answer_value(found[0]) if found else MISSING
        if spec.startswith("type:"):
            kind = spec[5:]
            found = [a for a in answers if a.get("type") == kind]
            return answer_value(found[0]) if found else MISSING
        if spec.startswith("hidden."):
            return dig(response.get("hidden") or {}, spec[7:])
        return dig(payload, spec)

    def path_of(spec: str) -> str:
        if spec.startswith(("ref:", "type:")):
            return f"form_response.answers[{spec}]"
        if spec.startswith("hidden."):
            return f"form_response.{spec}"
        return spec

    item = map_fields({**DEFAULT_FIELDS, **source.fields}, get, path_of, source.stages)
    if "id" not in source.fields:
        item.put("id", response.get("token"), "form_response.token")
    return [item]


__all__ = ["parse"]
