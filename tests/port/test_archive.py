"""The port/1.0 archive reader and writer: line cutting, parsing, manifests."""

from __future__ import annotations

import itertools
import json
import tracemalloc
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.port.archive import (
    Archive,
    ArchiveFormatError,
    Line,
    NdjsonReader,
    _find_lone_surrogate,
    _no_constants,
    _object_without_duplicates,
    iter_lines,
    parse_line,
    parse_raw,
    read_archive,
    serialize,
)
from conformance.port.strategies import GeneratedArchive, archives


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at the given offsets (clamped, sorted, duplicates make empty chunks)."""
    points = sorted(min(max(cut, 0), len(data)) for cut in cuts)
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def expected_lines(body: bytes) -> list[bytes]:
    """The model of NDJSON line cutting the standard states."""
    if not body:
        return []
    parts = body.split(b"\n")
    # The final newline starts no line.
    return parts[:-1] if body.endswith(b"\n") else parts


# --------------------------------------------------------------------------- NdjsonReader


@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=20))
def test_reader_cuts_any_bytes_like_the_model_whatever_the_chunking(
    body: bytes, cuts: list[int]
) -> None:
    lines = list(iter_lines(chunked(body, cuts)))
    assert [line.raw for line in lines] == expected_lines(body)
    assert [line.number for line in lines] == list(range(1, len(lines) + 1))


@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=20))
def test_the_raw_lines_are_the_lines_numbered_from_lines_read(body: bytes, cuts: list[int]) -> None:
    # The download's path: bytes per line, the first numbered lines_read + 1.
    reader = NdjsonReader()
    numbered: list[tuple[int, bytes]] = []
    for chunk in chunked(body, cuts):
        first = reader.lines_read + 1
        numbered += enumerate(reader.feed_raw(chunk), first)
    numbered += [(line.number, line.raw) for line in reader.close()]
    assert numbered == [(line.number, line.raw) for line in iter_lines([body])]


@pytest.mark.parametrize(
    ("body", "raws"),
    [
        (b"", []),
        (b"\n", [b""]),
        (b"a", [b"a"]),
        (b"a\n", [b"a"]),
        (b"a\n\nb", [b"a", b"", b"b"]),
        (b"a\n\n", [b"a", b""]),
        (b"a\r\nb\r\n", [b"a\r", b"b\r"]),
    ],
)
def test_reader_numbers_lines_from_one_and_the_final_newline_starts_none(
    body: bytes, raws: list[bytes]
) -> None:
    assert list(iter_lines([body])) == [Line(n, raw) for n, raw in enumerate(raws, 1)]


def test_reader_returns_lines_as_soon_as_a_chunk_completes_them() -> None:
    reader = NdjsonReader()
    assert reader.feed(b'{"a":') == []
    assert reader.feed(b"1}\n{") == [Line(1, b'{"a":1}')]
    assert reader.lines_read == 1
    assert reader.close() == [Line(2, b"{")]
    assert reader.close() == []


def test_reader_refuses_chunks_after_close() -> None:
    reader = NdjsonReader()
    reader.close()
    with pytest.raises(ValueError, match="after close"):
        reader.feed(b"x")


def test_max_line_bytes_allows_the_limit_and_names_the_line_past_it() -> None:
    reader = NdjsonReader(max_line_bytes=4)
    assert reader.feed(b"1234\n") == [Line(1, b"1234")]
    with pytest.raises(ArchiveFormatError) as caught:
        reader.feed(b"12345\n")
    assert caught.value.line_number == 2
    assert "line 2" in str(caught.value)
    with pytest.raises(ValueError, match="after close"):
        reader.feed(b"1\n")


def test_a_line_that_never_ends_is_refused_before_its_newline() -> None:
    reader = NdjsonReader(max_line_bytes=10)
    reader.feed(b"ok\n")
    reader.feed(b"x" * 6)
    # Refused while still unfinished: the buffer must not grow to the end.
    with pytest.raises(ArchiveFormatError) as caught:
        reader.feed(b"x" * 6)
    assert caught.value.line_number == 2


def test_reader_memory_is_bounded_by_the_longest_line_not_the_archive() -> None:
    line = b'{"type":"Post","content":"' + b"x" * 1000 + b'"}\n'
    total = 16 * 1024 * 1024

    def chunks() -> Iterator[bytes]:
        # Chunk boundaries fall mid-line, as export parts may.
        block = line * 64
        sent = 0
        while sent < total:
            yield block[:40_000]
            yield block[40_000:]
            sent += len(block)

    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_lines(chunks()))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count >= total // len(line)
    # A 16 MiB archive read with well under 1 MiB: nothing accumulates.
    assert peak < 1024 * 1024


# --------------------------------------------------------------------------- parse_line


def test_parse_line_keeps_floats_as_floats_and_strings_as_strings() -> None:
    obj = parse_line(Line(1, b'{"total":19.9,"unit_price":"19.90","n":3,"big":1e400}'))
    assert type(obj["total"]) is float
    assert obj["unit_price"] == "19.90"
    assert type(obj["n"]) is int
    assert obj["big"] == float("inf")


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b'{"a":"\xff"}', "invalid UTF-8"),
        (b'{"a":"\xe2\x82"}', "invalid UTF-8"),
        (b"", "empty line"),
        (b" \t\r", "empty line"),
        (b"[1,2]", "JSON array"),
        (b'"text"', "JSON string"),
        (b"3.5", "JSON number"),
        (b"null", "JSON null"),
        (b"{", "not valid JSON"),
        (b'{"a":NaN}', "NaN"),
        (b'{"a":Infinity}', "Infinity"),
        (b'{"a":1,"a":2}', "duplicate key"),
        (b'{"a":"\\ud800"}', "lone surrogate"),
        (b'{"a":["\\udc00"]}', "$.a[0]"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a":' + b"1" * 5000 + b"}", "not valid JSON"),
    ],
)
def test_parse_line_rejects_what_is_not_a_json_object_naming_the_line(
    raw: bytes, fragment: str
) -> None:
    with pytest.raises(ArchiveFormatError) as caught:
        parse_line(Line(7, raw))
    assert caught.value.line_number == 7
    assert fragment in caught.value.detail


def _parsed_the_full_way(raw: bytes, number: int) -> object:
    """What ``parse_line`` answered before its scanner shortcut: the value or the error."""
    decoder = json.JSONDecoder(
        object_pairs_hook=_object_without_duplicates, parse_constant=_no_constants
    )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"invalid UTF-8 at byte {exc.start}: {exc.reason}"
    if not text.strip(" \t\r"):
        return "empty line where a JSON object is required"
    try:
        value = decoder.decode(text)
    except RecursionError:
        return "JSON nested too deeply to decode"
    except ValueError as exc:
        return f"not valid JSON: {exc}"
    if not isinstance(value, dict):
        return "not an object"
    if "\\u" in text and _find_lone_surrogate(value, "$") is not None:
        return "lone surrogate"
    return value


def _parsed(raw: bytes, number: int) -> object:
    try:
        return parse_raw(raw, number)
    except ArchiveFormatError as exc:
        assert exc.line_number == number
        if exc.detail.startswith("expected a JSON object"):
            return "not an object"
        return "lone surrogate" if "lone surrogate" in exc.detail else exc.detail


TOKENS = [b"{", b"}", b"[", b"]", b":", b",", b'"a"', b'"b"', b'"a"', b"1", b"-0.5e3", b"null"]
TOKENS += [b" ", b"\t", b"\r", b'"\\u00e9"', b'"\\ud800"', b"NaN", b"\xff", b"\xc3\xa9", b'"x\\":"']


@settings(max_examples=400, derandomize=True, database=None)
@given(
    st.lists(st.sampled_from(TOKENS), max_size=14).map(b"".join)
    | st.dictionaries(st.sampled_from("abc"), st.integers() | st.text(max_size=3), max_size=4)
    .map(lambda d: json.dumps(d).encode())
    .flatmap(lambda body: st.sampled_from([body, b" " + body, body + b"\t", body[:-1]]))
)
def test_the_scanner_shortcut_answers_as_the_full_decoder(raw: bytes) -> None:
    assert _parsed(raw, 3) == _parsed_the_full_way(raw, 3)


@pytest.mark.parametrize(
    "raw",
    [
        # Duplicates in records that are otherwise ordinary, top level and nested, with
        # equal and different values, before and after the other members.
        b'{"type":"Post","id":"a","content":"x","visibility":"public","id":"a"}',
        b'{"id":"a","type":"Post","id":"b","media_ids":[],"in_reply_to":null}',
        b'{"type":"Contact","handles":[{"platform":"x","handle":"@a","handle":"@b"}]}',
        b'{"type":"Order","items":[{"sku":"s"},{"sku":"t","sku":"t"}],"total":"1"}',
        b'{"a":{"b":{"c":1,"c":1}}}',
        b'{"a":1, "a":2}',
        b'{"a" :1,"a" :2}',
        b'{"\\u0061":1,"a":2}',  # the same name, once escaped
        b'{"t":"2024-01-01T00:00:00Z","u":"x\\":y","t":"z"}',  # colons and quotes in text
    ],
)
def test_a_duplicate_key_is_refused_wherever_it_sits(raw: bytes) -> None:
    with pytest.raises(ArchiveFormatError, match="duplicate key") as caught:
        parse_raw(raw, 9)
    assert caught.value.line_number == 9


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (b' {"a":1}', {"a": 1}),
        (b'{"a":1}\r', {"a": 1}),
        (b'\t{"a":"x\\":y"} ', {"a": 'x":y'}),
        (b'{"a":"b","b":"a","ab":"ba"}', {"a": "b", "b": "a", "ab": "ba"}),
    ],
)
def test_whitespace_around_the_object_is_accepted_as_before(raw: bytes, value: object) -> None:
    assert parse_raw(raw, 1) == value


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b'{"a":1} x', "Extra data"),
        (b'{"a":1}{"b":2}', "Extra data"),
        (b'{"a":1', "not valid JSON"),
        (b'{"a":"\xe9"}', "invalid UTF-8 at byte 6"),
        (b'{"a":"\xc3"}', "invalid UTF-8 at byte 6"),
    ],
)
def test_what_follows_or_breaks_the_object_is_refused(raw: bytes, fragment: str) -> None:
    with pytest.raises(ArchiveFormatError, match=fragment):
        parse_raw(raw, 1)


def test_parse_line_accepts_paired_surrogate_escapes_and_raw_utf8() -> None:
    obj = parse_line(Line(1, '{"a":"\\ud83d\\ude00","b":"\U0001f600"}'.encode()))
    assert obj == {"a": "\U0001f600", "b": "\U0001f600"}


# --------------------------------------------------------------------------- read_archive


def test_manifest_is_only_ever_line_one() -> None:
    body = (
        b'{"type":"Manifest","format":"port/1.0","counts":{}}\n'
        b'{"type":"Post","id":"a1"}\n'
        b'{"type":"Manifest","format":"port/1.0"}\n'
    )
    archive = read_archive([body])
    assert archive.manifest is not None
    assert archive.manifest["format"] == "port/1.0"
    assert [r["type"] for r in archive.records] == ["Post", "Manifest"]
    assert archive.record_lines == [2, 3]


def test_archive_without_manifest_has_all_lines_as_records() -> None:
    archive = read_archive([b'{"type":"Post","id":"a1"}\n{"id":"x"}\n'])
    assert archive.manifest is None
    assert archive.record_lines == [1, 2]
    assert archive.counts() == {"Post": 1, "": 1}
    assert archive.by_type() == {"Post": [{"type": "Post", "id": "a1"}], "": [{"id": "x"}]}


def test_read_archive_stops_at_the_first_bad_line_with_its_number() -> None:
    with pytest.raises(ArchiveFormatError) as caught:
        read_archive([b'{"type":"Post"}\n', b"\n", b'{"type":"Post"}\n'])
    assert caught.value.line_number == 2


# --------------------------------------------------------------------------- serialize


def test_serialize_writes_manifest_with_exact_counts_and_a_final_newline() -> None:
    records = [
        {"type": "Post", "id": "a1"},
        {"type": "Media", "id": "a2"},
        {"type": "Post", "id": "a3"},
    ]
    body = serialize(records, subject="u1", generated_at="2024-01-01T00:00:00Z")
    assert body.endswith(b"\n") and not body.endswith(b"\n\n")
    lines = body.split(b"\n")[:-1]
    manifest = json.loads(lines[0])
    assert manifest == {
        "type": "Manifest",
        "format": "port/1.0",
        "subject": "u1",
        "generated_at": "2024-01-01T00:00:00Z",
        "counts": {"Media": 1, "Post": 2},
    }
    assert [json.loads(line) for line in lines[1:]] == records


def test_serialize_without_manifest_or_subject() -> None:
    assert serialize([], with_manifest=False) == b""
    manifest = json.loads(serialize([]).split(b"\n")[0])
    assert "subject" not in manifest
    assert manifest["counts"] == {}


def test_serialize_writes_compact_unescaped_utf8_and_keeps_one_record_per_line() -> None:
    record = {"type": "Post", "content": "\u00e9\n\r\u2028\U0001f600\u0000<&>"}
    body = serialize([record], with_manifest=False)
    assert body == ('{"type":"Post","content":"\u00e9\\n\\r\u2028\U0001f600\\u0000<&>"}\n'.encode())


def test_serialize_refuses_a_manifest_among_records_and_nan() -> None:
    with pytest.raises(ValueError, match="Manifest"):
        serialize([{"type": "Manifest"}])
    with pytest.raises(ValueError):
        serialize([{"type": "Order", "total": float("nan")}], with_manifest=False)


def split_points(body: bytes) -> st.SearchStrategy[list[int]]:
    """Cut points, biased towards the inside of multi-byte UTF-8 characters."""
    inside = [i for i, byte in enumerate(body) if 0x80 <= byte < 0xC0]
    anywhere = st.integers(0, len(body))
    if not inside:
        return st.lists(anywhere, max_size=30)
    return st.lists(st.one_of(anywhere, st.sampled_from(inside)), max_size=30)


@settings(max_examples=60, deadline=None)
@given(archives(max_records=25), st.booleans(), st.data())
def test_serialize_then_read_round_trips_under_any_chunking(
    generated: GeneratedArchive, with_manifest: bool, data: st.DataObject
) -> None:
    body = generated.body(with_manifest=with_manifest, subject="subject-\u00fc")
    cuts = data.draw(split_points(body))
    archive = read_archive(chunked(body, cuts))
    assert archive.records == generated.records
    if with_manifest:
        assert archive.manifest is not None
        assert archive.manifest["counts"] == archive.counts()
        assert archive.manifest["subject"] == "subject-\u00fc"
        assert archive.record_lines == list(range(2, len(generated.records) + 2))
    else:
        assert archive.manifest is None


def test_archive_helpers_group_in_order() -> None:
    archive = Archive(
        manifest=None,
        records=[{"type": "Post", "id": "1"}, {"type": "Review"}, {"type": "Post", "id": "2"}],
    )
    assert [r.get("id") for r in archive.by_type()["Post"]] == ["1", "2"]
    assert archive.counts() == {"Post": 2, "Review": 1}
