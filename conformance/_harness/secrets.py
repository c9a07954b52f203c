"""Secrets and their redaction, in one place.

A ``Secret`` never shows its value in ``repr`` or ``str``; a ``Redactor``
knows every secret of a run and scrubs them from anything written down:
text and raw bytes (before anything decodes, encodes or cuts them), in the
forms a platform may send a secret back in (as sent, URL-encoded,
JSON-escaped, HTML-escaped, base64 at any alignment, UTF-16), the first or
last characters of a secret that a cut left behind, credential headers
(named or not by a secret) and signed-URL parameters.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-auth-token",
        "x-access-token",
        "x-amz-security-token",
    }
)
_QUERY_NAMES = (
    "sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|token|"
    "access_token|key|api_key"
)
# A signed URL's parameter as written, in a URL inside another URL (%26sig%3D), in HTML
# (&amp;sig=) or in JSON (\u0026sig=).
_SECRET_QUERY = re.compile(
    rf"(?i)((?:[?&;]|%3f|%26|\\u0026)(?:{_QUERY_NAMES})(?:=|%3d))[^&#\s\"'<>\\]*"
)
_SHORTEST = 4
"""Shorter values are not redacted: they would match ordinary text everywhere."""
_MEMO_CHARS = 512
"""Texts up to this long have their redaction remembered (header names and values)."""
_MEMO_ENTRIES = 4096
"""Redactions remembered at most; past that all are forgotten and remembering starts over."""


class Secret:
    """A credential; its value is only reachable through ``reveal()``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class Redactor:
    """Removes known secrets (in any form), credential headers and signed-URL parameters."""

    def __init__(self, secrets: Iterable[Secret] = ()) -> None:
        values = {s.reveal() for s in secrets if len(s.reveal()) >= _SHORTEST}
        self._text = _Matcher({f for v in values for f in text_forms(v)})
        # Bytes are matched as Latin-1 text: one character per byte, so nothing is decoded.
        self._bytes = _Matcher({f.decode("latin-1") for v in values for f in byte_forms(v)})
        # Every record redacts the same header names and most of the same values (Server,
        # Content-Type, the client's headers), each a scan of the secrets' trie: the
        # result of a short text is remembered. Same text, same secrets, same result.
        self._memo: dict[str, str] = {}

    def text(self, value: str) -> str:
        """The text with every known secret and signed-URL parameter replaced."""
        if len(value) > _MEMO_CHARS:
            return self._redact(value)
        shown = self._memo.get(value)
        if shown is None:
            shown = self._redact(value)
            if len(self._memo) >= _MEMO_ENTRIES:
                self._memo.clear()
            self._memo[value] = shown
        return shown

    def _redact(self, value: str) -> str:
        return _SECRET_QUERY.sub(_keep_name, self._text.sub(value))

    def bytes(self, value: bytes) -> bytes:
        """Raw bytes with every known secret (in any encoding) replaced, nothing decoded."""
        text = self._bytes.sub(value.decode("latin-1"))
        return _SECRET_QUERY.sub(_keep_name, text).encode("latin-1")

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """A copy of the headers with credential headers and secrets (in names too) hidden."""
        out: dict[str, str] = {}
        for name, value in headers.items():
            key = self.text(name)
            shown = REDACTED if name.lower() in _SECRET_HEADERS else self.text(value)
            unique, n = key, 1
            while unique in out:  # two names redacted alike: keep both
                n += 1
                unique = f"{key} ({n})"
            out[unique] = shown
        return out

    def deep(self, value: Any) -> Any:
        """A JSON-like value with every string in it (keys included) redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.deep(k): self.deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.deep(v) for v in value]
        return value


def text_forms(value: str) -> set[str]:
    """The forms a secret takes in text: as is, URL-, JSON- and HTML-escaped, base64."""
    forms = {
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value),
    }
    raw = value.encode("utf-8")
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for offset, skip in ((0, 0), (1, 2), (2, 3)):
            # Inside a longer base64 text the secret starts at any of three alignments:
            # keep the characters that encode the secret's bytes alone.
            encoded = encode(b"\0" * offset + raw).decode("ascii")
            core = encoded[skip : 4 * ((offset + len(raw)) // 3)]
            if len(core) >= 2 * _SHORTEST:
                forms.add(core)
    return {f for f in forms if len(f) >= _SHORTEST}


def byte_forms(value: str) -> set[bytes]:
    """The forms a secret takes in a body of any encoding: the text forms, and UTF-16."""
    return {f.encode("utf-8") for f in text_forms(value)} | {
        value.encode("utf-16-le"),
        value.encode("utf-16-be"),
    }


def fragment(length: int) -> int:
    """How many first (or last) characters of a value of ``length`` are redacted on their own.

    An excerpt or a message cut across a secret leaves its start (or its end):
    that many characters of it, or more, are redacted wherever they appear.
    """
    return min(12, max(6, length // 2))


class _Matcher:
    """Finds the forms of secrets, and their cut-off starts and ends, in text."""

    def __init__(self, forms: Iterable[str]) -> None:
        # piece length -> piece -> (form, how the piece stands for it)
        self._pieces: dict[int, dict[str, list[tuple[str, str]]]] = {}
        for form in forms:
            size = fragment(len(form))
            if size >= len(form):
                self._add(form, form, "whole")
            else:
                self._add(form[:size], form, "head")
                self._add(form[-size:], form, "tail")
        pieces = [p for table in self._pieces.values() for p in table]
        # A lookahead finds overlapping occurrences; a trie keeps the scan one pass.
        self._pattern = re.compile(f"(?=({_trie(pieces)}))", re.DOTALL) if pieces else None

    def _add(self, piece: str, form: str, kind: str) -> None:
        self._pieces.setdefault(len(piece), {}).setdefault(piece, []).append((form, kind))

    def sub(self, text: str) -> str:
        if self._pattern is None:
            return text
        spans: list[tuple[int, int]] = []
        for match in self._pattern.finditer(text):
            at = match.start()
            for size, table in self._pieces.items():
                for form, kind in table.get(text[at : at + size], ()):
                    spans.append(_span(text, at, size, form, kind))
        return _replace(text, spans) if spans else text


def _span(text: str, at: int, size: int, form: str, kind: str) -> tuple[int, int]:
    """Where the form (or the part of it a cut left) lies, from a piece found at ``at``."""
    if kind == "whole":
        return at, at + size
    if kind == "head":
        end = at + size
        while end < len(text) and end - at < len(form) and text[end] == form[end - at]:
            end += 1
        return at, end
    end = at + size
    start = at
    while start > 0 and end - start < len(form) and text[start - 1] == form[-(end - start) - 1]:
        start -= 1
    return start, end


def _replace(text: str, spans: list[tuple[int, int]]) -> str:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    out: list[str] = []
    cursor = 0
    for start, end in merged:
        out += [text[cursor:start], REDACTED]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _trie(pieces: Iterable[str]) -> str:
    root: dict[str, Any] = {}
    for piece in pieces:
        node = root
        for char in piece:
            node = node.setdefault(char, {})
        node[""] = {}
    return _alternatives(root)


def _alternatives(node: dict[str, Any]) -> str:
    branches = [re.escape(c) + _alternatives(child) for c, child in sorted(node.items()) if c]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def _keep_name(match: re.Match[str]) -> str:
    return match.group(1) + REDACTED
