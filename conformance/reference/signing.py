"""Signed, expiring download URLs for export parts.

A URL is ``/port/v1/parts/{export_id}/{n}?expires=<unix>&sig=<hex>`` with
``sig = HMAC-SHA256(secret, "{export_id}/{n}/{expires}")``. The secret is
random per platform instance, so URLs die with the instance. Anything
changed (signature, expiry, path) or added (any other query parameter) is
refused: a URL grants exactly one download window of one part.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

from werkzeug.datastructures import MultiDict

from .problems import Problem

_DENIED = "the download URL is not valid: its signature, expiry or parameters were changed"


class UrlSigner:
    """Issue and verify signed part URLs living ``lifetime`` seconds."""

    def __init__(
        self,
        lifetime: int,
        secret: bytes | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lifetime = lifetime
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._clock = clock

    def _signature(self, export_id: str, n: str, expires: int) -> bytes:
        # The path segments come from the request as decoded text: encode
        # whatever they hold rather than fail on it.
        message = f"{export_id}/{n}/{expires}".encode("utf-8", "surrogatepass")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest().encode("ascii")

    def sign(self, export_id: str, n: str) -> str:
        """Return a relative URL for part ``n``, valid from now for ``lifetime``."""
        expires = int(self._clock()) + self.lifetime
        signature = self._signature(export_id, n, expires).decode("ascii")
        return f"/port/v1/parts/{export_id}/{n}?expires={expires}&sig={signature}"

    def verify(self, export_id: str, n: str, query: MultiDict[str, str]) -> None:
        """Raise a 403 DENIED problem unless the query signs this part, unexpired."""
        if sorted(name for name, _ in query.items(multi=True)) != ["expires", "sig"]:
            raise Problem(403, "DENIED", _DENIED)
        raw_expires = query["expires"]
        # Digits only, and few enough for int() (which refuses over 4300).
        if not raw_expires.isascii() or not raw_expires.isdigit() or len(raw_expires) > 20:
            raise Problem(403, "DENIED", _DENIED)
        expires = int(raw_expires)
        expected = self._signature(export_id, n, expires)
        # Bytes, not str: compare_digest raises on non-ASCII text, and a
        # signature is whatever the URL's holder put there.
        presented = query["sig"].encode("utf-8", "surrogatepass")
        if not hmac.compare_digest(expected, presented):
            raise Problem(403, "DENIED", _DENIED)
        if self._clock() > expires:
            raise Problem(403, "DENIED", "the download URL has expired; read the export again")
