"""PORT's open choices (see ../../../docs/CHOICES.md).

Each option is one a conformant PORT platform may take; ``source`` quotes
the words of ``PORT.md`` (or COMMON) that allow every option. The limits
(``port.exports_per_day``, ``port.export_timing``, ...) take the draft's
floor or ceiling in the ``strict`` set.
"""

from __future__ import annotations

from typing import Any, Final

from .core import Choice

_C5: Final = (
    'COMMON C5: "a platform may add fields and headers that a standard does not define, and '
    "may choose among every option a standard leaves open (id formats, page sizes, how many "
    "parts an export has, signed or authenticated download URLs, 201 or 200 where both are "
    'allowed)"'
)

ID_FORMAT: Final = Choice(
    "port.id_format",
    default="prefixed",
    alt="uuid",
    others=("numeric", "opaque"),
    source='PORT "Comparing records": "ids and the Media `url` are the platform\'s to assign"; '
    'COMMON C5: "IDs are opaque strings"; ' + _C5,
    description="Ids of records, export jobs and import jobs: `prefixed` (`post_3f9c…`), "
    "`uuid`, `numeric` (a decimal counter as a string), `opaque` (about 120 URL-safe "
    "characters).",
)
PART_SPLIT: Final = Choice(
    "port.part_split",
    default="fixed",
    alt="single",
    others=("line-ends", "small-odd"),
    source='PORT "Archive format": "An export may be split into several parts; their '
    "concatenation, in the listed order, is the archive (a part may end inside a line, even "
    'inside a UTF-8 character)"; ' + _C5,
    description="How an archive is cut into parts: `fixed` (the platform's part size, cut "
    "anywhere), `single` (one part), `line-ends` (cut at the first line end past the part "
    "size), `small-odd` (1 021-byte parts, so cuts fall inside lines and UTF-8 characters).",
)
DOWNLOAD_URLS: Final = Choice(
    "port.download_urls",
    default="signed",
    alt="credentials",
    source="PORT-006: \"Part and media URLs either require the owner's credentials, or are "
    'signed URLs living at most `port.signed_url_seconds`"; ' + _C5,
    description="`signed`: part URLs carry an expiry and a signature and need no "
    "credentials (media URLs need the owner's); `credentials`: part and media URLs need the "
    "owner's credentials (and `port.signed_url_seconds` is not declared).",
)
URL_FORM: Final = Choice(
    "port.url_form",
    default="root-relative",
    alt="absolute",
    others=("path-relative",),
    source='PORT: "URLs may be absolute or relative to the request URL."; the PORT spec '
    "resolves a Media `url` against the base URL",
    description="How `Location`, part and Media URLs are written: `/port/v1/…`, absolute "
    "(`http://host:port/port/v1/…`, the host as the request named it), or path-relative "
    "(`1?…` against the job's URL, `port/v1/media/…` against the base URL).",
)
MEDIA_REPEAT_STATUS: Final = Choice(
    "port.media_repeat_status",
    default=200,
    alt=201,
    source='PORT: "`PUT /port/v1/media/{sha256}` raw bytes → `201` (or `200` if this account '
    'already holds those bytes)"; PORT-016: "a repeated PUT of the same bytes is harmless (200 '
    'or 201)"',
    description="Status of a PUT of bytes the account already holds.",
)
ARCHIVE_EXTRA_FIELDS: Final = Choice(
    "port.archive_extra_fields",
    default="none",
    alt="volatile",
    others=("stable",),
    source=_C5 + '; PORT: "unknown fields may be dropped" (on import)',
    description="Fields the draft does not define on the manifest and on every archive "
    "record and feed record: `none`, `stable`, or `volatile` (different on every export).",
)
ARCHIVE_KEY_ORDER: Final = Choice(
    "port.archive_key_order",
    default="natural",
    alt="reversed",
    others=("shuffled",),
    source='RFC 8259 §4 ("An object is an unordered collection"); PORT: "one JSON object per line"',
    description="Order of the members of archive lines and feed records.",
)
ARCHIVE_ASCII: Final = Choice(
    "port.archive_ascii",
    default=False,
    alt=True,
    source='RFC 8259 §7 (any character may be escaped); PORT: "Text is compared as sequences '
    'of code points"',
    description="`true`: archive lines write every non-ASCII character as a `\\u` escape.",
)
ARCHIVE_TIMESTAMPS: Final = Choice(
    "port.archive_timestamps",
    default="as-imported",
    alt="offset-micros",
    others=("utc-millis", "utc-seconds-when-whole"),
    source='PORT "Comparing records": "Timestamps are equal when they denote the same '
    'instant, truncated to the millisecond"; COMMON C5 "RFC 3339 with an offset"',
    description="How archive and feed records write timestamps: as imported; another offset "
    "(`+05:30`) with microseconds; UTC truncated to the millisecond; or UTC without a "
    "fraction when it is zero.",
)
MONEY_SCALE: Final = Choice(
    "port.money_scale",
    default="as-imported",
    alt="minimal",
    others=("scale-3",),
    source='PORT "Comparing records": "Money is compared as decimal numbers and must match '
    '`-?(0|[1-9][0-9]*)(\\.[0-9]+)?`"; COMMON C-002\'s Money: "`19.9` equals `19.90`"',
    description="How exported money is written: as imported (`19.90`), with no trailing zeros "
    "(`19.9`), or with at least three decimals (`19.900`).",
)
CHANGES_PAGE: Final = Choice(
    "port.changes_page",
    default="limit",
    alt="short",
    others=("ragged",),
    source='PORT: "a page may hold fewer changes than `limit`"',
    description="Changes per page: up to `limit`; at most 37 (`short`); or a random size "
    "from 0 to `limit`, an empty page now and then (`ragged`).",
)
CURSOR_STYLE: Final = Choice(
    "port.cursor_style",
    default="opaque",
    alt="numeric",
    others=("long",),
    source='PORT: "`GET /port/v1/changes?cursor=&limit=` → … `next_cursor`" (no form is '
    "given); " + _C5,
    description="Cursors: short base64 (`opaque`), the last seq as decimal digits "
    "(`numeric`), or a long signed token (`long`).",
)
GONE_STATUS: Final = Choice(
    "port.gone_status",
    default=404,
    alt=410,
    source='PORT: "After DELETE or `expires_at` the job answers 404 or 410."',
    description="Status of a deleted or expired export job (and of a second DELETE).",
)
FOREIGN_STATUS: Final = Choice(
    "port.foreign_status",
    default=404,
    alt=403,
    others=(401,),
    source='PORT-006: "another user cannot read or list the export jobs, imports, media or '
    'changes of an account (401/403/404 with a problem body)"',
    description="Status of a job, import, part or media of another account, read with "
    "valid credentials.",
)
EXPORT_STATES: Final = Choice(
    "port.export_states",
    default="pending-running-ready",
    alt="pending-ready",
    source='PORT: "`status`: `pending` | `running` | `ready` | `failed`" (no state but '
    "`ready` is required of a successful export)",
    description="Whether an export shows `running` between `pending` and `ready`.",
)
REJECTION_CODES: Final = Choice(
    "port.rejection_codes",
    default="INVALID",
    alt="by-reason",
    source='PORT: "`code` is one of COMMON C-002\'s codes"',
    description="The `code` of a rejected import line: always `INVALID`, or by reason "
    "(`NOT_FOUND` for a missing reference or bytes, `CONFLICT` for a duplicate or a "
    "reference to a rejected line, `UNSUPPORTED` for an unknown type, `TOO_LARGE` for "
    "too long a text).",
)

