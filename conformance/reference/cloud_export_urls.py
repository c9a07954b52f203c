"""Signed URLs of CLOUD's downloads, and where a resource's ``export_url`` points.

A signed URL carries ``?expires=<unix>&sig=<hex>`` with
``sig = HMAC-SHA256(secret, "<subject>/<expires>")`` over what it grants
(an account's resource, a registry blob), with a secret random per platform
instance; it needs no credentials, and anything changed or added to it is
refused.

``cloud.export_urls`` decides the form of an ``export_url``. ``signed``:
``/cloud/v1/exported/<account>/<resource id>?expires=…&sig=…``;
``authenticated``: ``/cloud/v1/resources/<id>/content``, which needs the
account's bearer token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Final
from urllib.parse import quote

from werkzeug.datastructures import MultiDict

from .problems import Problem

SIGNED_PREFIX: Final = "/cloud/v1/exported/"
AUTHENTICATED_PREFIX: Final = "/cloud/v1/resources/"
_DENIED: Final = "the URL is not valid: its signature, expiry or parameters were changed"


class Signer:
    """Sign and check the query of a URL that grants one subject for a while."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._secret = secrets.token_bytes(32)
        self._clock = clock

    def _signature(self, subject: str, expires: int) -> bytes:
        message = f"{subject}/{expires}".encode("utf-8", "surrogatepass")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest().encode("ascii")

    def query(self, subject: str, lifetime: float) -> str:
        """``expires=…&sig=…`` granting ``subject`` for ``lifetime`` seconds from now."""
        expires = int(self._clock() + lifetime)
        return f"expires={expires}&sig={self._signature(subject, expires).decode('ascii')}"

    def verify(self, subject: str, query: MultiDict[str, str]) -> None:
        """Raise a 403 DENIED problem unless ``query`` grants ``subject``, unexpired."""
        if sorted(name for name, _ in query.items(multi=True)) != ["expires", "sig"]:
            raise Problem(403, "DENIED", _DENIED)
        raw = query["expires"]
        if not raw.isascii() or not raw.isdigit() or len(raw) > 20:
            raise Problem(403, "DENIED", _DENIED)
        expected = self._signature(subject, int(raw))
        if not hmac.compare_digest(expected, query["sig"].encode("utf-8", "surrogatepass")):
            raise Problem(403, "DENIED", _DENIED)
        if self._clock() > int(raw):
            raise Problem(403, "DENIED", "the URL has expired; ask for a new one")


class ExportUrls:
    """Write and check export URLs in one of the two forms."""

    def __init__(self, signed: bool, signer: Signer | None = None) -> None:
        self.signed = signed
        self._signer = signer or Signer()

    def url(self, account: str, resource_id: str, lifetime: float) -> str:
        """The root-relative export URL of a resource, signed for ``lifetime`` seconds."""
        if not self.signed:
            return f"{AUTHENTICATED_PREFIX}{quote(resource_id, safe='')}/content"
        path = f"{quote(account, safe='')}/{quote(resource_id, safe='')}"
        return f"{SIGNED_PREFIX}{path}?{self._signer.query(f'{account}/{resource_id}', lifetime)}"

    def verify(self, account: str, resource_id: str, query: MultiDict[str, str]) -> None:
        """Raise a 403 DENIED problem unless ``query`` signs this download, unexpired."""
        self._signer.verify(f"{account}/{resource_id}", query)
