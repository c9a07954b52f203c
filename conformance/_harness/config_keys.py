"""Reading the keys of a target file, each mistake a ``ConfigError`` naming file, key and fix.

``target.py`` and ``cloud_target.py`` read their sections with one ``KeyReader``,
so every key of the file fails the same way.
"""

from __future__ import annotations

from typing import Any, NoReturn
from urllib.parse import urlsplit

from conformance._harness.errors import ConfigError


class KeyReader:
    """Typed reads of a parsed YAML document; a wrong value raises a ``ConfigError``."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str, problem: str, fix: str) -> NoReturn:
        """Raise the ``ConfigError`` of ``key``."""
        raise ConfigError(self.file, key, problem, fix)

    def mapping(self, value: Any, key: str) -> dict[str, Any]:
        """A mapping with string keys."""
        if not isinstance(value, dict):
            self.fail(key, f"expected a mapping, got {kind(value)}", "write `key: value` pairs")
        return {str(k): v for k, v in value.items()}

    def known(self, body: dict[str, Any], key: str, allowed: frozenset[str]) -> None:
        """Fail on the first key of ``body`` not in ``allowed``."""
        unknown = sorted(set(body) - allowed)
        if unknown:
            where = f"{key}.{unknown[0]}" if key else unknown[0]
            self.fail(where, "unknown key", f"use one of: {', '.join(sorted(allowed))}")

    def sequence(self, value: Any, key: str) -> list[Any]:
        """A list."""
        if not isinstance(value, list):
            self.fail(key, f"expected a list, got {kind(value)}", "write a YAML list (`- item`)")
        return list(value)

    def string(self, value: Any, key: str) -> str:
        """A non-empty string."""
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"expected a non-empty string, got {kind(value)}", f"set {key}")
        return str(value)

    def url(self, value: Any, key: str) -> str:
        """An absolute http(s) URL without query or fragment."""
        text = self.string(value, key)
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.fail(
                key,
                f"{text!r} is not an absolute http(s) URL",
                "write e.g. https://api.example.org",
            )
        if parts.query or parts.fragment:
            self.fail(
                key, f"{text!r} has a query or fragment", "give only scheme, host, port and path"
            )
        return text

    def number(self, value: Any, key: str, *, minimum: float) -> float:
        """A number at least ``minimum``."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            self.fail(
                key, f"expected a number >= {minimum}, got {value!r}", f"set {key} to a number"
            )
        return float(value)


def kind(value: Any) -> str:
    """What a wrong value is, in a few words, for a message."""
    return "nothing" if value is None else f"{type(value).__name__} {value!r}"[:60]
