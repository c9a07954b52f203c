"""S3 ETags: single-part and multipart forms, and what makes a received one wrong."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from conformance.cloud import etags

EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def test_single_part_is_the_quoted_md5() -> None:
    assert str(etags.single_part(b"")) == f'"{EMPTY_MD5}"'


def test_multipart_is_the_md5_of_the_part_md5s_with_the_count() -> None:
    parts = [b"a" * 10, b"b" * 3]
    inner = hashlib.md5(hashlib.md5(parts[0]).digest() + hashlib.md5(parts[1]).digest())
    assert str(etags.multipart(parts)) == f'"{inner.hexdigest()}-2"'


def test_a_one_part_upload_still_carries_its_count() -> None:
    assert etags.multipart([b"x"]).parts == 1
    assert etags.multipart([b"x"]) != etags.single_part(b"x")


@given(st.binary(max_size=200))
def test_parse_reads_back_what_str_writes(data: bytes) -> None:
    for tag in (etags.single_part(data), etags.multipart([data, data])):
        assert etags.parse(str(tag)) == tag
        assert etags.problem(tag, str(tag)) is None


@given(st.binary(max_size=64))
def test_upper_case_hex_and_surrounding_space_say_the_same_etag(data: bytes) -> None:
    tag = etags.single_part(data)
    assert etags.problem(tag, f'  "{tag.digest.upper()}" ') is None
    assert etags.same(str(tag), f'"{tag.digest.upper()}"')


def test_what_is_wrong_is_named() -> None:
    tag = etags.single_part(b"abc")
    assert etags.problem(tag, None) == "no ETag was sent"
    assert etags.problem(tag, tag.digest) == "the ETag is not in double quotes"
    assert etags.problem(tag, '"' + "0" * 32 + '"') == "not the MD5 of the object's bytes"
    assert etags.problem(tag, f'"{tag.digest}-1"') is not None
    assert etags.problem(tag, "W/" + str(tag)) is not None
    assert etags.problem(tag, f"&quot;{tag.digest}&quot;") is not None
    parts = etags.multipart([b"a", b"b", b"c"])
    assert "no -3" in (etags.problem(parts, f'"{parts.digest}"') or "")
    assert "not 2" in (etags.problem(parts, f'"{parts.digest}-2"') or "")
    other = etags.multipart([b"a", b"b", b"d"])
    assert etags.problem(parts, str(other)) == "not the MD5 of the concatenated MD5s of the parts"


def test_same_compares_unreadable_values_literally() -> None:
    assert etags.same("abc", "abc")
    assert not etags.same("abc", None)
    assert not etags.same(None, None)


def test_digits_ignore_quoting_but_not_the_multipart_form() -> None:
    tag = etags.single_part(b"x")
    assert etags.digits(str(tag)) == etags.digits(tag.digest.upper()) == tag.digest
    assert etags.digits(str(etags.multipart([b"x"]))) is None
    assert etags.digits("nonsense") is None
    assert etags.digits(None) is None
