"""Record equality as PORT.md defines it, and recovering an id mapping by content."""

from __future__ import annotations

import copy
import random
import re
import unicodedata
from datetime import UTC, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conformance import Mismatch
from conformance.port.equality import (
    FIELD_RULES,
    Kind,
    compare_records,
    field_rules,
    instant_millis,
    parse_timestamp,
    referenced_ids,
)
from conformance.port.strategies import GeneratedArchive, archives, order, post

Record = dict[str, Any]
OFFSETS = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]


def equal_instant(value: str, rng: random.Random) -> str:
    """The same instant to the millisecond, written with another offset."""
    moment = parse_timestamp(value).astimezone(rng.choice(OFFSETS))
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond // 1000:03d}"
    offset = moment.strftime("%z")
    return text + ("Z" if offset == "+0000" else f"{offset[:3]}:{offset[3:]}")


def equal_amount(value: str) -> str:
    """The same decimal number, written without trailing zeros (never an exponent)."""
    return format(Decimal(value).normalize(), "f")


def export_like(records: list[Record], seed: int) -> tuple[list[Record], dict[str, str]]:
    """What a faithful platform could export: new ids, remapped references, reordered keys,
    extra fields, other offsets for the same instants, other spellings of the same amounts,
    the records in another order."""
    rng = random.Random(seed)
    id_map = {r["id"]: f"platform-{n}-{rng.getrandbits(32):x}" for n, r in enumerate(records)}
    exported: list[Record] = []
    for record in records:
        out = copy.deepcopy(record)
        out["id"] = id_map[record["id"]]
        for name, kind in field_rules(record["type"]).items():
            value = out.get(name)
            if kind is Kind.TIMESTAMP:
                out[name] = equal_instant(value, rng)
            elif kind is Kind.MONEY:
                out[name] = equal_amount(value)
            elif kind is Kind.REFERENCE and value is not None:
                out[name] = id_map[value]
            elif kind is Kind.REFERENCES:
                out[name] = [id_map[item] for item in value]
        for item in out.get("items", []):
            item["unit_price"] = equal_amount(item["unit_price"])
            item["x_discount"] = "0"
        if record["type"] == "Media":
            out["url"] = f"/port/v1/media/{record['sha256']}"
        out["x_platform_field"] = {"anything": [1, 2.5, None]}
        keys = list(out)
        rng.shuffle(keys)
        exported.append({key: out[key] for key in keys})
    rng.shuffle(exported)
    return exported, id_map


def only(differences: list[Mismatch]) -> Mismatch:
    assert len(differences) == 1, [d.describe() for d in differences]
    return differences[0]


def platform_record(records: list[Record], id_map: dict[str, str], archive_id: str) -> Record:
    return next(r for r in records if r["id"] == id_map[archive_id])


ARCHIVES = archives(max_records=30)
SETTINGS = settings(max_examples=50, deadline=None)


# --------------------------------------------------------------------------- accepting


@SETTINGS
@given(ARCHIVES, st.integers(0, 2**32))
def test_a_faithful_export_has_no_difference(generated: GeneratedArchive, seed: int) -> None:
    exported, id_map = export_like(generated.records, seed)
    assert compare_records(generated.records, exported, id_map) == []


@SETTINGS
@given(ARCHIVES)
def test_an_identical_copy_has_no_difference(generated: GeneratedArchive) -> None:
    identity = {r["id"]: r["id"] for r in generated.records}
    assert compare_records(generated.records, copy.deepcopy(generated.records), identity) == []


def test_other_records_of_the_account_are_not_looked_at() -> None:
    expected = [{"type": "Review", "id": "a1", "rating": 3}]
    actual = [
        {"type": "Review", "id": "p0", "rating": 1},
        {"type": "Review", "id": "p1", "rating": 3},
    ]
    assert compare_records(expected, actual, {"a1": "p1"}) == []


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ("2024-01-01T00:00:00Z", "2024-01-01T05:30:00+05:30"),
        ("2024-01-01T00:00:00.1234Z", "2023-12-31T16:00:00.123-08:00"),
        ("2024-01-01T00:00:00.999999Z", "2024-01-01T00:00:00.999Z"),
        ("2024-01-01T00:00:00Z", "2024-01-01t00:00:00.000000000z"),
        ("2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z"),
        ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00-00:00"),
    ],
)
def test_timestamps_that_denote_the_same_millisecond_are_equal(expected: str, actual: str) -> None:
    assert instant_millis(expected) == instant_millis(actual)
    record = {"type": "Review", "id": "a1", "reviewed_at": expected}
    assert (
        compare_records([record], [{**record, "id": "p1", "reviewed_at": actual}], {"a1": "p1"})
        == []
    )


