"""The compiled validator in ``ComponentSchemas.check`` never passes what ``jsonschema`` refuses.

``check`` asks ``jsonschema-rs`` first and skips ``jsonschema`` when it
accepts; that is sound only if the compiled one is never the laxer. Held here
over valid records and mutations of every kind a schema forbids, and over
generated date-time text against ``jsonschema``'s own format check.
"""

from __future__ import annotations

import copy
import string
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance._harness.catalogue import Catalogue
from conformance._harness.schemas import _PLAIN_DATE_TIME, PYTHON_SPACE, ComponentSchemas

SCHEMAS = ComponentSchemas(Catalogue.load())
STAMP = "2024-01-01T00:00:00Z"
BASE = {"created_at": STAMP, "updated_at": STAMP}
VALID: dict[str, dict[str, Any]] = {
    "Profile": {"type": "Profile", "id": "p", "display_name": "A", "bio": "", "locale": "en"}
    | {"avatar_media_id": None}
    | BASE,
    "Post": {"type": "Post", "id": "q", "content": "hi", "visibility": "public"}
    | {"media_ids": ["m"], "in_reply_to": None}
    | BASE,
    "Contact": {"type": "Contact", "id": "c", "name": "C", "emails": ["a@b"]}
    | {"phones": ["+33612345678"], "handles": [{"platform": "x", "handle": "@c"}]}
    | BASE,
    "Order": {"type": "Order", "id": "o", "order_number": "1", "ordered_at": STAMP}
    | {"status": "paid", "merchant": "M", "currency": "EUR", "total": "19.90"}
    | {"items": [{"sku": "s", "title": "t", "quantity": 2, "unit_price": "9.95"}]}
    | BASE,
    "Review": {"type": "Review", "id": "r", "item_ref": "i", "rating": 5, "text": "ok"}
    | {"reviewed_at": STAMP}
    | BASE,
    "Media": {"type": "Media", "id": "m", "media_type": "image/png", "size": 3}
    | {"sha256": "a" * 64, "filename": "a.png", "url": "/port/v1/media/" + "a" * 64}
    | BASE,
}
ODD_VALUES: list[Any] = [
    None, True, 0, 1.0, 2.5, -1, 10**30, "", "x", "1.0\n", "19.90", "2024-02-30T00:00:00Z",
    "2024-01-01T00:00:00z", "2024-01-01 00:00:00Z", "0000-01-01T00:00:00Z", "+33 6", [], {},
    ["m", 1], [{"sku": 1}], "friends", "eur", "\u0661", "2024-01-01T00:00:60Z",
    "a\x1cb/c", "text/plain;\x1c q=1", "text/plain\u3000; q=1", "image/png\n", "a/b/c",
]  # fmt: skip


def python_says_invalid(name: str, instance: Any) -> bool:
    schema = SCHEMAS.schema("PORT", name)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return any(True for _ in validator.iter_errors(instance))


def mutations() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name, record in VALID.items():
        for key in record:
            missing = copy.deepcopy(record)
            del missing[key]
            out.append((name, missing))
            for value in ODD_VALUES:
                out.append((name, copy.deepcopy(record) | {key: value}))
    return out


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_records_pass_both(name: str) -> None:
    assert SCHEMAS.check("PORT", name, VALID[name]) == []
    assert not python_says_invalid(name, VALID[name])


def test_every_mutation_gets_the_verdict_jsonschema_gives() -> None:
    disagreements = [
        (name, record)
        for name, record in mutations()
        if bool(SCHEMAS.check("PORT", name, record)) != python_says_invalid(name, record)
    ]
    assert not disagreements, disagreements[:5]


DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=4)


@settings(max_examples=300, derandomize=True, database=None)
@given(
    st.builds(
        "{}-{}-{}{}{}:{}:{}{}{}".format,
        DIGITS, DIGITS, DIGITS, st.sampled_from("Tt "), DIGITS, DIGITS, DIGITS,
        st.sampled_from(["", ".5", ".123456"]),
        st.sampled_from(["Z", "z", "+01:00", "-23:59", "+24:00", "", "\n"]),
    )
    | st.text(alphabet=string.digits + "-:TZ+.", max_size=26)
)  # fmt: skip
def test_the_date_time_shortcut_accepts_only_what_jsonschema_accepts(text: str) -> None:
    if _PLAIN_DATE_TIME.fullmatch(text):
        assert jsonschema.FormatChecker().conforms(text, "date-time"), text
    record = VALID["Review"] | {"reviewed_at": text}
    assert bool(SCHEMAS.check("PORT", "Review", record)) == python_says_invalid("Review", record)


def test_pythons_whitespace_is_spelled_out_whole() -> None:
    spelled = set()
    for part in PYTHON_SPACE.split("-"):
        spelled |= set(part)
    first, last = PYTHON_SPACE.split("-")[0][-1], PYTHON_SPACE.split("-")[1][0]
    spelled |= {chr(c) for c in range(ord(first), ord(last) + 1)}
    assert spelled == {chr(c) for c in range(0x110000) if chr(c).isspace()}
