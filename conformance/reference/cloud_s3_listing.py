"""ListObjectsV2 and ListObjects (v1): keys and common prefixes, page by page.

Entries (keys, and common prefixes when a delimiter is given) come in UTF-8
binary order, the order the store keeps keys in. A page holds at most
``max-keys`` entries, and at most the platform's cap
(``cloud.s3.max_keys_cap``); the next page starts after the page's last
entry, whichever kind it was: after a common prefix, every key under it
is skipped.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, quote_plus

from werkzeug.wrappers import Response

from .choices import ChoiceSet
from .choices.cloud_s3 import CONTINUATION_TOKEN, MAX_KEYS_CAP, URL_ENCODING
from .cloud_s3_tokens import TokenCodec
from .cloud_s3_xml import Element, XmlWriter, invalid_argument
from .cloud_store import ObjectStore, StoredObject

S3_MAX_KEYS: Final = 1000
_BATCH: Final = 256
# No UTF-8 sequence holds 0xFF: every key under a common prefix sorts before prefix + 0xFF.
_PAST: Final = b"\xff"


@dataclass(frozen=True)
class Entry:
    """A listed entry: an object, or a common prefix (``obj`` None)."""

    name: bytes
    obj: StoredObject | None


def walk(
    store: ObjectStore,
    bucket: str,
    prefix: bytes,
    delimiter: bytes,
    after: bytes | None,
    limit: int,
) -> tuple[list[Entry], bool]:
    """Up to ``limit`` entries after ``after``; and whether more follow."""
    entries: list[Entry] = []
    if after is None or after < prefix:
        start, inclusive = prefix, True
    else:
        start, inclusive = after, False
    while len(entries) <= limit:
        batch = store.scan(bucket, start, inclusive, _BATCH)
        if not batch:
            break
        for stored in batch:
            key = stored.key.encode("utf-8")
            if not key.startswith(prefix):
                return entries[:limit], len(entries) > limit
            cut = key.find(delimiter, len(prefix)) if delimiter else -1
            if cut < 0:
                entries.append(Entry(key, stored))
                start, inclusive = key, False
                if len(entries) > limit:
                    break
                continue
            common = key[: cut + len(delimiter)]
            if after is None or common > after:
                entries.append(Entry(common, None))
            # Seek past every key under this prefix.
            start, inclusive = common + _PAST, False
            break
        else:
            if len(batch) < _BATCH:
                break
    return entries[:limit], len(entries) > limit


def iso_time(timestamp: float) -> str:
    """S3's timestamp form: ``2026-01-02T03:04:05.678Z``."""
    millis = int(timestamp * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp)) + f".{millis:03d}Z"