def test_truncation_is_towards_the_past_also_before_1970() -> None:
    assert instant_millis("1969-12-31T23:59:59.9995Z") == -1
    assert instant_millis("1970-01-01T00:00:00.0009Z") == 0


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-01T00:00:00",
        "2024-01-01 00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-01-01T00:00Z",
        "2024-01-01T00:00:00+24:00",
        "20240101T000000Z",
        "",
    ],
)
def test_parse_timestamp_refuses_what_rfc3339_refuses(value: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(value)


def test_money_spelled_differently_is_equal_as_a_decimal() -> None:
    record = {"type": "Order", "id": "a1", "total": "19.90", "items": [{"unit_price": "0.10"}]}
    actual = {"type": "Order", "id": "p1", "total": "19.9", "items": [{"unit_price": "0.1"}]}
    assert compare_records([record], [actual], {"a1": "p1"}) == []


def test_ids_and_media_url_are_left_out() -> None:
    record = {"type": "Media", "id": "a1", "url": "https://old.example/1", "size": 3}
    actual = {"type": "Media", "id": "p1", "url": "/port/v1/media/x", "size": 3}
    assert compare_records([record], [actual], {"a1": "p1"}) == []


# --------------------------------------------------------------------------- detecting


@SETTINGS
@given(ARCHIVES, st.integers(0, 2**32), st.data())
def test_a_dropped_record_is_missing(
    generated: GeneratedArchive, seed: int, data: st.DataObject
) -> None:
    exported, id_map = export_like(generated.records, seed)
    dropped = data.draw(st.sampled_from(generated.records))
    exported.remove(platform_record(exported, id_map, dropped["id"]))
    difference = only(compare_records(generated.records, exported, id_map))
    assert (difference.subject, difference.path, difference.why) == (
        dropped["id"],
        "$",
        "missing",
    )


def test_a_record_the_id_map_does_not_map_is_missing() -> None:
    record = {"type": "Review", "id": "a1", "rating": 3}
    difference = only(compare_records([record], [{**record, "id": "p1"}], {}))
    assert (difference.subject, difference.path, difference.why) == ("a1", "$", "missing")
    assert (difference.expected, difference.received) == ("the Review record", None)


@settings(max_examples=50, deadline=None)
@given(post("a1"), st.integers(0, 2**32))
def test_nfc_normalisation_is_a_difference(record: Record, seed: int) -> None:
    record["content"] = "e\u0301 \u212b " + record["content"]
    exported, id_map = export_like([record], seed)
    exported[0]["content"] = unicodedata.normalize("NFC", record["content"])
    difference = only(compare_records([record], exported, id_map))
    assert difference.path == "$.content"
    assert "normalisation" in difference.why


@pytest.mark.parametrize(
    ("expected", "actual", "fragment"),
    [
        ("a b ", "a b", "whitespace"),
        ("a\r\nb", "a\nb", "newlines"),
        ("<script>", "&lt;script&gt;", "HTML-escaped"),
        ("&amp;", "&", "entities"),
        ("a\x00b", "ab", "U+0000"),
        ("\U0001f600", "\ufffd", "U+FFFD"),
        ("abc", "abd", "code point 2"),
        ("abc", "ab", "length"),
    ],
)
def test_text_differences_say_how_the_text_was_damaged(
    expected: str, actual: str, fragment: str
) -> None:
    record = {"type": "Review", "id": "a1", "text": expected}
    difference = only(
        compare_records([record], [{**record, "id": "p1", "text": actual}], {"a1": "p1"})
    )
    assert difference.path == "$.text"
    assert fragment in difference.why


@settings(max_examples=50, deadline=None)
@given(order("a1"), st.integers(0, 2**32), st.sampled_from(["total", "unit_price"]))
def test_money_as_a_json_number_is_a_difference(record: Record, seed: int, where: str) -> None:
    exported, id_map = export_like([record], seed)
    if where == "total":
        exported[0]["total"] = float(record["total"])
        path = "$.total"
    else:
        exported[0]["items"][0]["unit_price"] = float(record["items"][0]["unit_price"])
        path = "$.items[0].unit_price"
    difference = only(compare_records([record], exported, id_map))
    assert difference.path == path
    assert "JSON number where a decimal string is required" in difference.why


@pytest.mark.parametrize(
    ("actual", "fragment"),
    [
        (19.9, "JSON number"),
        (20, "JSON number"),
        ("1.99E+1", "exponent"),
        ("1.99e1", "exponent"),
        ("19.899999999999999", "floating-point artefact"),
        ("19.91", "different amount"),
        (" 19.90", "not a decimal string"),
        ("019.90", "not a decimal string"),
        (None, "JSON null"),
    ],
)
def test_money_must_be_a_decimal_string_of_the_same_amount(actual: Any, fragment: str) -> None:
    record = {"type": "Order", "id": "a1", "total": "19.90"}
    difference = only(
        compare_records([record], [{**record, "id": "p1", "total": actual}], {"a1": "p1"})
    )
    assert difference.path == "$.total"
    assert fragment in difference.why


@settings(max_examples=50, deadline=None)
@given(ARCHIVES, st.integers(0, 2**32), st.data())
def test_a_timestamp_shifted_by_a_millisecond_or_more_is_a_difference(
    generated: GeneratedArchive, seed: int, data: st.DataObject
) -> None:
    record = data.draw(st.sampled_from(generated.records))
    name = data.draw(
        st.sampled_from([n for n, k in field_rules(record["type"]).items() if k is Kind.TIMESTAMP])
    )
    shift = data.draw(st.integers(1, 10**9).map(lambda ms: timedelta(milliseconds=ms)))
    sign = data.draw(st.sampled_from([1, -1]))
    exported, id_map = export_like(generated.records, seed)
    moved = parse_timestamp(record[name]) + sign * shift
    platform_record(exported, id_map, record["id"])[name] = moved.isoformat()
    difference = only(compare_records(generated.records, exported, id_map))
    assert (difference.subject, difference.path) == (record["id"], f"$.{name}")
    assert "different instant" in difference.why


def test_a_shift_below_the_millisecond_is_not_a_difference_unless_it_crosses_one() -> None:
    record = {"type": "Review", "id": "a1", "reviewed_at": "2024-01-01T00:00:00.1001Z"}
    same = {**record, "id": "p1", "reviewed_at": "2024-01-01T00:00:00.1009Z"}
    crossed = {**record, "id": "p1", "reviewed_at": "2024-01-01T00:00:00.0999Z"}
    assert compare_records([record], [same], {"a1": "p1"}) == []
    assert only(compare_records([record], [crossed], {"a1": "p1"})).path == "$.reviewed_at"


@settings(max_examples=50, deadline=None)
@given(archives(min_records=3, max_records=30), st.integers(0, 2**32), st.data())
def test_a_reference_to_the_wrong_record_is_a_difference(
    generated: GeneratedArchive, seed: int, data: st.DataObject
) -> None:
    holders = [r for r in generated.records if referenced_ids(r)]
    assume(holders)
    holder = data.draw(st.sampled_from(holders))
    others = [r["id"] for r in generated.records if r["id"] not in referenced_ids(holder)]
    assume(others)
    wrong = data.draw(st.sampled_from(others))
    exported, id_map = export_like(generated.records, seed)
    target = platform_record(exported, id_map, holder["id"])
    for name in ("avatar_media_id", "in_reply_to"):
        if holder.get(name) is not None:
            target[name] = id_map[wrong]
            path = f"$.{name}"
            break
    else:
        target["media_ids"][0] = id_map[wrong]
        path = "$.media_ids[0]"
    difference = only(compare_records(generated.records, exported, id_map))
    assert (difference.subject, difference.path) == (holder["id"], path)
    assert f"refers to the record of archive id {wrong!r}" in difference.why


def test_dropped_and_foreign_references_are_differences() -> None:
    expected = [{"type": "Post", "id": "a1", "in_reply_to": "a2", "media_ids": ["a3"]}]
    id_map = {"a1": "p1", "a2": "p2", "a3": "p3"}
    dropped = [{"type": "Post", "id": "p1", "in_reply_to": None, "media_ids": []}]
    reasons = [d.why for d in compare_records(expected, dropped, id_map)]
    assert any("dropped" in r for r in reasons)
    assert any("expected 1 references, got 0" in r for r in reasons)
    foreign = [{"type": "Post", "id": "p1", "in_reply_to": "zzz", "media_ids": ["p3"]}]
    assert "does not know" in only(compare_records(expected, foreign, id_map)).why
    unmapped = compare_records(expected, [dropped[0] | {"in_reply_to": "p2"}], {"a1": "p1"})
    assert any("does not map" in d.why for d in unmapped)


@pytest.mark.parametrize(
    ("field", "actual", "fragment"),
    [
        ("rating", 3.0, "written differently"),
        ("rating", True, "JSON boolean"),
        ("rating", "3", "JSON string"),
        ("rating", 4, "different value"),
    ],
)
def test_other_values_must_be_equal_exactly(field: str, actual: Any, fragment: str) -> None:
    record = {"type": "Review", "id": "a1", "rating": 3}
    difference = only(
        compare_records([record], [{**record, "id": "p1", field: actual}], {"a1": "p1"})
    )
    assert fragment in difference.why


def test_lists_are_compared_in_order_and_nested_extras_ignored() -> None:
    record = {
        "type": "Contact",
        "id": "a1",
        "emails": ["a@example.org", "b@example.org"],
        "handles": [{"platform": "x", "handle": "h"}],
    }
    reordered = {**record, "id": "p1", "emails": ["b@example.org", "a@example.org"]}
    paths = [d.path for d in compare_records([record], [reordered], {"a1": "p1"})]
    assert paths == ["$.emails[0]", "$.emails[1]"]
    extra = {**record, "id": "p1", "handles": [{"platform": "x", "handle": "h", "verified": True}]}
    assert compare_records([record], [extra], {"a1": "p1"}) == []
    lost = {**record, "id": "p1", "handles": [{"platform": "x"}]}
    assert only(compare_records([record], [lost], {"a1": "p1"})).path == "$.handles[0].handle"


@settings(max_examples=50, deadline=None)
@given(ARCHIVES, st.integers(0, 2**32), st.data())
def test_a_field_the_type_defines_missing_from_the_export_is_a_difference(
    generated: GeneratedArchive, seed: int, data: st.DataObject
) -> None:
    record = data.draw(st.sampled_from(generated.records))
    name = data.draw(st.sampled_from(sorted(field_rules(record["type"]))))
    exported, id_map = export_like(generated.records, seed)
    del platform_record(exported, id_map, record["id"])[name]
    difference = only(compare_records(generated.records, exported, id_map))
    assert (difference.path, difference.why) == (f"$.{name}", "missing field")


def test_a_type_the_format_does_not_define_is_compared_field_by_field() -> None:
    record = {
        "type": "Bookmark",
        "id": "a1",
        "created_at": "2024-01-01T00:00:00Z",
        "url": "https://x.example",
        "tags": ["a"],
    }
    same = {**record, "id": "p1", "created_at": "2024-01-01T01:00:00+01:00", "extra": 1}
    assert compare_records([record], [same], {"a1": "p1"}) == []
    changed = {**record, "id": "p1", "url": "https://y.example"}
    assert only(compare_records([record], [changed], {"a1": "p1"})).path == "$.url"


def test_the_rules_name_every_field_of_the_format() -> None:
    assert set(FIELD_RULES) == {"Profile", "Post", "Contact", "Order", "Review", "Media"}
    assert "url" not in FIELD_RULES["Media"]
    assert FIELD_RULES["Order"]["items[].unit_price"] is Kind.MONEY
    assert {
        n for n, k in FIELD_RULES["Post"].items() if k in (Kind.REFERENCE, Kind.REFERENCES)
    } == {
        "media_ids",
        "in_reply_to",
    }


def test_a_difference_is_a_row_naming_its_record() -> None:
    record = {"type": "Order", "id": "a1", "total": "19.90", "items": []}
    difference = only(
        compare_records([record], [{**record, "id": "p1", "total": 19.9}], {"a1": "p1"})
    )
    assert difference.describe().splitlines() == [
        "$.total  (for a1)",
        '  Documented: "19.90"',
        "  Received:   19.9",
        "  Why: a JSON number where a decimal string is required",
    ]


def test_a_timestamp_off_by_a_leap_year_says_so_in_days() -> None:
    record = {"type": "Review", "id": "a1", "created_at": "2000-01-01T00:00:00Z"}
    exported = {**record, "id": "p1", "created_at": "2001-01-01T00:00:00Z"}
    difference = only(compare_records([record], [exported], {"a1": "p1"}))
    assert difference.why == "a different instant: 366 days later (compared to the millisecond)"


# --------------------------------------------------------------------------- matching


REFERENCE_PATH = re.compile(r"\$\.(media_ids|in_reply_to|avatar_media_id)\b")
