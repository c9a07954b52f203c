"""Objects the suite writes: sizes of every class, their bytes, Content-Type and metadata.

Bytes come from a seeded generator (incompressible, the same for the same
seed), never from Hypothesis directly: several MiB drawn byte by byte would
cost more than the platform's answer. Sizes cover the empty object, one
byte, sizes around the 64 KiB buffers HTTP stacks read in, around 1 MiB,
and several MiB (the largest single PUT past 5 MiB). Metadata values are US-ASCII, as S3 requires of REST
clients, printable, without leading or trailing whitespace (HTTP does not
carry it: RFC 9110 §5.5); names are tokens that may be sent in any case.
No Content-Type the suite writes is ``application/octet-stream`` or
``binary/octet-stream``, the defaults a platform may fill in, so a type
that was lost cannot pass for one that was kept.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from hypothesis import strategies as st

from conformance.cloud.etags import ETag, multipart, single_part

KIB = 1024
MIB = 1024 * KIB
MIN_PART_SIZE = 5 * MIB
"""S3's smallest part of a multipart upload, but for the last part."""

SIZE_CLASSES: tuple[int, ...] = (
    0,
    1,
    2,
    1000,
    64 * KIB - 1,
    64 * KIB,
    64 * KIB + 1,
    MIB - 1,
    MIB + 1,
    3 * MIB + 17,
    MIN_PART_SIZE + 1,
)
"""Sizes every run covers (the ones around buffer sizes are where truncation hides)."""

CONTENT_TYPES: tuple[str, ...] = (
    "text/plain; charset=utf-8",
    "application/json",
    "image/png",
    "application/pdf",
    "text/csv; header=present",
    "application/vnd.google-earth.kml+xml",
    "video/mp4",
    "application/x-tar",
)
DEFAULT_TYPES = frozenset({"application/octet-stream", "binary/octet-stream"})
"""What a platform may answer for an object written without a Content-Type."""

_TOKEN = "abcdefghijklmnopqrstuvwxyz0123456789"
_VALUE_CHARS = "".join(chr(c) for c in range(0x21, 0x7F))


def body(size: int, seed: int) -> bytes:
    """``size`` incompressible bytes, the same for the same seed."""
    return random.Random(seed).randbytes(size)


@dataclass(frozen=True)
class WrittenObject:
    """An object as the suite writes it: key, bytes (from size and seed), type and metadata."""

    key: str
    size: int
    seed: int
    content_type: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    part_size: int | None = None
    """Written by a multipart upload in parts of this size (the last one shorter); None: PUT."""

    @property
    def data(self) -> bytes:
        """The object's bytes (generated anew on each call: keep them if read twice)."""
        return body(self.size, self.seed)

    def parts(self, data: bytes | None = None) -> list[bytes]:
        """The parts it is uploaded in (one, the whole object, when it is not multipart)."""
        whole = self.data if data is None else data
        return [whole] if self.part_size is None else split_parts(whole, self.part_size)

    def etag(self, data: bytes | None = None) -> ETag:
        """The ETag S3 gives it: single-part, or multipart over its parts."""
        whole = self.data if data is None else data
        if self.part_size is None:
            return single_part(whole)
        return multipart(self.parts(whole))

    def describe(self) -> str:
        """The object in one line for a report."""
        return (
            f"{self.key!r}: {self.size} bytes{self._how()}, {self.content_type}, "
            f"{len(self.metadata)} metadata header(s)"
        )

    def _how(self) -> str:
        if self.part_size is None:
            return ""
        return f" in {max(1, -(-self.size // self.part_size))} part(s)"


def object_sizes(*, max_size: int = MIN_PART_SIZE + 1) -> st.SearchStrategy[int]:
    """Sizes from the classes above (within ``max_size``), or anywhere up to ``max_size``."""
    classes = [s for s in SIZE_CLASSES if s <= max_size]
    return st.one_of(
        st.sampled_from(classes),
        st.integers(min_value=0, max_value=min(4 * KIB, max_size)),
        st.integers(min_value=0, max_value=max_size),
    )


def content_types() -> st.SearchStrategy[str]:
    """Media types, listed ones or generated ``type/subtype`` tokens (never a default)."""
    generated = st.builds(
        lambda kind, sub: f"{kind}/{sub}",
        st.sampled_from(("text", "application", "image", "audio", "x-world")),
        st.text(_TOKEN + ".+-", min_size=1, max_size=20).filter(lambda s: s[0] in _TOKEN),
    )
    return st.one_of(st.sampled_from(CONTENT_TYPES), generated).filter(
        lambda t: t.split(";")[0].strip().lower() not in DEFAULT_TYPES
    )


def metadata_names() -> st.SearchStrategy[str]:
    """Metadata names after ``x-amz-meta-``: tokens, some with capitals (compared case-insensitively)."""
    return st.text(_TOKEN + "-" + "ABCXYZ", min_size=1, max_size=16).filter(
        lambda s: s[0].isalnum()
    )


def metadata_values() -> st.SearchStrategy[str]:
    """Printable US-ASCII, inner spaces allowed, none at either end."""
    return st.text(_VALUE_CHARS + " ", min_size=1, max_size=40).filter(lambda v: v == v.strip())


def metadata() -> st.SearchStrategy[dict[str, str]]:
    """Up to four metadata headers whose names differ in more than case."""
    return st.dictionaries(metadata_names(), metadata_values(), max_size=4).filter(
        lambda m: len({n.lower() for n in m}) == len(m)
    )


def written_objects(
    keys: st.SearchStrategy[str], *, max_size: int = MIN_PART_SIZE + 1
) -> st.SearchStrategy[WrittenObject]:
    """Objects with a key from ``keys``, a size, a seed for their bytes, a type and metadata."""
    return st.builds(
        WrittenObject,
        key=keys,
        size=object_sizes(max_size=max_size),
        seed=st.integers(min_value=0, max_value=2**32 - 1),
        content_type=content_types(),
        metadata=metadata(),
    )


def split_parts(data: bytes, part_size: int = MIN_PART_SIZE) -> list[bytes]:
    """``data`` cut into parts of ``part_size`` (the last one shorter, never empty unless all is)."""
    if not data:
        return [b""]
    return [data[i : i + part_size] for i in range(0, len(data), part_size)]
