"""Generated objects: sizes, bytes, types and metadata within what S3 carries."""

from __future__ import annotations

from hypothesis import given

from conformance.cloud import etags
from conformance.cloud.keys import object_keys
from conformance.cloud.objects import (
    DEFAULT_TYPES,
    MIB,
    WrittenObject,
    body,
    content_types,
    metadata,
    split_parts,
    written_objects,
)


def test_bodies_are_seeded() -> None:
    assert body(1000, 7) == body(1000, 7) != body(1000, 8)
    assert body(0, 1) == b""


@given(content_types())
def test_no_default_type_is_written(media_type: str) -> None:
    assert media_type.split(";")[0].strip().lower() not in DEFAULT_TYPES


@given(metadata())
def test_metadata_is_printable_ascii_without_edge_spaces(meta: dict[str, str]) -> None:
    assert len({n.lower() for n in meta}) == len(meta) <= 4
    for name, value in meta.items():
        assert name and name[0].isalnum() and name.isascii()
        assert value == value.strip() and value.isascii() and value.isprintable()


@given(written_objects(object_keys(), max_size=2000))
def test_written_objects_describe_themselves(obj: WrittenObject) -> None:
    assert len(obj.data) == obj.size <= 2000
    assert repr(obj.key) in obj.describe()


def test_parts_and_etags_follow_the_upload() -> None:
    data = body(2 * MIB + 5, 3)
    assert [len(p) for p in split_parts(data, MIB)] == [MIB, MIB, 5]
    assert split_parts(b"", MIB) == [b""]
    whole = WrittenObject("k", len(data), 3, "text/plain")
    parted = WrittenObject("k", len(data), 3, "text/plain", part_size=MIB)
    assert whole.etag(data) == etags.single_part(data)
    assert parted.etag(data) == etags.multipart(split_parts(data, MIB))
    assert "in 3 part(s)" in parted.describe()