# -- limits -------------------------------------------------------------------------------

EXPORTS_PER_DAY: Final = Choice(
    "port.exports_per_day",
    default=50,
    alt=10,
    strict=4,
    source='PORT: "`port.exports_per_day` — a floor the platform must allow (at least 4)"; '
    'PORT-007 "a POST is refused (429 with `Retry-After`) only when `GET /port/v1/exports` '
    'already lists at least that many exports created in the last 24 hours"',
    description="Declared `port.exports_per_day`, enforced exactly: the next POST is a 429 "
    "once that many exports of the last 24 h are listed.",
)
EXPORT_TIMING: Final = Choice(
    "port.export_timing",
    default=(10, 0.0),
    alt=(30, 1.5),
    strict=(12, 9.5),
    others=((20, 4.0),),
    source='PORT: "`port.max_export_seconds` — a ceiling the platform promises"; PORT-001 '
    '"reaches `ready` within `port.max_export_seconds` … counted from the POST"',
    description="`[declared port.max_export_seconds, real seconds from the POST to ready]`.",
)
MAX_IMPORT_RECORDS: Final = Choice(
    "port.max_import_records",
    default=10_000,
    alt=50_000,
    strict=10_000,
    source='PORT: "`port.max_import_records` — a floor (at least 10 000)"',
    description="Declared `port.max_import_records`; an import with more records is refused "
    "with 413 `TOO_LARGE`.",
)
SIGNED_URL_SECONDS: Final = Choice(
    "port.signed_url_seconds",
    default=900,
    alt=3600,
    strict=300,
    others=(86_400,),
    source='PORT: "`port.signed_url_seconds` — only for platforms whose download URLs are '
    "signed: their lifetime counted from the response that carried the URL, at least 300 and "
    'at most 86 400"',
    description="Lifetime of signed part URLs, declared and enforced (only with "
    "`port.download_urls: signed`).",
)

CHOICES: Final[tuple[Choice[Any], ...]] = (
    ID_FORMAT,
    PART_SPLIT,
    DOWNLOAD_URLS,
    URL_FORM,
    MEDIA_REPEAT_STATUS,
    ARCHIVE_EXTRA_FIELDS,
    ARCHIVE_KEY_ORDER,
    ARCHIVE_ASCII,
    ARCHIVE_TIMESTAMPS,
    MONEY_SCALE,
    CHANGES_PAGE,
    CURSOR_STYLE,
    GONE_STATUS,
    FOREIGN_STATUS,
    EXPORT_STATES,
    REJECTION_CODES,
    EXPORTS_PER_DAY,
    EXPORT_TIMING,
    MAX_IMPORT_RECORDS,
    SIGNED_URL_SECONDS,
)
