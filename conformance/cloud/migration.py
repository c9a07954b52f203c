"""Moving a bucket from one S3 platform to another through the profile alone (CLOUD-108).

The suite is the migration client: it lists the source bucket, reads each
object (GetObject) and writes it to the destination (PutObject) with the
``Content-Type`` and ``x-amz-meta-*`` headers the source returned, as any
S3 client would. Then what the destination holds is held to what the suite
wrote to the source: equal bytes, ``Content-Type`` and metadata; the
single-part ETag, by its hex digits (how it is quoted is CLOUD-104's
question); an object the suite wrote in parts arrives as one PUT, so its
ETag is not compared, as the draft says; and a listing of the
destination with the same keys, sizes and single-part ETags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from conformance._harness.errors import Mismatch
from conformance.cloud import etags
from conformance.cloud.fidelity import (
    answered,
    bytes_mismatch,
    header_mismatches,
    listing_mismatches,
    metadata_of,
)
from conformance.cloud.s3 import S3Client
from conformance.cloud.seeding import Stored

PAGE_LIMIT = 100
"""Pages of a migration's listings followed at most (the suite writes a few dozen objects)."""


@dataclass
class Moved:
    """What one migration did: the keys it copied and the exchanges it took."""

    keys: list[str] = field(default_factory=list)
    exchanges: list[str] = field(default_factory=list)


def copy_bucket(source: S3Client, source_bucket: str, dest: S3Client, dest_bucket: str) -> Moved:
    """Copy every object of ``source_bucket`` to ``dest_bucket`` by list, get and put.

    A refused read or write is a ``Finding`` (``require_success``): a
    migration that cannot move an object did not move it.
    """
    moved = Moved()
    listing = source.list_all(
        source_bucket, max_keys=1000, encoding_type="url", page_limit=PAGE_LIMIT
    )
    moved.exchanges += listing.exchanges
    for entry in listing.keys:
        got = source.get_object(source_bucket, entry.key)
        moved.exchanges.append(got.exchange)
        source.require_success(got, "GetObject")
        put = dest.put_object(
            dest_bucket,
            entry.key,
            got.content,
            content_type=got.headers.get("Content-Type"),
            metadata=metadata_of(got.headers),
        )
        moved.exchanges.append(put.exchange)
        dest.require_success(put, "PutObject")
        moved.keys.append(entry.key)
    return moved


@dataclass
class Arrival:
    """How the destination differs from what was written to the source."""

    rows: list[Mismatch] = field(default_factory=list)
    exchanges: list[str] = field(default_factory=list)


def compare_arrival(written: Sequence[Stored], dest: S3Client, bucket: str) -> Arrival:
    """Read every written object back from the destination, then list it; rows of differences."""
    arrival = Arrival()
    at = f"{dest.who} at {dest.settings.endpoint}"
    for stored in written:
        obj = stored.written
        got = dest.get_object(bucket, obj.key)
        arrival.exchanges.append(got.exchange)
        where = f"GetObject {obj.key!r}"
        if got.status != 200:
            arrival.rows.append(Mismatch(f"{where}: status", 200, answered(got), "", at))
            continue
        row = bytes_mismatch(stored.data, got.content, path=f"{where}: body", subject=at)
        arrival.rows += [row] if row is not None else []
        received = got.headers.get("ETag")
        if obj.part_size is None and etags.digits(received) != stored.etag.digest:
            arrival.rows.append(
                Mismatch(
                    f"{where}: ETag",
                    str(stored.etag),
                    received,
                    "the MD5 of the bytes written (hex digits compared)",
                    at,
                )
            )
        arrival.rows += header_mismatches(
            obj.content_type, obj.metadata, got.headers, operation=where, subject=at
        )
    listing = dest.list_all(bucket, max_keys=1000, encoding_type="url", page_limit=PAGE_LIMIT)
    arrival.exchanges += listing.exchanges
    expected = {
        s.written.key: (s.written.size, s.etag if s.written.part_size is None else None)
        for s in written
    }
    arrival.rows += listing_mismatches(expected, listing.keys, subject=at, loose=True)
    return arrival
