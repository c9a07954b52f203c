"""CLOUD-005: which media types count as open export formats.

The draft asks that every export format be "a registered, publicly specified"
media type and lets the suite keep an allow-list. Both halves matter: a type
must be in the IANA registry (so ``x-`` and ``x.`` names, unregistered by
construction under RFC 6838 §3.4, never pass, however well known, nor do
vendor names nobody registered) and must name a format whose specification
anyone can read. The list below is that intersection for the formats data is
exported in; each entry names its specification, and a rejection says what
to use instead when there is a registered equivalent.
``application/octet-stream`` passes: it is registered and specified (RFC 2046
§4.5.1), and it is how bytes are exported as they were stored.

Comparison is on the essence only (RFC 9110 §8.3.1): type and subtype,
case-insensitive, parameters ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

# RFC 6838 §4.2 restricted-name, for type and subtype.
_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
_ESSENCE = re.compile(rf"^\s*({_NAME})/({_NAME})\s*(?:;.*)?$", re.DOTALL)

OPEN_FORMATS: Final[Mapping[str, str]] = {
    # structured data
    "application/json": "RFC 8259",
    "application/json-seq": "RFC 7464",
    "application/ld+json": "W3C JSON-LD 1.1",
    "application/geo+json": "RFC 7946",
    "application/cbor": "RFC 8949",
    "application/xml": "RFC 7303",
    "text/xml": "RFC 7303",
    "application/yaml": "RFC 9512",
    "text/csv": "RFC 4180",
    "text/tab-separated-values": "IANA registration (text/tab-separated-values)",
    "application/sql": "RFC 6922",
    "application/vnd.sqlite3": "IANA registration, SQLite file format",
    "application/vnd.apache.parquet": "Apache Parquet format (registered 2024)",
    "application/vnd.apache.arrow.file": "Apache Arrow IPC file format",
    "application/vnd.apache.arrow.stream": "Apache Arrow IPC streaming format",
    # linked data
    "application/rdf+xml": "RFC 3870",
    "text/turtle": "W3C RDF 1.1 Turtle",
    "application/n-triples": "W3C RDF 1.1 N-Triples",
    "application/n-quads": "W3C RDF 1.1 N-Quads",
    # text and documents
    "text/plain": "RFC 2046",
    "text/html": "WHATWG HTML",
    "text/markdown": "RFC 7763",
    "text/calendar": "RFC 5545",
    "text/vcard": "RFC 6350",
    "message/rfc822": "RFC 5322",
    "application/mbox": "RFC 4155",
    "application/pdf": "RFC 8118, ISO 32000",
    "application/epub+zip": "W3C EPUB 3",
    "application/vnd.oasis.opendocument.text": "OASIS OpenDocument",
    "application/vnd.oasis.opendocument.spreadsheet": "OASIS OpenDocument",
    "application/vnd.oasis.opendocument.presentation": "OASIS OpenDocument",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "ECMA-376",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "ECMA-376",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "ECMA-376",
    # bytes as stored
    "application/octet-stream": "RFC 2046 §4.5.1",
    # archives and compression
    "application/zip": "IANA registration, PKWARE APPNOTE",
    "application/gzip": "RFC 6713, RFC 1952",
    "application/zstd": "RFC 8878",
    # container images (OCI image spec, registered with IANA)
    "application/vnd.oci.image.manifest.v1+json": "OCI image spec",
    "application/vnd.oci.image.index.v1+json": "OCI image spec",
    "application/vnd.oci.image.config.v1+json": "OCI image spec",
    "application/vnd.oci.image.layer.v1.tar": "OCI image spec",
    "application/vnd.oci.image.layer.v1.tar+gzip": "OCI image spec",
    # images, audio, video
    "image/png": "W3C PNG, RFC 2083",
    "image/jpeg": "RFC 2046, ISO/IEC 10918",
    "image/gif": "RFC 2046",
    "image/webp": "RFC 9649",
    "image/svg+xml": "W3C SVG",
    "image/tiff": "RFC 3302",
    "image/heif": "ISO/IEC 23008-12",
    "audio/mpeg": "RFC 3003",
    "audio/mp4": "RFC 4337",
    "audio/ogg": "RFC 5334",
    "audio/opus": "RFC 7587",
    "audio/flac": "RFC 9639",
    "video/mp4": "RFC 4337",
    "video/mpeg": "RFC 2045",
    "video/ogg": "RFC 5334",
}

# Registered (or common) names the allow-list leaves out on purpose, and why.
_WHY_NOT: Final[Mapping[str, str]] = {
    "application/vnd.docker.distribution.manifest.v2+json": (
        "not in the IANA registry; application/vnd.oci.image.manifest.v1+json (OCI image "
        "spec) is its registered, open equivalent"
    ),
    "application/vnd.docker.distribution.manifest.list.v2+json": (
        "not in the IANA registry; application/vnd.oci.image.index.v1+json (OCI image "
        "spec) is its registered, open equivalent"
    ),
    "application/x-ndjson": (
        "not in the IANA registry; application/json-seq (RFC 7464) is the registered "
        "sequence of JSON texts"
    ),
    "application/jsonl": (
        "not in the IANA registry; application/json-seq (RFC 7464) is the registered "
        "sequence of JSON texts"
    ),
    "application/x-tar": (
        "not in the IANA registry (tar has no registered media type); application/zip "
        "or application/gzip are registered archive formats"
    ),
    "application/x-gzip": "not in the IANA registry; application/gzip (RFC 6713) is",
    "text/x-csv": "not in the IANA registry; text/csv (RFC 4180) is",
}


@dataclass(frozen=True)
class Rejection:
    """A listed media type the allow-list does not admit, and why."""

    value: str
    why: str


def essence(value: str) -> str | None:
    """``type/subtype`` in lower case, parameters dropped; None if ``value`` is no media type."""
    match = _ESSENCE.match(value)
    if match is None:
        return None
    return f"{match.group(1)}/{match.group(2)}".lower()


def why_not_open(value: object) -> str | None:
    """Why ``value`` is not an open export format, or None when the allow-list admits it."""
    if not isinstance(value, str):
        return "not a string"
    if re.match(r"^\s*[^/;]+/\*", value) or value.strip().startswith("*/"):
        return "a media range, not one media type"
    found = essence(value)
    if found is None:
        return "not a media type (type/subtype, RFC 6838)"
    if found in OPEN_FORMATS:
        return None
    if found in _WHY_NOT:
        return _WHY_NOT[found]
    kind, subtype = found.split("/", 1)
    if subtype.startswith(("x-", "x.")) or kind.startswith("x-"):
        return "an unregistered name (RFC 6838 §3.4: x- and x. names are never registered)"
    if subtype.startswith("prs."):
        return "the personal tree (RFC 6838 §3.2): not a publicly specified format"
    return (
        "not on the suite's allow-list of registered, publicly specified media types "
        "(conformance.cloud.media_types.OPEN_FORMATS; report it if it is one)"
    )


def rejections(values: Iterable[object]) -> list[Rejection]:
    """Each listed value the allow-list does not admit, in order, each once."""
    out: list[Rejection] = []
    seen: set[str] = set()
    for value in values:
        why = why_not_open(value)
        if why is None or repr(value) in seen:
            continue
        seen.add(repr(value))
        out.append(Rejection(str(value), why))
    return out


def same_type(a: str | None, b: str | None) -> bool:
    """Whether two media types have the same essence (parameters and case ignored)."""
    if a is None or b is None:
        return False
    first, second = essence(a), essence(b)
    return first is not None and first == second
