"""Keys the suite writes: every script, within S3's rules and the suite's."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings

from conformance.cloud.keys import (
    MAX_KEY_BYTES,
    TRICKY_KEYS,
    allowed,
    key_sets,
    longest_key,
    object_keys,
)


@settings(max_examples=300)
@given(object_keys())
def test_generated_keys_are_allowed(key: str) -> None:
    assert allowed(key)
    assert 1 <= len(key.encode("utf-8")) <= MAX_KEY_BYTES
    assert not any(unicodedata.category(c) == "Cc" for c in key)


@given(key_sets())
def test_key_sets_are_distinct(keys: list[str]) -> None:
    assert len(set(keys)) == len(keys) >= 1


def test_the_longest_key_is_exactly_1024_bytes() -> None:
    for char in ("é", "a", "😀", "键"):
        key = longest_key(char)
        assert len(key.encode("utf-8")) == MAX_KEY_BYTES
        assert allowed(key)


def test_tricky_keys_are_allowed_and_hold_each_hazard() -> None:
    assert all(allowed(k) for k in TRICKY_KEYS)
    joined = "".join(TRICKY_KEYS)
    for hazard in (" ", "+", "%", "?", "#", "&", "//", "\\", "😀"):
        assert hazard in joined
    nfc = [k for k in TRICKY_KEYS if unicodedata.is_normalized("NFC", k)]
    assert len(nfc) < len(TRICKY_KEYS)  # a decomposed key is written next to its composed twin


def test_rules() -> None:
    assert not allowed("")
    assert not allowed("a\x00b")
    assert not allowed("tab\there")
    assert not allowed("del\x7f")
    assert not allowed("a/./b")
    assert not allowed("..")
    assert allowed("a/.../b")
    assert allowed(".hidden")
    assert not allowed("x" * (MAX_KEY_BYTES + 1))
