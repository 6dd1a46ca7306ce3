"""Hypothesis strategies for POST /leads bodies, as JSON *text*: so they can hold what a CRM
could send but `json.dumps` would not write (integers over 4,300 digits, 5,000-deep nesting,
lone surrogates, NUL, NaN), next to plausible leads that should be stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import strategies as st

# Strings with every code point, lone surrogates included (Hypothesis leaves those out by default).
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
plain_text = st.text(max_size=40)

NASTY_STRINGS = [
    "\ud800",
    "a\udfffb",
    "\x00",
    "nul\x00inside",
    "x" * 301,
    "y" * 5001,
    " ",
    "",
    "<!channel> *bold* <https://evil.example|x>",
    "javascript:alert(1)//@x.y",
    "a@[127.0.0.1]",
    "mailto:a@b.c",
    '"a b"@example.com',
    "a" * 64 + "@" + ".".join(["b" * 50] * 5) + ".com",
    "ada@example.com",
    "Rita@Example.com",
    "rita@example.com",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2025-03-14T09:26:53Z",
    "2025-03-14",
    "UREP1",
    "U0123ABCD",
    "\u0130" * 80,  # İ: twice as long once lower-cased
]
RAW_TOKENS = [
    "null",
    "true",
    "false",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "-0",
    "1" + "0" * 5000,
    "-" + "9" * 4301,
    "9" * 4300,
    "100.4",
    "100.5",
    "79.5",
    "-0.4",
    "1e-400",
    "[[[]]]",
    "[" * 33 + "]" * 33,
    "[" * 500 + "]" * 500,
    "[" * 5000 + "]" * 5000,
    '{"a": {"b": [1, 2.5, "c", null]}}',
]


def string_token(strings: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return strings.map(json.dumps)  # ensure_ascii: a lone surrogate becomes "\ud800"


scalars = st.one_of(
    st.sampled_from(RAW_TOKENS),
    st.integers().map(str),
    st.floats().map(json.dumps),
    string_token(any_text),
    string_token(st.sampled_from(NASTY_STRINGS)),
)


def json_array(items: list[str]) -> str:
    return "[" + ",".join(items) + "]"


def json_object(pairs: list[tuple[str, str]]) -> str:
    return "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in pairs) + "}"


any_json = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(json_array),
        st.lists(st.tuples(any_text, children), max_size=4).map(json_object),
    ),
    max_leaves=12,
)

zones = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))])
words = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
)
nasty = string_token(st.sampled_from(NASTY_STRINGS))
# Per field: (values a CRM would send, values that are wrong for that field)
FIELD_VALUES: dict[str, tuple[st.SearchStrategy[str], st.SearchStrategy[str]]] = {
    "id": (
        st.one_of(
            string_token(st.sampled_from(["crm-1", "crm-2", "crm-3", "crm-4", "crm-5"])),
            st.integers(0, 5).map(str),
        ),
        st.one_of(nasty, st.sampled_from(['""', "null", "true", "1.5", '" "'])),
    ),
    "name": (string_token(words.filter(str.strip)), nasty),
    "email": (string_token(st.emails()), nasty),
    "owner_email": (
        string_token(st.one_of(st.emails(), st.sampled_from(["rita@example.com"]))),
        nasty,
    ),
    "owner": (
        string_token(st.sampled_from(["UREP1", "UREP2", "U0NOBODY", "W12345"])),
        string_token(st.sampled_from(["rita", "u123", "U" + "1" * 40])),
    ),
    "score": (
        st.one_of(st.floats(-0.4, 100.4).map(json.dumps), st.integers(0, 100).map(str)),
        st.one_of(st.sampled_from(RAW_TOKENS), st.floats().map(json.dumps), nasty),
    ),
    "hot": (st.sampled_from(["true", "false", "null"]), st.sampled_from(['"yes"', "1", "[]"])),
    "created_at": (
        st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1), timezones=st.none() | zones).map(
            lambda moment: json.dumps(moment.isoformat())
        ),
        nasty,
    ),
    "campaign": (string_token(st.sampled_from(["spring", "Spring ", "other"])), nasty),
    "company": (string_token(words), nasty),
    "title": (string_token(words), nasty),
    "phone": (string_token(st.sampled_from(["+1 (555) 010-0199", "0044 20 7946 0000"])), nasty),
    "source": (string_token(words), nasty),
    "note": (string_token(st.text(max_size=200)), nasty),
}


@st.composite
def lead_object(draw: st.DrawFn) -> str:
    """A JSON object that is usually a valid lead; now and then one field is wrong for its
    kind, or any JSON at all, or left out; plus extra fields."""
    pairs: list[tuple[str, str]] = []
    for name, (good, bad) in FIELD_VALUES.items():
        roll = draw(st.integers(0, 99))
        if roll < (2 if name in ("id", "name") else 50):
            continue  # left out (a required one only rarely)
        if roll >= 97:
            pairs.append((name, draw(any_json)))
        elif roll >= 92:
            pairs.append((name, draw(bad)))
        else:
            pairs.append((name, draw(good)))
    extra = st.tuples(st.one_of(words, any_text), st.one_of(scalars, any_json))
    pairs += draw(st.lists(extra, max_size=3))
    return json_object(pairs)


lead_bodies = st.one_of(
    lead_object(),
    st.lists(lead_object(), min_size=0, max_size=6).map(json_array),
    lead_object(),
    any_json,
)
garbage_bodies = st.one_of(
    st.binary(max_size=200),
    lead_object().map(lambda text: text[: len(text) // 2]),
)


def body_bytes(text: str | bytes) -> bytes:
    """The request body: UTF-8 (a JSON text from these strategies is ASCII-escaped or valid)."""
    return text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
