"""Reading and writing the ``port/1.0`` archive: UTF-8 NDJSON, one JSON object per line.

An export arrives in parts whose boundaries fall anywhere, even inside a UTF-8
character, so reading is split in two steps: :class:`NdjsonReader` cuts a
stream of byte chunks into numbered lines while holding at most one line, and
:func:`parse_line` turns one line into a JSON object. :func:`read_archive`
combines both for archives small enough to hold; :func:`serialize` writes the
bodies the suite imports. A download of millions of lines takes the same two
steps without a :class:`Line` per line (:meth:`NdjsonReader.feed_raw`,
:func:`parse_raw`): at that scale each object made per line shows.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

FORMAT = "port/1.0"
MANIFEST_TYPE = "Manifest"

JsonObject = dict[str, Any]


class ArchiveFormatError(ValueError):
    """A line of an archive is not a JSON object encoded as UTF-8 (or is too long).

    ``line_number`` counts from 1 like the importer's ``rejected[].line`` does,
    so a finding can point at the same line the platform would name.
    """

    def __init__(self, line_number: int, detail: str) -> None:
        super().__init__(f"line {line_number}: {detail}")
        self.line_number = line_number
        self.detail = detail


@dataclass(frozen=True)
class Line:
    """One line of an archive: its number (from 1) and its bytes without the newline."""

    number: int
    raw: bytes


class NdjsonReader:
    """Cut a stream of byte chunks into :class:`Line` objects.

    Feed the chunks in order with :meth:`feed`, then call :meth:`close`. Each
    call returns the lines it completed. Only the unfinished line is buffered,
    so memory stays bounded by the longest line whatever the archive's size.
    The final newline starts no line; an empty line between two newlines is a
    line (the importer must reject it, so the reader must not hide it).

    A line longer than ``max_line_bytes`` raises :class:`ArchiveFormatError`
    as soon as the buffer passes the limit. The reader is closed by that
    error: a stream with such a line is not read further (and lines the
    same chunk completed before it are not returned).
    """

    def __init__(self, *, max_line_bytes: int | None = None) -> None:
        if max_line_bytes is not None and max_line_bytes < 0:
            raise ValueError(f"max_line_bytes must be >= 0, got {max_line_bytes}")
        self._max = max_line_bytes
        self._pending = bytearray()
        self._next_number = 1
        self._closed = False

    @property
    def lines_read(self) -> int:
        """How many complete lines the reader has returned so far."""
        return self._next_number - 1

    def feed(self, chunk: bytes) -> list[Line]:
        """Add the next chunk; return the lines it completed, in order."""
        first = self._next_number
        return [Line(number, raw) for number, raw in enumerate(self.feed_raw(chunk), first)]

    def feed_raw(self, chunk: bytes) -> list[bytes]:
        """:meth:`feed` without a :class:`Line` per line: the bytes of the lines completed.

        The first is line ``lines_read + 1`` (as it was before the call). A
        download of millions of lines takes them this way: the chunk is cut by
        one ``split`` at C speed rather than a Python step per line.
        """
        if self._closed:
            raise ValueError("NdjsonReader.feed() called after close() or a too-long line")
        raws = chunk.split(b"\n")
        tail = raws.pop()  # the line the chunk leaves unfinished (b"" after a final newline)
        # Join with the buffered head only when there is one, so a chunk of many
        # short lines is cut without copying the buffer.
        if raws and self._pending:
            self._pending += raws[0]
            raws[0] = bytes(self._pending)
            self._pending.clear()
        self._pending += tail
        if self._max is not None:
            self._hold_to_limit(raws, self._max)
        self._next_number += len(raws)
        return raws

    def close(self) -> list[Line]:
        """End the stream; return the last line if the archive did not end with a newline."""
        if self._closed:
            return []
        self._closed = True
        if not self._pending:
            return []
        raw = bytes(self._pending)
        self._pending.clear()
        if self._max is not None and len(raw) > self._max:
            self._too_long(self._next_number, len(raw), finished=True)
        line = Line(self._next_number, raw)
        self._next_number += 1
        return [line]

    def _hold_to_limit(self, raws: list[bytes], limit: int) -> None:
        """Refuse the first line past the limit: a finished one, else the unfinished one.

        The unfinished line is checked now rather than at its newline: a line
        that never ends must not grow the buffer without limit.
        """
        if raws and max(map(len, raws)) > limit:
            index = next(i for i, raw in enumerate(raws) if len(raw) > limit)
            self._too_long(self._next_number + index, len(raws[index]), finished=True)
        if len(self._pending) > limit:
            self._too_long(self._next_number + len(raws), len(self._pending), finished=False)

    def _too_long(self, number: int, size: int, *, finished: bool) -> None:
        self._closed = True
        self._pending.clear()
        self._next_number = number  # the lines before it were read, not this one
        so_far = "" if finished else " so far"
        raise ArchiveFormatError(
            number,
            f"line is {size} bytes{so_far}; at most {self._max} bytes are accepted "
            "(raise max_line_bytes if the platform's records are legitimately this large)",
        )


def iter_lines(chunks: Iterable[bytes], *, max_line_bytes: int | None = None) -> Iterator[Line]:
    """Yield the lines of an archive given as byte chunks, holding at most one line."""
    reader = NdjsonReader(max_line_bytes=max_line_bytes)
    for chunk in chunks:
        yield from reader.feed(chunk)
    yield from reader.close()


def parse_line(line: Line) -> JsonObject:
    """Decode one line as a JSON object.

    Floats stay floats (never ``Decimal``) so that a check can tell a JSON
    number from the decimal string the format requires for money. Raises
    :class:`ArchiveFormatError` naming the line for invalid UTF-8, invalid
    JSON (including NaN/Infinity, duplicate keys and lone surrogate escapes,
    none of which is interoperable JSON) and any value other than an object.
    """
    return parse_raw(line.raw, line.number)


def parse_raw(raw: bytes, number: int) -> JsonObject:
    """:func:`parse_line` for line ``number`` given as its bytes (no :class:`Line` made)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArchiveFormatError(
            number, f"invalid UTF-8 at byte {exc.start}: {exc.reason}"
        ) from None
    # The common case, a line that is one JSON value and nothing else, is decoded
    # by the scanner itself (the decoder's Python layers skipped); anything else
    # (whitespace around the value, an error) is decoded again the full way, which
    # gives the same value or raises the same error.
    try:
        value, end = _SCAN(text, 0)
    except (StopIteration, ValueError, RecursionError):
        value, end = None, -1
    if end != len(text):
        value = _decode(text, number)
    if not isinstance(value, dict):
        raise ArchiveFormatError(number, f"expected a JSON object, got a JSON {json_kind(value)}")
    # Decoded UTF-8 holds no surrogate: one can only come from a \\u escape.
    surrogate_path = _find_lone_surrogate(value, "$") if "\\u" in text else None
    if surrogate_path is not None:
        raise ArchiveFormatError(
            number,
            f"{surrogate_path} holds a lone surrogate escape; text must be Unicode scalar values",
        )
    return value


