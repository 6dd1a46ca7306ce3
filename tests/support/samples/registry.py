"""The registry of sample contexts: `sample()` and `partial()` fill SAMPLES and PARTIALS."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Context = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class TemplateSample:
    template: str
    name: str
    kind: Literal["message", "view"]
    context: Context
    user_text: bool = True


SAMPLES: dict[str, list[TemplateSample]] = {}
PARTIALS: dict[str, tuple[str, ...]] = {}


def sample(
    template: str,
    kind: Literal["message", "view"] = "message",
    *,
    user_text: bool = True,
    name: str | None = None,
) -> Callable[[Context], Context]:
    """Register `context(hostile) -> dict` as a sample for `templates/{template}.json.j2`."""

    def register(context: Context) -> Context:
        label = name or context.__name__
        SAMPLES.setdefault(template, []).append(
            TemplateSample(template, label, kind, context, user_text)
        )
        return context

    return register


def partial(template: str, *included_by: str) -> None:
    """`templates/{template}.json.j2` is only included by these templates (which have samples)."""
    PARTIALS[template] = included_by
