"""The PORT record model: validation of archive lines and references.

:func:`validate_record` turns one parsed archive line into the platform's
form of the record (exactly the fields the draft lists, in its order,
unknown fields dropped) or raises :class:`InvalidRecord` with a reason that
names the offending field. Text is never altered: validation only rejects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from .problems import ProblemCode

JsonObject = dict[str, Any]


class InvalidRecord(ValueError):
    """A line that is not a valid record; the message says why.

    ``code`` is the C-002 code a platform naming reasons would give it.
    """

    def __init__(self, message: str, code: ProblemCode = "INVALID") -> None:
        super().__init__(message)
        self.code: ProblemCode = code


# A checker validates one value at a path and returns the value to keep.
Checker = Callable[[object, str], object]

_MONEY: Final = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
_E164: Final = re.compile(r"\+[1-9][0-9]{1,14}")
_CURRENCY: Final = re.compile(r"[A-Z]{3}")
_SHA256: Final = re.compile(r"[0-9a-fA-F]{64}")
# BCP 47 well-formedness, loosely: subtags of 1-8 alphanumerics, the first
# alphabetic. Registry validity is out of scope for a storage platform.
_LOCALE: Final = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_MEDIA_TYPE: Final = re.compile(
    r"[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*;.*)?", re.DOTALL
)
_TIMESTAMP: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"([Zz]|[+-]([0-9]{2}):([0-9]{2}))"
)
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _text(max_code_points: int | None = None) -> Checker:
    def check(value: object, path: str) -> object:
        if not isinstance(value, str):
            raise InvalidRecord(f"{path} must be a string")
        # JSON can spell lone surrogates (\ud800); they are not Unicode scalar
        # values, so no platform could store or return them faithfully.
        if _SURROGATE.search(value):
            raise InvalidRecord(f"{path} contains a lone surrogate, not a Unicode scalar value")
        if max_code_points is not None and len(value) > max_code_points:
            raise InvalidRecord(
                f"{path} has {len(value)} code points; at most {max_code_points} are allowed",
                "TOO_LARGE",
            )
        return value

    return check


def _pattern(regex: re.Pattern[str], what: str) -> Checker:
    text = _text()

    def check(value: object, path: str) -> object:
        text(value, path)
        assert isinstance(value, str)
        if not regex.fullmatch(value):
            raise InvalidRecord(f"{path} must be {what}, got {value!r}")
        return value

    return check


def _id(value: object, path: str) -> object:
    _text()(value, path)
    if value == "":
        raise InvalidRecord(f"{path} must be a non-empty id")
    return value


def _timestamp(value: object, path: str) -> object:
    if not isinstance(value, str):
        raise InvalidRecord(f"{path} must be an RFC 3339 timestamp string")
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        raise InvalidRecord(f"{path} must be RFC 3339 with an offset, got {value!r}")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    offset_hours = int(match.group(9) or 0)
    offset_minutes = int(match.group(10) or 0)
    try:
        # Second 60 is RFC 3339's leap second; datetime cannot hold it, so it
        # is checked as :59 for the rest of the fields' ranges.
        datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError as exc:
        raise InvalidRecord(f"{path} is not a real date and time ({exc}): {value!r}") from None
    if second > 60 or offset_hours > 23 or offset_minutes > 59:
        raise InvalidRecord(f"{path} has an out-of-range field: {value!r}")
    return value


def _integer(minimum: int, maximum: int | None = None) -> Checker:
    def check(value: object, path: str) -> object:
        # bool is an int in Python but true/false are not JSON integers.
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidRecord(f"{path} must be an integer")
        if value < minimum or (maximum is not None and value > maximum):
            upper = "" if maximum is None else f" and at most {maximum}"
            raise InvalidRecord(f"{path} must be at least {minimum}{upper}, got {value}")
        return value

    return check


def _enum(*allowed: str) -> Checker:
    def check(value: object, path: str) -> object:
        if value not in allowed:
            raise InvalidRecord(f"{path} must be one of {', '.join(allowed)}, got {value!r}")
        return value

    return check


def _nullable(inner: Checker) -> Checker:
    def check(value: object, path: str) -> object:
        return None if value is None else inner(value, path)

    return check


def _list(item: Checker) -> Checker:
    def check(value: object, path: str) -> object:
        if not isinstance(value, list):
            raise InvalidRecord(f"{path} must be a list")
        return [item(element, f"{path}[{index}]") for index, element in enumerate(value)]

    return check


Fields = Sequence[tuple[str, Checker]]


def _fields(value: Mapping[str, object], fields: Fields, path: str) -> JsonObject:
    kept: JsonObject = {}
    for name, check in fields:
        if name not in value:
            raise InvalidRecord(f"{path}{name} is required")
        kept[name] = check(value[name], f"{path}{name}")
    return kept


def _object(fields: Fields) -> Checker:
    def check(value: object, path: str) -> object:
        if not isinstance(value, dict):
            raise InvalidRecord(f"{path} must be an object")
        return _fields(value, fields, f"{path}.")

    return check


_MONEY_CHECK: Final = _pattern(_MONEY, "a decimal string like 19.90")

_COMMON_FIELDS: Final[Fields] = (
    ("id", _id),
    ("created_at", _timestamp),
    ("updated_at", _timestamp),
)

# The fields of each record type, in the draft's order. Media's ``url`` is
# the platform's to assign, so it is not read from an archive.
RECORD_FIELDS: Final[Mapping[str, Fields]] = {
    "Profile": (
        ("display_name", _text()),
        ("bio", _text()),
        ("locale", _pattern(_LOCALE, "a BCP 47 language tag")),
        ("avatar_media_id", _nullable(_id)),
    ),
    "Post": (
        ("content", _text(10_000)),
        ("visibility", _enum("public", "followers", "private")),
        ("media_ids", _list(_id)),
        ("in_reply_to", _nullable(_id)),
    ),
    "Contact": (
        ("name", _text()),
        ("emails", _list(_text())),
        ("phones", _list(_pattern(_E164, "an E.164 number with +"))),
        ("handles", _list(_object((("platform", _text()), ("handle", _text()))))),
    ),
    "Order": (
        ("order_number", _text()),
        ("ordered_at", _timestamp),
        (
            "status",
            _enum("placed", "paid", "shipped", "delivered", "cancelled", "returned"),
        ),
        ("merchant", _text()),
        ("currency", _pattern(_CURRENCY, "an ISO 4217 code")),
        (
            "items",
            _list(
                _object(
                    (
                        ("sku", _text()),
                        ("title", _text()),
                        ("quantity", _integer(1)),
                        ("unit_price", _MONEY_CHECK),
                    )
                )
            ),
        ),
        ("total", _MONEY_CHECK),
    ),
    "Review": (
        ("item_ref", _text()),
        ("rating", _integer(1, 5)),
        ("text", _text()),
        ("reviewed_at", _timestamp),
    ),
    "Media": (
        ("media_type", _pattern(_MEDIA_TYPE, "a media type such as image/png")),
        ("size", _integer(0)),
        ("sha256", _pattern(_SHA256, "64 hex digits")),
        ("filename", _text()),
    ),
}


def validate_record(value: object) -> JsonObject:
    """Validate one archive line's object and return the record to store.

    Raises :class:`InvalidRecord` naming the first field that is wrong.
    """
    if not isinstance(value, dict):
        raise InvalidRecord("a record must be a JSON object")
    record_type = value.get("type")
    if not isinstance(record_type, str) or record_type not in RECORD_FIELDS:
        raise InvalidRecord(
            f"type must be one of {', '.join(RECORD_FIELDS)}, got {record_type!r}", "UNSUPPORTED"
        )
    record: JsonObject = {"type": record_type}
    record.update(_fields(value, _COMMON_FIELDS, ""))
    record.update(_fields(value, RECORD_FIELDS[record_type], ""))
    if record_type == "Order":
        _check_total(record)
    return record


def _check_total(order: Mapping[str, Any]) -> None:
    # Decimal, not float: "exactly" means 0.1 + 0.2 is 0.3.
    expected = sum(
        (Decimal(item["quantity"]) * Decimal(item["unit_price"]) for item in order["items"]),
        Decimal(0),
    )
    if Decimal(order["total"]) != expected:
        raise InvalidRecord(f"total is {order['total']} but the items add up to {expected}")


def validate_manifest(value: Mapping[str, Any]) -> None:
    """Check the optional manifest line of an archive being imported.

    Only what would make the archive something else is enforced (the
    format); the counts describe the exporting platform's view and a partly
    valid archive is imported line by line anyway.
    """
    if value.get("format") != "port/1.0":
        raise InvalidRecord(f"format must be port/1.0, got {value.get('format')!r}")
    counts = value.get("counts", {})
    if not isinstance(counts, dict) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts.values()
    ):
        raise InvalidRecord("counts must map record types to non-negative integers")


# -- references ---------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """One reference a record holds: the field, the target id and its type."""

    field: str
    target: str
    target_type: str


def references(record: Mapping[str, Any]) -> list[Reference]:
    """Return the references a record holds, in field order."""
    found: list[Reference] = []
    if record["type"] == "Profile" and record["avatar_media_id"] is not None:
        found.append(Reference("avatar_media_id", record["avatar_media_id"], "Media"))
    if record["type"] == "Post":
        found.extend(Reference("media_ids", target, "Media") for target in record["media_ids"])
        if record["in_reply_to"] is not None:
            found.append(Reference("in_reply_to", record["in_reply_to"], "Post"))
    return found


def reference_targets(record: Mapping[str, Any]) -> list[str]:
    """Return the ids a record refers to."""
    return [reference.target for reference in references(record)]


def remap_references(record: Mapping[str, Any], mapping: Mapping[str, str]) -> JsonObject:
    """Return a copy whose references go through ``mapping`` (unmapped ids kept)."""
    remapped = dict(record)
    if record["type"] == "Profile" and record["avatar_media_id"] is not None:
        remapped["avatar_media_id"] = mapping.get(
            record["avatar_media_id"], record["avatar_media_id"]
        )
    if record["type"] == "Post":
        remapped["media_ids"] = [mapping.get(target, target) for target in record["media_ids"]]
        if record["in_reply_to"] is not None:
            remapped["in_reply_to"] = mapping.get(record["in_reply_to"], record["in_reply_to"])
    return remapped


def without_reference(record: Mapping[str, Any], target: str) -> JsonObject | None:
    """Return a copy with every reference to ``target`` removed, or None if none.

    A list loses the entry; a single reference becomes null.
    """
    if target not in reference_targets(record):
        return None
    changed = dict(record)
    if record["type"] == "Profile":
        changed["avatar_media_id"] = None
    if record["type"] == "Post":
        changed["media_ids"] = [entry for entry in record["media_ids"] if entry != target]
        if record["in_reply_to"] == target:
            changed["in_reply_to"] = None
    return changed


def media_url(sha256: str) -> str:
    """Return where the owner downloads a Media record's bytes."""
    return f"/port/v1/media/{sha256.lower()}"