def _decode(text: str, number: int) -> Any:
    """The line's value by the full decoder, or the :class:`ArchiveFormatError` it earns."""
    if not text.strip(" \t\r"):
        raise ArchiveFormatError(number, "empty line where a JSON object is required")
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise ArchiveFormatError(number, "JSON nested too deeply to decode") from None
    except ValueError as exc:
        # JSONDecodeError is a ValueError; so are our hooks' errors and
        # Python's limit on the digits of an integer.
        raise ArchiveFormatError(number, f"not valid JSON: {exc}") from None


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> JsonObject:
    # Duplicate names make a record mean different things to different
    # parsers (first wins or last wins), so they are refused outright.
    obj: JsonObject = dict(pairs)
    if len(obj) != len(pairs):  # the rare case: find which name came twice
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return obj


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


# One decoder for every line (json.loads with hooks would build one per call).
_DECODER = json.JSONDecoder(
    object_pairs_hook=_object_without_duplicates, parse_constant=_no_constants
)
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]
"""The scanner ``_DECODER`` decodes with (the same hooks): one value from an index,
no whitespace skipped, nothing checked after it."""


def _find_lone_surrogate(value: Any, path: str) -> str | None:
    # json.loads accepts "\ud800" escapes and returns unpaired surrogates,
    # which no UTF-8 text can carry; report where one sits.
    if isinstance(value, str):
        return path if any("\ud800" <= ch <= "\udfff" for ch in value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _find_lone_surrogate(key, f"{path} (a key)") or _find_lone_surrogate(
                item, f"{path}.{key}"
            )
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _find_lone_surrogate(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def json_kind(value: Any) -> str:
    """The JSON type name of a decoded value (``"number"``, ``"array"``...), for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def record_type(record: Mapping[str, Any]) -> str:
    """The record's ``type``, or ``""`` when it has none that is a string.

    Grouping untyped records under ``""`` keeps them visible to a check
    instead of dropping them.
    """
    value = record.get("type")
    return value if isinstance(value, str) else ""


class LineSink(Protocol):
    """What takes an archive's decoded lines in order: an :class:`Archive` holds them,
    ``conformity.ArchiveCheck`` checks them as they stream."""

    def add(self, line: int, obj: JsonObject) -> None:
        """One decoded line (numbered from 1)."""


@dataclass
class Archive:
    """A decoded archive: the manifest line (if line 1 is one) and the records after it.

    ``record_lines[i]`` is the line number of ``records[i]`` when the archive
    was read from bytes (empty otherwise), so findings can cite lines.
    """

    manifest: JsonObject | None
    records: list[JsonObject]
    record_lines: list[int] = field(default_factory=list)

    def add(self, line: int, obj: JsonObject) -> None:
        """One decoded line: the manifest if it is line 1, else a record.

        A later Manifest line stays among the records, where a check will see it.
        """
        if line == 1 and obj.get("type") == MANIFEST_TYPE:
            self.manifest = obj
        else:
            self.records.append(obj)
            self.record_lines.append(line)

    def by_type(self) -> dict[str, list[JsonObject]]:
        """The records grouped by ``type``, each group in archive order."""
        groups: dict[str, list[JsonObject]] = {}
        for record in self.records:
            groups.setdefault(record_type(record), []).append(record)
        return groups

    def counts(self) -> dict[str, int]:
        """How many records of each ``type`` the archive holds (the manifest excluded)."""
        return dict(Counter(record_type(record) for record in self.records))


def read_archive(chunks: Iterable[bytes], *, max_line_bytes: int | None = None) -> Archive:
    """Read a whole archive from its byte chunks (the parts in order).

    The first line is the manifest when its ``type`` is ``"Manifest"``; any
    later Manifest line stays among the records, where a check will see it.
    Raises :class:`ArchiveFormatError` at the first line that is not a JSON
    object; use :func:`iter_lines` and :func:`parse_line` to collect every bad
    line instead, or to check an archive too large to hold.
    """
    manifest: JsonObject | None = None
    records: list[JsonObject] = []
    record_lines: list[int] = []
    for line in iter_lines(chunks, max_line_bytes=max_line_bytes):
        obj = parse_line(line)
        if line.number == 1 and obj.get("type") == MANIFEST_TYPE:
            manifest = obj
        else:
            records.append(obj)
            record_lines.append(line.number)
    return Archive(manifest=manifest, records=records, record_lines=record_lines)


def serialize(
    records: Iterable[JsonObject],
    *,
    subject: str | None = None,
    with_manifest: bool = True,
    generated_at: str | None = None,
) -> bytes:
    """Write records as a ``port/1.0`` body: compact UTF-8 NDJSON ending with a newline.

    With ``with_manifest`` the manifest comes first, with the exact count of
    each type present (types with no record are left out) and ``generated_at``
    (now, in UTC, when not given). ``subject`` is left out of the manifest
    when it is ``None``: an import body does not need it, an export does.
    Text is written unescaped (``ensure_ascii=False``) so the bytes carry the
    code points the suite means, not escapes a platform might treat apart.
    """
    records = list(records)
    lines: list[bytes] = []
    if with_manifest:
        for index, record in enumerate(records):
            if record.get("type") == MANIFEST_TYPE:
                raise ValueError(
                    f"records[{index}] is a Manifest; pass records only, serialize writes the "
                    "manifest itself"
                )
        manifest: JsonObject = {"type": MANIFEST_TYPE, "format": FORMAT}
        if subject is not None:
            manifest["subject"] = subject
        manifest["generated_at"] = generated_at if generated_at is not None else _now()
        counts = Counter(record_type(record) for record in records)
        manifest["counts"] = {name: counts[name] for name in sorted(counts)}
        lines.append(_encode(manifest))
    lines.extend(_encode(record) for record in records)
    return b"".join(line + b"\n" for line in lines)


def _encode(obj: JsonObject) -> bytes:
    # allow_nan=False: NaN and Infinity are not JSON, and a body that holds
    # them would test the platform's parser rather than its import.
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")


def _now() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S") + f".{now.microsecond // 1000:03d}Z"
