"""ListObjectsV2 continuation tokens in the form the choice set names.

A token stands for the last entry of a page (a key or a common prefix, as
UTF-8 bytes); the next page lists what comes after it. ``opaque`` is
standard base64 of that position (``+``, ``/`` and ``=`` included, so a
client must encode it in the query); ``handle`` a random string the
server remembers; ``key`` the entry itself, any character included.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from collections import OrderedDict
from typing import Final

from .cloud_s3_xml import S3Error, invalid_argument

_VERSION: Final = b"\x01"
_HANDLES_KEPT: Final = 4096


class TokenCodec:
    """Writes and reads continuation tokens."""

    def __init__(self, style: str) -> None:
        if style not in ("opaque", "handle", "key"):
            raise ValueError(f"unknown continuation token style {style!r}")
        self._style = style
        self._lock = threading.Lock()
        self._handles: OrderedDict[str, bytes] = OrderedDict()

    def write(self, position: bytes) -> str:
        """The token of a page that ended at ``position``."""
        if self._style == "key":
            return position.decode("utf-8")
        if self._style == "opaque":
            return base64.b64encode(_VERSION + position).decode("ascii")
        handle = secrets.token_urlsafe(24)
        with self._lock:
            self._handles[handle] = position
            while len(self._handles) > _HANDLES_KEPT:
                self._handles.popitem(last=False)
        return handle

    def read(self, token: str) -> bytes:
        """The position a token stands for; 400 InvalidArgument for a token not ours."""
        if self._style == "key":
            if token:
                return token.encode("utf-8")
        elif self._style == "opaque":
            try:
                raw = base64.b64decode(token, validate=True)
            except (binascii.Error, ValueError):
                raw = b""
            if raw.startswith(_VERSION) and len(raw) > 1:
                return raw[1:]
        else:
            with self._lock:
                found = self._handles.get(token)
            if found is not None:
                return found
        raise _bad_token(token)


def _bad_token(token: str) -> S3Error:
    return invalid_argument(
        "The continuation token provided is incorrect", "continuation-token", token
    )
