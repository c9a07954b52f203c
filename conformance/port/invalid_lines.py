"""Lines every correct importer must reject (PORT-010), each with the reason why.

Each kind breaks one rule of ``port/1.0``: a line that is not JSON, not an
object, of no record type, with a value out of its domain, money written as
a number or with an exponent, a total that does not add up, a reference to a
record that does not exist, bytes never uploaded. Debatable cases (an absent
list that an importer could read as empty) are left out on purpose.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from decimal import Decimal, localcontext
from typing import NamedTuple

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from conformance._harness.ordinary import NOUNS
from conformance.port.archive import JsonObject, serialize
from conformance.port.strategies import (
    _TRAPPING,
    MAX_POST_CODE_POINTS,
    _build_contact,
    _build_media,
    _build_order,
    _build_post,
    _build_review,
    _Drawn,
    _Source,
    order_total,
)

_Mutation = Callable[[_Source, str], tuple[JsonObject, str]]


class InvalidLine(NamedTuple):
    """One line (no newline) that every correct importer must reject, and why."""

    raw: bytes
    reason: str


def invalid_lines(*kinds: str) -> SearchStrategy[InvalidLine]:
    """Lines every correct importer rejects, each with a short reason.

    ``kinds`` narrows the faults to some of :data:`INVALID_KINDS` (all when
    none is given). Their ids, and the ids they refer to, are random UUIDs
    (ordinary ids, with no prefix that would mark the suite's lines), so they
    can be spliced into any generated archive without colliding with its ids;
    no valid record refers to them.
    """
    unknown = sorted(set(kinds) - set(INVALID_KINDS))
    if unknown:
        raise ValueError(f"unknown invalid line kinds {unknown}; choose from {INVALID_KINDS}")
    chosen = kinds or INVALID_KINDS
    options: list[SearchStrategy[InvalidLine]] = []
    if "unparseable" in chosen:
        options.append(st.sampled_from(_UNPARSEABLE).map(lambda pair: InvalidLine(*pair)))
    options.extend(_mutated(_MUTATIONS[kind]) for kind in chosen if kind != "unparseable")
    return st.one_of(options)


_UNPARSEABLE: tuple[tuple[bytes, str], ...] = (
    (b"", "empty line"),
    (b"   ", "blank line"),
    (b"{", "not JSON"),
    (b'{"type":"Post","id":"1"', "not JSON (truncated object)"),
    (b"{'type': 'Post'}", "not JSON (single quotes)"),
    (b'{"type":"Post",}', "not JSON (trailing comma)"),
    (b'{"type":"Post","content":NaN}', "not JSON (NaN)"),
    (b"not json", "not JSON"),
    (b'{"type":"Post","content":"\xff\xfe"}', "not UTF-8"),
    (b"[]", "a JSON array, not an object"),
    (b'[{"type":"Post"}]', "a JSON array, not an object"),
    (b'"Post"', "a JSON string, not an object"),
    (b"42", "a JSON number, not an object"),
    (b"null", "JSON null, not an object"),
)


@st.composite
def _mutated(draw: st.DrawFn, mutation: _Mutation) -> InvalidLine:
    src = _Drawn(draw)
    rid = str(draw(st.uuids()))
    record, reason = mutation(src, rid)
    return InvalidLine(serialize([record], with_manifest=False).rstrip(b"\n"), reason)


def _missing_id(src: _Source) -> str:
    return str(uuid.UUID(int=src.integer(0, 2**128 - 1), version=4))


def _wrong_type(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_post(src, rid, (), ())
    value = src.pick(["Tweet", "post", "POST", "", 7, None])
    record["type"] = value
    return record, f"type {value!r} is not a record type"


def _no_type(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_review(src, rid)
    del record["type"]
    return record, "no type"


def _bad_rating(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_review(src, rid)
    record["rating"] = src.pick([6, 0, -1, "5", 10])
    return record, f"rating {record['rating']!r} is not an integer from 1 to 5"


def _bad_quantity(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_order(src, rid)
    quantity = src.pick([0, -1, "2", 1.5])
    record["items"][0]["quantity"] = quantity
    # Keep total consistent with the bad quantity, so the quantity is the
    # only fault.
    record["total"] = order_total(
        [{**item, "quantity": str(item["quantity"])} for item in record["items"]]
    )
    return record, f"quantity {quantity!r} is not an integer >= 1"


def _price_as_number(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_order(src, rid)
    amount = record["items"][0]["unit_price"]
    record["items"][0]["unit_price"] = float(amount) if "." in amount else int(amount)
    return record, "unit_price is a JSON number, not a decimal string"


def _total_as_number(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_order(src, rid)
    total = record["total"]
    record["total"] = float(total) if "." in total else int(total)
    return record, "total is a JSON number, not a decimal string"


def _money_exponent(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_order(src, rid)
    written, value = src.pick([("1e3", "1000"), ("1E3", "1000"), ("2.5e1", "25"), ("1e-2", "0.01")])
    record["items"] = [{**record["items"][0], "quantity": 1, "unit_price": written}]
    record["total"] = value
    return record, f"unit_price {written!r} uses an exponent"


def _money_malformed(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_order(src, rid)
    written, value = src.pick([(".5", "0.5"), ("5.", "5"), ("01.50", "1.50"), ("+1", "1")])
    record["items"] = [{**record["items"][0], "quantity": 1, "unit_price": written}]
    record["total"] = value
    return record, f"unit_price {written!r} does not match the money pattern"


def _total_off(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_order(src, rid)
    delta = Decimal(src.pick(["0.01", "1", "-0.000001", "100"]))
    with localcontext(_TRAPPING):
        total = Decimal(record["total"]) + delta
        if total < 0:
            total = Decimal(record["total"]) + 1
    record["total"] = format(total, "f")
    return record, "total is not the sum of quantity x unit_price"


def _missing_media(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_post(src, rid, (), ())
    record["media_ids"] = [_missing_id(src)]
    return record, "media_ids refers to a missing record"


def _missing_parent(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_post(src, rid, (), ())
    record["in_reply_to"] = _missing_id(src)
    return record, "in_reply_to refers to a missing record"


def _bad_visibility(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_post(src, rid, (), ())
    record["visibility"] = src.pick(["secret", "Public", "", None])
    return record, f"visibility {record['visibility']!r} is not allowed"


def _bad_phone(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_contact(src, rid)
    phone = src.pick(["0049 30 1234567", "+0123456", "12345", "+1", "+1234567890123456", "+1-202"])
    record["phones"] = [*record["phones"], phone]
    return record, f"phone {phone!r} is not E.164"


def _missing_field(src: _Source, rid: str) -> tuple[JsonObject, str]:
    builders: list[Callable[[_Source, str], JsonObject]] = [
        lambda s, r: _build_post(s, r, (), ()),
        _build_contact,
        _build_order,
        _build_review,
    ]
    record = src.pick(builders)(src, rid)
    # Lists and nullable references are left alone: an importer could read
    # their absence as [] or null, and this line must be invalid for every
    # correct importer.
    name = src.pick([key for key in record if key not in _MAY_DEFAULT])
    del record[name]
    return record, f"required field {name} is missing"


_MAY_DEFAULT = frozenset(
    {"type", "media_ids", "in_reply_to", "emails", "phones", "handles", "items"}
)


def _bad_timestamp(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_review(src, rid)
    value = src.pick(
        [
            "2024-01-01 10:00:00",
            "2024-01-01T10:00:00",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-02-30T00:00:00Z",
            1704067200,
        ]
    )
    field = src.pick(["created_at", "updated_at", "reviewed_at"])
    record[field] = value
    return record, f"{field} {value!r} is not an RFC 3339 date-time with an offset"


def _content_too_long(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_post(src, rid, (), ())
    record["content"] = src.pick(["a", "\u00e9", "\U0001f600"]) * (MAX_POST_CODE_POINTS + 1)
    return record, "content longer than 10 000 code points"


def _id_not_string(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_review(src, rid)
    record["id"] = src.pick([42, None, ["a1"]])
    return record, "id is not a string"


def _media_not_uploaded(src: _Source, rid: str) -> tuple[JsonObject, str]:
    record = _build_media(src, rid, 0).record
    # Text bytes (a word and a number, as in a note), unlike the random bytes
    # archives() generates, so no archive a run uploads can hold them.
    content = f"{src.pick(NOUNS)} {src.integer(0, 2**64)}".encode()
    record["size"] = len(content)
    record["sha256"] = hashlib.sha256(content).hexdigest()
    return record, "Media bytes were never uploaded"


_MUTATIONS: dict[str, _Mutation] = {
    "wrong-type": _wrong_type,
    "no-type": _no_type,
    "rating": _bad_rating,
    "quantity": _bad_quantity,
    "price-as-number": _price_as_number,
    "total-as-number": _total_as_number,
    "money-exponent": _money_exponent,
    "money-malformed": _money_malformed,
    "total-off": _total_off,
    "missing-media": _missing_media,
    "missing-parent": _missing_parent,
    "visibility": _bad_visibility,
    "phone": _bad_phone,
    "missing-field": _missing_field,
    "timestamp": _bad_timestamp,
    "content-too-long": _content_too_long,
    "id-not-string": _id_not_string,
    "media-not-uploaded": _media_not_uploaded,
}

INVALID_KINDS: tuple[str, ...] = ("unparseable", *_MUTATIONS)
"""The kinds of fault :func:`invalid_lines` can be narrowed to."""
