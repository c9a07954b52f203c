"""Deprecated operations (COMMON C-005): RFC 9745 and RFC 8594 headers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from werkzeug.http import http_date

from .clock import format_timestamp


@dataclass(frozen=True)
class Deprecation:
    """One deprecated operation as the discovery document lists it.

    ``path`` and ``successor`` are templates with ``{name}`` variables, the
    same names the route's rule uses.
    """

    method: str
    path: str
    deprecated_at: datetime
    sunset_at: datetime
    successor: str

    def applies_to(self, method: str) -> bool:
        """Tell whether a request method is the deprecated one (HEAD as GET)."""
        effective = "GET" if method == "HEAD" else method
        return effective == self.method

    def is_sunset(self, now: datetime) -> bool:
        """Tell whether the operation is past its sunset at ``now``."""
        return now >= self.sunset_at

    def headers(self) -> dict[str, str]:
        """Return the ``Deprecation`` and ``Sunset`` headers.

        RFC 9745 gives ``Deprecation`` as a structured-field date
        (``@<unix seconds>``); RFC 8594 gives ``Sunset`` as an HTTP-date.
        """
        return {
            "Deprecation": f"@{int(self.deprecated_at.timestamp())}",
            "Sunset": http_date(self.sunset_at),
        }

    def successor_url(self, args: Mapping[str, object]) -> str:
        """Fill the successor template with the variables of a request."""
        url = self.successor
        for name, value in args.items():
            url = url.replace("{" + name + "}", quote(str(value), safe=""))
        return url

    def successor_link(self, args: Mapping[str, object]) -> str:
        """Return a ``Link`` header value naming the successor."""
        return f'<{self.successor_url(args)}>; rel="successor-version"'

    def to_json(self) -> dict[str, str]:
        """Render the discovery-document entry."""
        return {
            "method": self.method,
            "path": self.path,
            "deprecated_at": format_timestamp(self.deprecated_at),
            "sunset_at": format_timestamp(self.sunset_at),
            "successor": self.successor,
        }
