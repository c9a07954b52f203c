"""Surgery on S3's XML answers, for the faults in front of an S3 surface.

Edits are made on the bytes with patterns that allow a namespace prefix
and attributes on any element and any whitespace between elements, so that
everything the fault does not mean to change (the namespace or its absence,
indentation, how quotes in an ETag are escaped) stays as the platform wrote
it: the fault breaks one thing, and nothing about the document's form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from urllib.parse import quote, unquote_plus
from xml.sax.saxutils import escape

_PREFIX = rb"(?:[\w.-]+:)?"


def block(name: str) -> re.Pattern[bytes]:
    """A whole element ``name`` (any prefix, attributes), its content and its end tag."""
    tag = name.encode()
    return re.compile(
        rb"<(" + _PREFIX + rb")" + tag + rb"(?:\s[^>]*)?>.*?</\1" + tag + rb"\s*>", re.S
    )


def leaf(name: str) -> re.Pattern[bytes]:
    """A text-only element ``name``: groups ``open``, ``text``, ``close``."""
    tag = name.encode()
    return re.compile(
        rb"(?P<open><(?P<p>" + _PREFIX + rb")" + tag + rb"(?:\s[^>/]*)?>)"
        rb"(?P<text>[^<]*)(?P<close></(?P=p)" + tag + rb"\s*>)"
    )


def root_is(body: bytes, name: str) -> bool:
    """Whether the document's root element is ``name`` (any prefix)."""
    return re.search(rb"<" + _PREFIX + name.encode() + rb"[\s>]", body[:512]) is not None


def text_of(body: bytes, name: str) -> str | None:
    """The (unescaped) text of the first ``name`` leaf, or None."""
    match = leaf(name).search(body)
    return unescape(match.group("text").decode("utf-8")) if match else None


def edit_leaves(body: bytes, name: str, change: Callable[[str], str]) -> bytes:
    """Every ``name`` leaf's text (unescaped) passed through ``change`` and escaped again."""

    def replace(match: re.Match[bytes]) -> bytes:
        text = unescape(match.group("text").decode("utf-8"))
        changed = change(text)
        if changed == text:
            return match.group(0)
        return match.group("open") + escape(changed).encode("utf-8") + match.group("close")

    return leaf(name).sub(replace, body)


def url_encoded(body: bytes) -> bool:
    """Whether a listing says its keys are url-encoded (``EncodingType`` ``url``)."""
    return (text_of(body, "EncodingType") or "").strip().lower() == "url"


def edit_keys(body: bytes, change: Callable[[str], str]) -> bytes:
    """Every ``Key`` and common ``Prefix`` of a listing changed as decoded text.

    In a url-encoded listing the key is decoded as clients decode it
    (``unquote_plus``), changed, and encoded again with ``%20`` for spaces.
    """
    wrapped = change
    if url_encoded(body):

        def through(text: str) -> str:
            decoded = unquote_plus(text)
            changed = change(decoded)
            return text if changed == decoded else quote(changed, safe="/~")

        wrapped = through
    body = edit_leaves(body, "Key", wrapped)
    return block("CommonPrefixes").sub(lambda m: edit_leaves(m.group(0), "Prefix", wrapped), body)
