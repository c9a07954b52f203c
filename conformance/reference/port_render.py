"""How the PORT module writes what the draft leaves to the platform.

Ids, URLs, and the look of archive lines and feed records (member order,
extra fields, escaping, timestamp style, money scale) are the platform's
choice (COMMON C5); this module turns the platform's :class:`ChoiceSet`
into those forms, so the handlers and the export worker stay the same
whatever the choices. Nothing here changes what a value means: a timestamp
is the same instant, an amount the same decimal number, text untouched.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from werkzeug.wrappers import Request

from .choices import ChoiceSet
from .choices.common import ASCII_JSON, EXTRA_FIELDS, KEY_ORDER, TIMESTAMPS
from .choices.port import (
    ARCHIVE_ASCII,
    ARCHIVE_EXTRA_FIELDS,
    ARCHIVE_KEY_ORDER,
    ARCHIVE_TIMESTAMPS,
    ID_FORMAT,
    MONEY_SCALE,
    URL_FORM,
)
from .shaping import Shaper, is_timestamp_key, restyle_timestamp

_MONEY: Final = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
_OPAQUE_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


class IdMaker:
    """Fresh ids in the platform's chosen format, unique across accounts."""

    def __init__(self, style: str) -> None:
        self._style = style
        # Numeric ids start at a random height, so they say nothing about how
        # many records other accounts hold.
        self._counter = itertools.count(secrets.randbelow(9 * 10**8) + 10**8)
        self._lock = threading.Lock()

    @classmethod
    def of(cls, choices: ChoiceSet) -> IdMaker:
        """The id maker of a platform taking ``choices``."""
        return cls(choices[ID_FORMAT])

    def new(self, kind: str) -> str:
        """A fresh id for a record (``kind`` its type in lower case) or a job."""
        if self._style == "uuid":
            return str(uuid.uuid4())
        if self._style == "numeric":
            with self._lock:
                return str(next(self._counter))
        if self._style == "opaque":
            return "".join(secrets.choice(_OPAQUE_ALPHABET) for _ in range(120))
        return f"{kind}_{secrets.token_hex(10)}"


def request_origin(request: Request) -> str:
    """``scheme://host`` as the client named it (its ``Host``)."""
    return request.host_url.rstrip("/")


class UrlStyle:
    """Absolute, root-relative or path-relative URLs, as the platform chose."""

    def __init__(self, form: str) -> None:
        self.form = form

    @classmethod
    def of(cls, choices: ChoiceSet) -> UrlStyle:
        """The URL style of a platform taking ``choices``."""
        return cls(choices[URL_FORM])

    def location(self, origin: str | None, collection: str, ident: str) -> str:
        """``Location`` of a new job under ``/port/v1/<collection>`` (the request's URL)."""
        if self.form == "path-relative":
            return f"{collection}/{ident}"
        return self._rooted(origin, f"/port/v1/{collection}/{ident}")

    def part(self, origin: str | None, export_id: str, n: int, query: str) -> str:
        """A part's URL, carried by ``GET /port/v1/exports/{id}``."""
        suffix = f"?{query}" if query else ""
        if self.form == "path-relative":
            return f"../parts/{export_id}/{n}{suffix}"
        return self._rooted(origin, f"/port/v1/parts/{export_id}/{n}{suffix}")

    def media(self, origin: str | None, sha256: str) -> str:
        """A Media record's ``url`` (resolved by readers against the base URL)."""
        if self.form == "path-relative":
            return f"port/v1/media/{sha256}"
        return self._rooted(origin, f"/port/v1/media/{sha256}")

    def _rooted(self, origin: str | None, path: str) -> str:
        if self.form == "absolute" and origin is not None:
            return origin + path
        return path


def rescale_money(amount: str, scale: str) -> str:
    """The same decimal amount, written with no trailing zeros or at least three decimals."""
    if scale == "as-imported" or not _MONEY.fullmatch(amount):
        return amount
    value = Decimal(amount)
    if scale == "minimal":
        # normalize() drops trailing zeros; "f" keeps 100 from becoming 1E+2.
        return format(value.normalize(), "f") if value else "0"
    decimals = max(3, len(amount.partition(".")[2]))
    return f"{value:.{decimals}f}"


def _truncate_to_millis(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class RecordStyle:
    """How archive lines and feed records look: order, extras, escapes, times, money."""

    def __init__(self, choices: ChoiceSet) -> None:
        self._timestamps = choices[ARCHIVE_TIMESTAMPS]
        self._money = choices[MONEY_SCALE]
        self._ascii = choices[ARCHIVE_ASCII]
        # The common shaper does extras and member order; its timestamp style
        # is left at "as written" (utc-millis never rewrites), handled here.
        self._shaper = Shaper(
            choices.replacing(
                (EXTRA_FIELDS, choices[ARCHIVE_EXTRA_FIELDS]),
                (KEY_ORDER, choices[ARCHIVE_KEY_ORDER]),
                (TIMESTAMPS, "utc-millis"),
                (ASCII_JSON, choices[ARCHIVE_ASCII]),
            )
        )

    def record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record as the platform writes it (the same values)."""
        value = self._values(dict(record))
        shaped: dict[str, Any] = self._shaper.shape_value(value)
        return shaped

    def line(self, record: Mapping[str, Any]) -> bytes:
        """One archive line, without its newline."""
        return json.dumps(self.record(record), ensure_ascii=self._ascii).encode("utf-8")

    def _values(self, record: dict[str, Any]) -> dict[str, Any]:
        for key, item in list(record.items()):
            if isinstance(item, str) and is_timestamp_key(key):
                record[key] = self.timestamp(item)
        if record.get("type") == "Order":
            if isinstance(record.get("total"), str):
                record["total"] = rescale_money(record["total"], self._money)
            items = record.get("items")
            if isinstance(items, list):
                record["items"] = [
                    {**item, "unit_price": rescale_money(item["unit_price"], self._money)}
                    if isinstance(item, dict) and isinstance(item.get("unit_price"), str)
                    else item
                    for item in items
                ]
        return record

    def timestamp(self, value: str) -> str:
        """The same instant in the platform's archive style."""
        if self._timestamps == "as-imported":
            return value
        if self._timestamps == "utc-millis":
            return _truncate_to_millis(value)
        return restyle_timestamp(value, self._timestamps)
