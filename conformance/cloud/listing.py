"""ListObjectsV2 answers as the suite reads them: pages of keys and common prefixes.

A page is read from the converted XML (``xmlbody``): keys, sizes and ETags
as sent (an ETag keeps its quotes, whether the XML escaped them as
``&quot;`` or not), and with ``EncodingType`` ``url`` the keys and prefixes
decoded as S3 clients decode them (``unquote_plus``, as botocore does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from conformance._harness.probe import Response


@dataclass(frozen=True)
class ListedObject:
    """One ``Contents`` entry of a listing."""

    key: str
    size: int | None
    etag: str | None


@dataclass(frozen=True)
class ListPage:
    """One page of a ListObjectsV2 answer."""

    keys: list[ListedObject]
    prefixes: list[str]
    is_truncated: bool
    next_token: str | None
    continuation_token: str | None
    max_keys: int | None
    encoding_type: str | None
    key_count: int | None


@dataclass
class Listing:
    """Every page of one listing, followed until a page said it was the last."""

    pages: list[ListPage] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    sent_tokens: list[str | None] = field(default_factory=list)
    """The ``continuation-token`` each page's request carried (None for the first)."""

    @property
    def keys(self) -> list[ListedObject]:
        """Every key of every page, in the order received."""
        return [k for page in self.pages for k in page.keys]

    @property
    def prefixes(self) -> list[str]:
        """Every common prefix of every page, in the order received."""
        return [p for page in self.pages for p in page.prefixes]

    @property
    def exchanges(self) -> list[str]:
        """The evidence of every page."""
        return [r.exchange for r in self.responses]


def read_page(result: Mapping[str, Any]) -> ListPage:
    """The page of a converted ``ListBucketResult`` (its inner mapping)."""
    encoding = _text(result.get("EncodingType"))
    decode = unquote_plus if (encoding or "").lower() == "url" else _same
    keys = [
        ListedObject(
            decode(_text(entry.get("Key")) or ""),
            _integer(entry.get("Size")),
            _text(entry.get("ETag")),
        )
        for entry in _entries(result.get("Contents"))
    ]
    prefixes = [
        decode(_text(e.get("Prefix")) or "") for e in _entries(result.get("CommonPrefixes"))
    ]
    return ListPage(
        keys=keys,
        prefixes=prefixes,
        is_truncated=_boolean(result.get("IsTruncated")),
        next_token=_text(result.get("NextContinuationToken")),
        continuation_token=_text(result.get("ContinuationToken")),
        max_keys=_integer(result.get("MaxKeys")),
        encoding_type=encoding,
        key_count=_integer(result.get("KeyCount")),
    )


def _same(text: str) -> str:
    return text


def _entries(value: Any) -> list[Mapping[str, Any]]:
    items = value if isinstance(value, list) else [] if value is None else [value]
    return [i for i in items if isinstance(i, Mapping)]


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (Mapping, list)):
        return None
    return str(value)


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in ("true", "1")
