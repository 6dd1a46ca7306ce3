"""Hypothesis strategies for lead-source bodies: each vendor's sample with values swapped for
hostile JSON tokens or strings, cut short, or replaced by garbage; Salesforce XML with hostile
values, DTDs, entities, too many notifications, or cut short."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import strategies as st

from tests.support.lead_fuzz import NASTY_STRINGS, RAW_TOKENS, any_text

raw_value = st.one_of(
    st.sampled_from(RAW_TOKENS),
    st.sampled_from(NASTY_STRINGS).map(json.dumps),
    any_text.map(json.dumps),
    st.integers().map(str),
    st.just('{"value": null}'),
    st.just("[]"),
    st.just("{}"),
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], marker: str) -> Any:
    if not path:
        return marker
    head, rest = path[0], path[1:]
    if isinstance(value, dict) and head in value:
        return {**value, head: _replace(value[head], rest, marker)}
    if isinstance(value, list) and isinstance(head, int) and head < len(value):
        return [_replace(v, rest, marker) if i == head else v for i, v in enumerate(value)]
    return value


@st.composite
def mutated_json(draw: st.DrawFn, sample: bytes) -> bytes:
    """The sample with 1-4 values replaced by raw tokens (text the JSON encoder would not
    write), a key deleted, the whole cut short, or garbage."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.binary(max_size=200))
    if kind == 1:
        return sample[: draw(st.integers(0, len(sample) - 1))]
    if kind == 2:
        return draw(raw_value).encode("utf-8", "surrogatepass")
    data = json.loads(sample)
    all_paths = paths(data)
    tokens = {}
    for n in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(all_paths))
        marker = f"__fuzz_{n}__"
        data = _replace(data, path, marker)
        tokens[json.dumps(marker)] = draw(raw_value)
    text = json.dumps(data)
    for marker, token in tokens.items():
        text = text.replace(marker, token)
    if kind == 3:
        text = f"[{text}]"
    return text.encode("utf-8", "surrogatepass")


XML_INSERTS = [
    '<!DOCTYPE x [<!ENTITY a "aaaa">]>',
    '<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd">',
    "&a;",
    "&#0;",
    "&#xD800;",
    "<![CDATA[<b>x</b>]]>",
    "<?pi x?>",
    "<!-- c -->",
    "</sObject>",
    '<sf:Email xmlns:sf="urn:sobject.enterprise.soap.sforce.com">x</sf:Email>',
]


@st.composite
def mutated_xml(draw: st.DrawFn, sample: bytes) -> bytes:
    text = sample.decode()
    kind = draw(st.integers(0, 7))
    if kind == 0:
        return draw(st.binary(max_size=200))
    if kind == 1:
        return sample[: draw(st.integers(0, len(sample) - 1))]
    if kind == 2:
        start = text.index("<Notification>")
        end = text.index("</Notification>") + len("</Notification>")
        copies = draw(st.integers(0, 102))
        return (text[:start] + text[start:end] * copies + text[end:]).encode()
    if kind == 3:
        at = draw(st.integers(0, len(text)))
        return (text[:at] + draw(st.sampled_from(XML_INSERTS)) + text[at:]).encode()
    for _ in range(draw(st.integers(1, 4))):
        tags = ["FirstName", "LastName", "Email", "Id", "Rating", "Status", "OwnerId", "Phone"]
        tag = draw(st.sampled_from(tags))
        start = text.find(f"<sf:{tag}>")
        if start < 0:
            continue
        end = text.index(f"</sf:{tag}>", start)
        value = draw(st.one_of(st.sampled_from(NASTY_STRINGS), any_text))
        safe = escape(value)
        text = text[: start + len(tag) + 5] + safe + text[end:]
    return text.encode("utf-8", "surrogatepass")


__all__ = ["mutated_json", "mutated_xml"]
