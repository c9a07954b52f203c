"""CLOUD's open choices: the switching profile and the registry (see ../../../docs/CHOICES.md).

Each one is a place where CLOUD.md (or the OCI distribution spec it points
to) lets a conformant platform do one thing or another; the reference takes
the option its ``ChoiceSet`` names (:mod:`conformance.reference.cloud`,
:mod:`~conformance.reference.cloud_switching`, :mod:`~conformance.reference.cloud_oci`).
The S3 surface's choices are in :mod:`.cloud_s3`.
"""

from __future__ import annotations

from typing import Any, Final

from .common import C5_EXTENSIBLE
from .core import Choice

_SWITCHING: Final = 'CLOUD.md, Profile `switching`: `GET /.well-known/cloud-switching` → `{…}`"'
_INVENTORY: Final = (
    'CLOUD.md: "`GET /cloud/v1/inventory?cursor=` → `{"resources": [...], "next_cursor"}`"'
)
_EXPORTS: Final = (
    'CLOUD.md: "`POST /cloud/v1/switch-exports` → `202`, `Location`; '
    '`GET /cloud/v1/switch-exports/{id}` → `{"status", "eta_days", "retrievable_until", '
    '"manifest_url"}`"'
)
_PULL: Final = "OCI distribution spec, Pull category"

