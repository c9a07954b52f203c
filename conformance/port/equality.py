"""Equality of ``port/1.0`` records as PORT.md ("Comparing records") defines it.

Ids and the Media ``url`` are the platform's to assign and never compared;
references are compared through the id mapping; timestamps are equal when
they denote the same instant truncated to the millisecond; money is compared
as decimal numbers and must be written as a decimal string; everything else
must be equal exactly (text as code points, lists in order). Fields a
platform adds are ignored (COMMON C5).

Which field gets which treatment is data, in :data:`FIELD_RULES`, so the
comparison, the content matcher and the generators agree on one table.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

from conformance._harness.errors import Mismatch
from conformance._harness.units import human_duration
from conformance.port.archive import json_kind, record_type

Record = Mapping[str, Any]

MONEY_PATTERN = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
"""Money as the format writes it; match with ``fullmatch``."""

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Kind(Enum):
    """How one field is compared."""

    EXACT = "exact"
    TIMESTAMP = "timestamp"
    MONEY = "money"
    REFERENCE = "reference"
    """A nullable archive id of another record."""
    REFERENCES = "references"
    """A list of archive ids of other records, in order."""
    OBJECTS = "objects"
    """A list of objects whose fields have rules of their own, under ``<field>[].``."""


COMMON_FIELDS: Mapping[str, Kind] = {
    "type": Kind.EXACT,
    "created_at": Kind.TIMESTAMP,
    "updated_at": Kind.TIMESTAMP,
}
"""Fields every record has, besides ``id`` (which is never compared)."""

FIELD_RULES: Mapping[str, Mapping[str, Kind]] = {
    "Profile": {
        "display_name": Kind.EXACT,
        "bio": Kind.EXACT,
        "locale": Kind.EXACT,
        "avatar_media_id": Kind.REFERENCE,
    },
    "Post": {
        "content": Kind.EXACT,
        "visibility": Kind.EXACT,
        "media_ids": Kind.REFERENCES,
        "in_reply_to": Kind.REFERENCE,
    },
    "Contact": {
        "name": Kind.EXACT,
        "emails": Kind.EXACT,
        "phones": Kind.EXACT,
        "handles": Kind.OBJECTS,
        "handles[].platform": Kind.EXACT,
        "handles[].handle": Kind.EXACT,
    },
    "Order": {
        "order_number": Kind.EXACT,
        "ordered_at": Kind.TIMESTAMP,
        "status": Kind.EXACT,
        "merchant": Kind.EXACT,
        "currency": Kind.EXACT,
        "items": Kind.OBJECTS,
        "items[].sku": Kind.EXACT,
        "items[].title": Kind.EXACT,
        "items[].quantity": Kind.EXACT,
        "items[].unit_price": Kind.MONEY,
        "total": Kind.MONEY,
    },
    "Review": {
        "item_ref": Kind.EXACT,
        "rating": Kind.EXACT,
        "text": Kind.EXACT,
        "reviewed_at": Kind.TIMESTAMP,
    },
    # `url` is deliberately absent: where the owner downloads the bytes is the
    # platform's choice, and the import ignores it.
    "Media": {
        "media_type": Kind.EXACT,
        "size": Kind.EXACT,
        "sha256": Kind.EXACT,
        "filename": Kind.EXACT,
    },
}
"""Per record type, the fields it defines (beyond :data:`COMMON_FIELDS`) and their kind."""

NOT_COMPARED: Mapping[str, frozenset[str]] = {"*": frozenset({"id"}), "Media": frozenset({"url"})}
"""Fields left out of every equality (``"*"``: every type)."""


def _difference(record: str, path: str, expected: Any, received: Any, why: str) -> Mismatch:
    # ``received`` is None both for a JSON null and for an absent value; ``why`` tells them apart.
    return Mismatch(path, expected, received, why, subject=record)


def field_rules(type_name: str) -> dict[str, Kind]:
    """The top-level fields compared for records of ``type_name`` and their kind.

    Empty for a type the format does not define.
    """
    rules = FIELD_RULES.get(type_name)
    if rules is None:
        return {}
    top = {name: kind for name, kind in rules.items() if "[]" not in name}
    return {**COMMON_FIELDS, **top}


def _compared_fields(record: Record) -> tuple[Mapping[str, Kind], dict[str, Kind]]:
    # All rules of the record's type, and its top-level compared fields. For
    # a type the format does not define, nothing says which fields are
    # references or money: the common fields keep their kind and every
    # other field but the id must be equal exactly.
    type_name = record_type(record)
    if type_name in FIELD_RULES:
        return FIELD_RULES[type_name], field_rules(type_name)
    skipped = NOT_COMPARED["*"]
    top = dict(COMMON_FIELDS)
    top.update((name, Kind.EXACT) for name in record if name not in top and name not in skipped)
    return top, top


def referenced_ids(record: Record) -> list[str]:
    """The archive ids a record refers to (its reference fields), in field order."""
    found: list[str] = []
    for name, kind in field_rules(record_type(record)).items():
        value = record.get(name)
        if kind is Kind.REFERENCE and isinstance(value, str):
            found.append(value)
        elif kind is Kind.REFERENCES and isinstance(value, list):
            found.extend(item for item in value if isinstance(item, str))
    return found


def parse_timestamp(value: str) -> datetime:
    """Parse an RFC 3339 date-time with an offset; raise ``ValueError`` otherwise.

    Written by hand because ``datetime.fromisoformat`` accepts forms RFC 3339
    forbids (no offset, a space, week dates) and refuses some it allows
    (lowercase ``t``/``z``, more than six fractional digits, second 60).
    Digits past the microsecond are dropped, which cannot change the
    millisecond the comparison uses.
    """
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        raise ValueError(f"not an RFC 3339 date-time with an offset: {value!r}")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = (match.group(7) or "")[:6].ljust(6, "0")
    if match.group(8):
        offset = timedelta(0)
    else:
        off_hours, off_minutes = int(match.group(10)), int(match.group(11))
        if off_hours > 23 or off_minutes > 59:
            raise ValueError(f"offset out of range in {value!r}")
        offset = timedelta(hours=off_hours, minutes=off_minutes)
        if match.group(9) == "-":
            offset = -offset
    # A leap second (":60") is the instant one second after ":59".
    leap = second == 60
    base = datetime(
        year,
        month,
        day,
        hour,
        minute,
        59 if leap else second,
        int(fraction),
        tzinfo=timezone(offset),
    )
    return base + timedelta(seconds=1) if leap else base


def instant_millis(value: str) -> int:
    """The instant ``value`` denotes, truncated to the millisecond, as milliseconds since 1970."""
    delta = parse_timestamp(value) - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    # Floor division truncates towards the past, also before 1970.
    return micros // 1000


def is_money(value: Any) -> bool:
    """Whether ``value`` is money as the format writes it: a string matching the pattern."""
    return isinstance(value, str) and MONEY_PATTERN.fullmatch(value) is not None


def compare_records(
    expected: Sequence[Record], actual: Sequence[Record], id_map: Mapping[str, str]
) -> list[Mismatch]:
    """Every difference between the archive records and the platform's records.

    ``expected`` holds archive records (archive ids), ``actual`` the exported
    records (platform ids), ``id_map`` maps archive id to platform id. An
    expected record that ``id_map`` does not map, or whose platform id no
    actual record carries, is one row at ``$`` with why ``"missing"``.
    Each row's ``subject`` is the archive id of the record it is about (its
    type, for a record without one). Actual records no expected record maps
    to are not looked at: the account may hold other records.
    """
    by_id: dict[str, Record] = {}
    for record in actual:
        record_id = record.get("id")
        if isinstance(record_id, str):
            by_id.setdefault(record_id, record)
    comparer = _Comparer(id_map)
    differences: list[Mismatch] = []
    for record in expected:
        archive_id = record.get("id")
        label = archive_id if isinstance(archive_id, str) else record_type(record)
        platform_id = id_map.get(archive_id) if isinstance(archive_id, str) else None
        counterpart = by_id.get(platform_id) if platform_id is not None else None
        if counterpart is None:
            differences.append(
                _difference(label, "$", f"the {record_type(record)} record", None, "missing")
            )
            continue
        differences.extend(comparer.record(label, record, counterpart))
    return differences


class _Comparer:
    def __init__(self, id_map: Mapping[str, str]) -> None:
        self._id_map = id_map
        self._archive_id_of = {platform: archive for archive, platform in id_map.items()}

    def record(self, label: str, expected: Record, actual: Record) -> Iterator[Mismatch]:
        rules, top = _compared_fields(expected)
        for name, kind in top.items():
            if name not in expected:
                # Nothing to hold the platform to; validating the archive
                # is another check's business.
                continue
            path = _child("$", name)
            if name not in actual:
                yield _difference(label, path, expected[name], None, "missing field")
                continue
            yield from self._value(label, path, rules, name, kind, expected[name], actual[name])

    def _value(
        self,
        label: str,
        path: str,
        rules: Mapping[str, Kind],
        rule_name: str,
        kind: Kind,
        expected: Any,
        actual: Any,
    ) -> Iterator[Mismatch]:
        if kind is Kind.TIMESTAMP:
            yield from _timestamp(label, path, expected, actual)
        elif kind is Kind.MONEY:
            yield from _money(label, path, expected, actual)
        elif kind is Kind.REFERENCE:
            yield from self._reference(label, path, expected, actual)
        elif kind is Kind.REFERENCES:
            yield from self._references(label, path, expected, actual)
        elif kind is Kind.OBJECTS:
            yield from self._objects(label, path, rules, rule_name, expected, actual)
        else:
            yield from self._exact(label, path, expected, actual)

    def _objects(
        self,
        label: str,
        path: str,
        rules: Mapping[str, Kind],
        rule_name: str,
        expected: Any,
        actual: Any,
    ) -> Iterator[Mismatch]:
        if not isinstance(expected, list) or not isinstance(actual, list):
            yield from self._exact(label, path, expected, actual)
            return
        if len(expected) != len(actual):
            yield _difference(
                label,
                path,
                expected,
                actual,
                f"expected {len(expected)} entries, got {len(actual)}",
            )
            return
        prefix = f"{rule_name}[]."
        members = {
            name[len(prefix) :]: kind for name, kind in rules.items() if name.startswith(prefix)
        }
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            item_path = f"{path}[{index}]"
            if not isinstance(want, dict) or not isinstance(got, dict):
                yield from self._exact(label, item_path, want, got)
                continue
            for name, kind in members.items():
                if name not in want:
                    continue
                member_path = _child(item_path, name)
                if name not in got:
                    yield _difference(label, member_path, want[name], None, "missing field")
                    continue
                yield from self._value(
                    label, member_path, rules, prefix + name, kind, want[name], got[name]
                )

    def _reference(self, label: str, path: str, expected: Any, actual: Any) -> Iterator[Mismatch]:
        if expected is None or not isinstance(expected, str):
            yield from self._exact(label, path, expected, actual)
            return
        mapped = self._id_map.get(expected)
        if mapped is None:
            yield _difference(
                label,
                path,
                expected,
                actual,
                f"refers to archive id {expected!r}, which the id mapping does not map "
                "(the referenced record was not imported)",
            )
        elif actual != mapped:
            if actual is None:
                why = "the reference was dropped"
            elif isinstance(actual, str) and actual in self._archive_id_of:
                why = f"refers to the record of archive id {self._archive_id_of[actual]!r}"
            else:
                why = "refers to a record the id mapping does not know"
            yield _difference(
                label,
                path,
                mapped,
                actual,
                f"wrong reference: archive id {expected!r} maps to {mapped!r}; {why}",
            )

    def _references(self, label: str, path: str, expected: Any, actual: Any) -> Iterator[Mismatch]:
        if not isinstance(expected, list) or not isinstance(actual, list):
            yield from self._exact(label, path, expected, actual)
            return
        if len(expected) != len(actual):
            yield _difference(
                label,
                path,
                expected,
                actual,
                f"expected {len(expected)} references, got {len(actual)}",
            )
            return
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            yield from self._reference(label, f"{path}[{index}]", want, got)

    def _object(
        self,
        label: str,
        path: str,
        expected: Mapping[str, Any],
        actual: Mapping[str, Any],
        skip: frozenset[str] = frozenset(),
    ) -> Iterator[Mismatch]:
        for name, want in expected.items():
            if name in skip:
                continue
            member_path = _child(path, name)
            if name not in actual:
                yield _difference(label, member_path, want, None, "missing field")
            else:
                yield from self._exact(label, member_path, want, actual[name])

    def _exact(self, label: str, path: str, expected: Any, actual: Any) -> Iterator[Mismatch]:
        if isinstance(expected, dict) and isinstance(actual, dict):
            # Members only the platform has are its extensions (COMMON C5).
            yield from self._object(label, path, expected, actual)
        elif isinstance(expected, list) and isinstance(actual, list):
            if len(expected) != len(actual):
                yield _difference(
                    label,
                    path,
                    expected,
                    actual,
                    f"expected {len(expected)} entries, got {len(actual)}",
                )
                return
            for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
                yield from self._exact(label, f"{path}[{index}]", want, got)
        elif isinstance(expected, str) and isinstance(actual, str):
            if expected != actual:
                yield _difference(label, path, expected, actual, _text_reason(expected, actual))
        elif type(expected) is not type(actual):
            # 1, 1.0 and true are equal in Python but not the same JSON value.
            yield _difference(
                label,
                path,
                expected,
                actual,
                f"expected a JSON {json_kind(expected)}, got a JSON {json_kind(actual)}"
                if json_kind(expected) != json_kind(actual)
                else f"the number is written differently ({_show(actual)} for {_show(expected)})",
            )
        elif expected != actual:
            yield _difference(label, path, expected, actual, "different value")


def _timestamp(label: str, path: str, expected: Any, actual: Any) -> Iterator[Mismatch]:
    try:
        want = instant_millis(expected)
    except (TypeError, ValueError):
        # The archive itself is malformed here; fall back to plain equality.
        if expected != actual or type(expected) is not type(actual):
            yield _difference(label, path, expected, actual, "different value")
        return
    if not isinstance(actual, str):
        yield _difference(
            label,
            path,
            expected,
            actual,
            f"a JSON {json_kind(actual)} where an RFC 3339 timestamp string is required",
        )
        return
    try:
        got = instant_millis(actual)
    except ValueError:
        yield _difference(label, path, expected, actual, "not an RFC 3339 date-time with an offset")
        return
    if got != want:
        later = "later" if got > want else "earlier"
        yield _difference(
            label,
            path,
            expected,
            actual,
            f"a different instant: {human_duration(abs(got - want) / 1000)} {later} "
            "(compared to the millisecond)",
        )


def _money(label: str, path: str, expected: Any, actual: Any) -> Iterator[Mismatch]:
    if not isinstance(actual, str):
        yield _difference(
            label,
            path,
            expected,
            actual,
            f"a JSON {json_kind(actual)} where a decimal string is required",
        )
        return
    if not is_money(actual):
        reason = (
            "exponent notation in money; a plain decimal string is required"
            if "e" in actual.lower()
            else f"not a decimal string matching {MONEY_PATTERN.pattern}"
        )
        yield _difference(label, path, expected, actual, reason)
        return
    if not is_money(expected):
        if expected != actual:
            yield _difference(label, path, expected, actual, "different value")
        return
    if Decimal(actual) != Decimal(expected):
        artefact = len(actual.replace("-", "").replace(".", "").lstrip("0")) >= 15 and float(
            actual
        ) == float(expected)
        reason = (
            "a binary floating-point artefact: the amount went through a float"
            if artefact
            else "a different amount"
        )
        yield _difference(label, path, expected, actual, reason)


def _text_reason(expected: str, actual: str) -> str:
    # Name the usual ways platforms alter text, so a finding says what went
    # wrong rather than only that something did.
    if unicodedata.normalize("NFC", expected) == unicodedata.normalize("NFC", actual):
        return "text differs only by Unicode normalisation (NFC/NFD); it must not be normalised"
    if expected.strip() == actual.strip():
        return "leading or trailing whitespace changed"
    if _newlines(expected) == _newlines(actual):
        return "newlines converted (CR, LF and CRLF must be kept as sent)"
    if html.escape(expected) == actual or html.escape(expected, quote=False) == actual:
        return "text HTML-escaped in JSON"
    if html.unescape(expected) == actual:
        return "HTML entities in the text decoded"
    if expected.replace("\x00", "") == actual:
        return "U+0000 dropped"
    if "\ufffd" in actual and "\ufffd" not in expected:
        return "characters replaced by U+FFFD (an encoding error on the platform)"
    for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
        if want != got:
            return (
                f"text differs at code point {index}: "
                f"expected U+{ord(want):04X}, got U+{ord(got):04X}"
            )
    return f"text differs in length: expected {len(expected)} code points, got {len(actual)}"


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if _NAME.fullmatch(name) else f"{path}[{json.dumps(name)}]"


def _show(value: Any) -> str:
    # ASCII escapes make invisible and look-alike characters visible in a report.
    text = json.dumps(value, ensure_ascii=True, default=repr)
    return text if len(text) <= 80 else text[:77] + "..."
