"""Secrets and their redaction, in one place.

A ``Secret`` never shows its value in ``repr`` or ``str``; a ``Redactor``
knows every secret of a run and scrubs them, and credential-bearing headers
and query parameters, from anything written down.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

REDACTED = "[REDACTED]"
_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-amz-security-token",
    }
)
_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|token|"
    r"access_token|key|api_key)=)[^&#\s\"']*"
)


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
    """Removes known secret values, credential headers and signed-URL parameters."""

    def __init__(self, secrets: Iterable[Secret] = ()) -> None:
        values = sorted(
            {s.reveal() for s in secrets if len(s.reveal()) >= 4}, key=len, reverse=True
        )
        self._pattern = re.compile("|".join(re.escape(v) for v in values)) if values else None

    def text(self, value: str) -> str:
        """The text with every known secret and signed-URL parameter replaced."""
        if self._pattern is not None:
            value = self._pattern.sub(REDACTED, value)
        return _SECRET_QUERY.sub(lambda m: m.group(1) + REDACTED, value)

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """A copy of the headers with credential headers and secret values hidden."""
        return {
            k: REDACTED if k.lower() in _SECRET_HEADERS else self.text(v)
            for k, v in headers.items()
        }
