"""OCI digests: the grammar, the registered encodings, verifying bytes."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.cloud.digests import Digest, digest_of, matches, parse

EMPTY = "sha256:" + hashlib.sha256(b"").hexdigest()


def test_a_sha256_digest_parses_and_prints_back() -> None:
    digest = parse(EMPTY)
    assert digest == Digest("sha256", EMPTY[7:]) and str(digest) == EMPTY


@pytest.mark.parametrize(
    "value",
    [
        "sha256:" + "A" * 64,  # registered encodings are lower-case hex
        "sha256:" + "a" * 63,
        "sha512:" + "a" * 64,
        "sha256" + "a" * 64,
        "SHA256:" + "a" * 64,
        ":abc",
        "sha256:",
        None,
        42,
    ],
)
def test_malformed_digests_are_refused(value: object) -> None:
    assert parse(value) is None


def test_another_algorithm_is_well_formed_but_not_verifiable() -> None:
    digest = parse("blake3:" + "a" * 64)
    assert digest is not None and matches(digest, b"") is None
    assert parse("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8") is not None


@given(st.binary(max_size=256), st.sampled_from(["sha256", "sha512"]))
def test_bytes_match_their_own_digest_and_not_a_changed_one(data: bytes, algorithm: str) -> None:
    digest = parse(digest_of(data, algorithm))
    assert digest is not None and matches(digest, data) is True
    assert matches(digest, data + b"\0") is False


def test_the_suite_computes_only_the_registered_algorithms() -> None:
    with pytest.raises(ValueError, match="sha256"):
        digest_of(b"", "md5")