class Listing:
    """Answers the two listing operations of a bucket."""

    def __init__(
        self, store: ObjectStore, writer: XmlWriter, choices: ChoiceSet, names: Mapping[str, str]
    ) -> None:
        self._store = store
        self._writer = writer
        self._cap = max(1, min(S3_MAX_KEYS, choices[MAX_KEYS_CAP]))
        self._tokens = TokenCodec(choices[CONTINUATION_TOKEN])
        self._plus = choices[URL_ENCODING] == "plus"
        self._names = names

    def v2(self, bucket: str, owner: str, query: Mapping[str, str]) -> Response:
        """ListObjectsV2."""
        prefix, delimiter, max_keys, encode = self._common(query)
        token = query.get("continuation-token")
        start_after = query.get("start-after")
        if token is not None:
            after: bytes | None = self._tokens.read(token)
        else:
            after = start_after.encode("utf-8") if start_after else None
        entries, truncated = self._page(bucket, prefix, delimiter, after, max_keys)
        owner_shown = query.get("fetch-owner", "").lower() == "true"
        children = self._head(bucket, prefix, delimiter, max_keys, encode)
        children.insert(2, ("KeyCount", str(len(entries))))
        if token is not None:
            children.append(("ContinuationToken", token))
        if truncated:
            children.append(("NextContinuationToken", self._tokens.write(entries[-1].name)))
        if start_after is not None:
            children.append(("StartAfter", encode(start_after)))
        children.append(("IsTruncated", "true" if truncated else "false"))
        children += self._entries(entries, owner if owner_shown else None, encode)
        return self._writer.response(("ListBucketResult", children))

    def v1(self, bucket: str, owner: str, query: Mapping[str, str]) -> Response:
        """ListObjects (version 1), which rclone and older clients use."""
        prefix, delimiter, max_keys, encode = self._common(query)
        marker = query.get("marker", "")
        after = marker.encode("utf-8") if marker else None
        entries, truncated = self._page(bucket, prefix, delimiter, after, max_keys)
        children = self._head(bucket, prefix, delimiter, max_keys, encode)
        children.insert(2, ("Marker", encode(marker)))
        if truncated and delimiter:
            children.append(("NextMarker", encode(entries[-1].name.decode("utf-8"))))
        children.append(("IsTruncated", "true" if truncated else "false"))
        children += self._entries(entries, owner, encode)
        return self._writer.response(("ListBucketResult", children))

    # -- shared -----------------------------------------------------------------------

    def _common(self, query: Mapping[str, str]) -> tuple[str, str, int, _Encode]:
        text = query.get("max-keys", str(S3_MAX_KEYS))
        if not text.isdigit() or len(text) > 10:
            raise invalid_argument(
                "Provided max-keys not an integer or within integer range", "max-keys", text
            )
        encoding = query.get("encoding-type")
        if encoding is not None and encoding.lower() != "url":
            raise invalid_argument(
                "Invalid Encoding Method specified in Request", "encoding-type", encoding
            )
        encode = _Encode(encoding is not None, self._plus)
        return query.get("prefix", ""), query.get("delimiter", ""), int(text), encode

    def _page(
        self, bucket: str, prefix: str, delimiter: str, after: bytes | None, max_keys: int
    ) -> tuple[list[Entry], bool]:
        limit = min(max_keys, self._cap)
        if limit == 0:
            return [], False
        return walk(
            self._store, bucket, prefix.encode("utf-8"), delimiter.encode("utf-8"), after, limit
        )

    def _head(
        self, bucket: str, prefix: str, delimiter: str, max_keys: int, encode: _Encode
    ) -> list[Element]:
        children: list[Element] = [("Name", bucket), ("Prefix", encode(prefix))]
        children.append(("MaxKeys", str(min(max_keys, S3_MAX_KEYS))))
        if delimiter:
            children.append(("Delimiter", encode(delimiter)))
        if encode.active:
            children.append(("EncodingType", "url"))
        return children

    def _entries(self, entries: list[Entry], owner: str | None, encode: _Encode) -> list[Element]:
        contents: list[Element] = []
        prefixes: list[Element] = []
        for entry in entries:
            name = encode(entry.name.decode("utf-8"))
            if entry.obj is None:
                prefixes.append(("CommonPrefixes", [("Prefix", name)]))
                continue
            fields: list[Element] = [
                ("Key", name),
                ("LastModified", iso_time(entry.obj.modified)),
                ("ETag", f'"{entry.obj.md5_etag}"'),
                ("Size", str(entry.obj.size)),
            ]
            if owner is not None:
                fields.append(
                    ("Owner", [("ID", owner), ("DisplayName", self._names.get(owner, owner))])
                )
            fields.append(("StorageClass", "STANDARD"))
            contents.append(("Contents", fields))
        return contents + prefixes


@dataclass(frozen=True)
class _Encode:
    """``encoding-type=url``: how names are written, or not at all."""

    active: bool
    plus: bool

    def __call__(self, text: str) -> str:
        if not self.active:
            return text
        return quote_plus(text, safe="/") if self.plus else quote(text, safe="/")