MAX_SWITCH_DAYS: Final = Choice(
    "cloud.max_switch_days",
    default=30,
    alt=7,
    source='CLOUD-001: "`max_switch_days` ≤ 30" (Data Act Art. 25(2)(a): at most 30 days)',
    description="Declared `max_switch_days`: the ceiling, or a week.",
)
RETRIEVAL_DAYS: Final = Choice(
    "cloud.retrieval_days",
    default=30,
    alt=90,
    source='CLOUD-001: "`retrieval_days` ≥ 30" (Data Act Art. 25(2)(g): at least 30 days)',
    description="Declared `retrieval_days`: the floor, or 90; a finished switch-export stays "
    "retrievable that long (plus a day's grace) from the first answer that reports it done.",
)
SWITCHING_CHARGE: Final = Choice(
    "cloud.switching_charge",
    default="declared",
    alt="zero",
    source='CLOUD-002: "`switching_charge_per_gb` is 0 from 2027-01-12 …; before that it is '
    'declared" (Data Act Art. 29: at cost until then)',
    description="`switching_charge_per_gb` before 2027-01-12 by the platform's clock: a "
    '`declared` cost (`"0.02"`), or `"0"` already; from 2027-01-12 it is `"0"` either way.',
)
EXPORT_FORMATS: Final = Choice(
    "cloud.export_formats",
    default="core",
    alt="broad",
    source=_SWITCHING + '; CLOUD-005: "every listed media type is a registered, publicly '
    'specified one"',
    description="`export_formats`: `core` (`application/octet-stream`, `application/json` and "
    "the OCI image manifest and index) or `broad` (those, the OCI image layer, `text/plain`, "
    "`application/zip`, `text/csv`, `application/gzip`).",
)
INVENTORY_PAGE: Final = Choice(
    "cloud.inventory_page",
    default=100,
    alt=1,
    others=(7,),
    source=_INVENTORY + " (no page size is named); " + C5_EXTENSIBLE,
    description="Resources per inventory page; the last page's `next_cursor` is `null`.",
)
INVENTORY_CURSOR: Final = Choice(
    "cloud.inventory_cursor",
    default="opaque",
    alt="offset",
    source=_INVENTORY + '; COMMON C5: "cursors are opaque"',
    description="`next_cursor`: base64url of the last resource's id (`opaque`), or the next "
    'position as decimal digits (`"3"`).',
)
INVENTORY_EXTRAS: Final = Choice(
    "cloud.inventory_extras",
    default="images",
    alt="images-and-config",
    others=("objects-only",),
    source='CLOUD.md: `"kind": "object" | "database" | "image" | "config"`; CLOUD-003 judges '
    "resources of kind `object` only",
    description="Resources besides the objects: the account's registry images (one per "
    "manifest); those and a `config` resource (a JSON snapshot of the account's buckets and "
    "repositories); or none.",
)
EXPORT_URLS: Final = Choice(
    "cloud.export_urls",
    default="signed",
    alt="authenticated",
    source='CLOUD-004: "every `export_url` serves bytes matching `size` and `sha256`" (the '
    "draft does not say how it is authorised)",
    description="`export_url`: a signed URL living an hour that needs no credentials, or a "
    "URL under `/cloud/v1/resources/` that needs the account's bearer token.",
)
LOCATIONS: Final = Choice(
    "cloud.locations",
    default="path",
    alt="absolute",
    others=("relative",),
    source=_EXPORTS + "; the CLOUD spec: `Location`, `manifest_url` and `export_url` are "
    "absolute or relative (RFC 3986 §5); the OCI distribution spec: a `Location` may be "
    "absolute or relative",
    description="`Location` of a switch-export, an upload session, a blob and a manifest, "
    "`manifest_url` and `export_url`: an absolute path; an absolute URL on the host the request "
    "named; or relative to the URL of the answer (`exported/…` on an inventory page, "
    "`./sha256:…` for a manifest).",
)
EXPORT_TIMING: Final = Choice(
    "cloud.export_timing",
    default=0.0,
    alt=1.5,
    source='CLOUD-006: "a switch-export reaches a terminal state with `eta_days` ≤ '
    '`max_switch_days`" (no time is named but that ceiling)',
    description="Seconds from the POST until a switch-export is `completed` (until then "
    "`pending`, then `running`).",
)
EXPORT_ETA: Final = Choice(
    "cloud.export_eta",
    default="remaining",
    alt="declared",
    source=_EXPORTS + '; CLOUD-006: "`eta_days` ≤ `max_switch_days`"',
    description="`eta_days`: the whole days left (1 while running, 0 when done), or always the "
    "declared `max_switch_days`.",
)
EXPORT_BODY: Final = Choice(
    "cloud.export_body",
    default="minimal",
    alt="representation",
    source=_EXPORTS + " (the 202 body is not named); " + C5_EXTENSIBLE,
    description='The 202 body: `{"id", "status"}`, or the whole export as `GET` shows it.',
)
REGISTRY_AUTH: Final = Choice(
    "cloud.registry_auth",
    default="open",
    alt="token",
    strict="basic",
    source='CLOUD-201: "`GET /v2/` answers 200 (or 401 with a challenge that the configured '
    'credentials satisfy)"',
    description="`open`: `GET /v2/` answers 200 and nothing needs a login (credentials sent "
    "anyway are checked, and make the sender the owner of a repository it creates); `token`: "
    "every call answers 401 with a `Bearer` challenge whose realm hands out tokens "
    "(distribution's token flow): anonymous ones that pull, and for Basic credentials (a "
    "user's name, one of the user's tokens as password) ones that also push to the user's "
    "repositories; `basic`: every call needs those Basic credentials. A platform bearer "
    "token is accepted in every mode.",
)
BLOB_DELIVERY: Final = Choice(
    "cloud.blob_delivery",
    default="direct",
    alt="redirect",
    source="OCI distribution spec: a blob GET may answer 307 with the bytes at `Location`; the "
    "CLOUD spec: the suite follows a redirect to a configured origin",
    description="`GET` of a blob: the bytes, or a 307 to the same URL signed "
    "(`?expires=…&sig=…`, living five minutes), which serves them to whoever holds it, as "
    "registries that keep blobs in object storage send clients elsewhere. `HEAD` answers "
    "directly.",
)
PRELOADED_IMAGE: Final = Choice(
    "cloud.preloaded_image",
    default="oci",
    alt="docker",
    source=_PULL + ": a manifest is served with its own media type (OCI image manifest or "
    "Docker image manifest V2 schema 2)",
    description="Media types of the image the registry holds from the start "
    "(`reference/welcome:latest`, alice's): OCI image manifest, or Docker schema 2.",
)

CHOICES: Final[tuple[Choice[Any], ...]] = (
    MAX_SWITCH_DAYS,
    RETRIEVAL_DAYS,
    SWITCHING_CHARGE,
    EXPORT_FORMATS,
    INVENTORY_PAGE,
    INVENTORY_CURSOR,
    INVENTORY_EXTRAS,
    EXPORT_URLS,
    LOCATIONS,
    EXPORT_TIMING,
    EXPORT_ETA,
    EXPORT_BODY,
    REGISTRY_AUTH,
    BLOB_DELIVERY,
    PRELOADED_IMAGE,
)
