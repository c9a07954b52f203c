"""COMMON's open choices: how any response may look (C3, C5)."""

from __future__ import annotations

from typing import Any, Final

from .core import Choice

C5_EXTENSIBLE: Final = (
    'COMMON C5: "a platform may add fields and headers that a standard does not '
    'define, and may choose among every option a standard leaves open"'
)

JSON_MEDIA_TYPE: Final = Choice(
    "common.json_media_type",
    default="application/json",
    alt="application/json; charset=utf-8",
    source="RFC 8259 §11 and RFC 9110 §8.3.1: media-type parameters are allowed; " + C5_EXTENSIBLE,
    description="`Content-Type` of JSON bodies: bare, or with a `charset` parameter.",
)
PROBLEM_MEDIA_TYPE: Final = Choice(
    "common.problem_media_type",
    default="application/problem+json",
    alt="application/problem+json; charset=utf-8",
    source="COMMON C-002 names the media type; RFC 9110 §8.3.1 allows parameters on it",
    description="`Content-Type` of problem bodies: bare, or with a `charset` parameter.",
)
PROBLEM_TYPE: Final = Choice(
    "common.problem_type",
    default="typed",
    alt="about:blank",
    source="COMMON C-002 requires `type`, `title`, `status` and `code`; RFC 9457 §4.2.1 allows "
    '`"about:blank"` with the status phrase as title',
    description="`typed`: a type URI and title per code; `about:blank`: the RFC 9457 default "
    "type, its title the HTTP status phrase.",
)
EXTRA_FIELDS: Final = Choice(
    "common.extra_fields",
    default="none",
    alt="volatile",
    others=("stable",),
    source=C5_EXTENSIBLE + '; "the suite ignores unknown fields"',
    description="Fields no standard defines on every top-level object and every object with "
    "an `id`: `none`; `stable` (the same values every time); `volatile` (a request id, a "
    "timestamp and a random number that differ on every answer).",
)
EXTRA_HEADERS: Final = Choice(
    "common.extra_headers",
    default="none",
    alt="volatile",
    source=C5_EXTENSIBLE,
    description="Headers no standard defines on every answer: `none`, or `volatile` "
    "(`X-Request-Id`, `Server-Timing` with values that change on every answer).",
)
KEY_ORDER: Final = Choice(
    "common.key_order",
    default="natural",
    alt="reversed",
    others=("shuffled",),
    source="RFC 8259 §4: the names within an object are unordered",
    description="Order of the members of every JSON object: as built, reversed, or shuffled.",
)
ASCII_JSON: Final = Choice(
    "common.ascii_json",
    default=False,
    alt=True,
    source="RFC 8259 §7: any character may be escaped; COMMON C5 forbids changing the text, "
    "not its encoding",
    description="`true`: every non-ASCII character of a JSON body is written as a `\\u` escape.",
)
TIMESTAMPS: Final = Choice(
    "common.timestamps",
    default="utc-millis",
    alt="offset-micros",
    others=("utc-seconds-when-whole",),
    source='COMMON C5: "Timestamps: RFC 3339 with an offset (`Z` included); two timestamps '
    'are equal when they denote the same instant"',
    description="How the platform writes a timestamp in JSON answers: `Z` with milliseconds; "
    "another offset (`+05:30`) with microseconds; or `Z` without a fraction when it is zero.",
)
RATELIMIT_SYNTAX: Final = Choice(
    "common.ratelimit_syntax",
    default="structured",
    alt="draft-07",
    source='COMMON C-004: "the suite accepts the draft-07 syntax (`limit=, remaining=, '
    'reset=`) and the later structured one"',
    description="Syntax of the `RateLimit-Policy` and `RateLimit` headers.",
)
RETRY_AFTER: Final = Choice(
    "common.retry_after",
    default="seconds",
    alt="http-date",
    source="COMMON C-003 requires `Retry-After`; RFC 9110 §10.2.3 allows delay-seconds or an "
    "HTTP-date",
    description="Form of `Retry-After` on a 429.",
)
RATE_QUOTA: Final = Choice(
    "common.rate_quota",
    default=(5000, 60),
    alt=(1200, 60),
    strict=(60, 10),
    source='FAIR: "A quota applies per credential (one client for one user)"; no draft sets '
    "a floor for a platform-wide quota, only that each class gets what is published",
    description="Requests per window (per credential) the platform publishes and enforces "
    "exactly: `[requests, window_seconds]`.",
)
LATENCY_JITTER_MS: Final = Choice(
    "common.latency_jitter_ms",
    default=0,
    alt=0,
    strict=4,
    others=(2,),
    source="No draft bounds latency in absolute terms; FAIR-004 compares clients' latencies "
    "with each other",
    description="Median of a log-normal delay added to every answer, the same for every "
    "client (0: none).",
)

CHOICES: Final[tuple[Choice[Any], ...]] = (
    JSON_MEDIA_TYPE,
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE,
    EXTRA_FIELDS,
    EXTRA_HEADERS,
    KEY_ORDER,
    ASCII_JSON,
    TIMESTAMPS,
    RATELIMIT_SYNTAX,
    RETRY_AFTER,
    RATE_QUOTA,
    LATENCY_JITTER_MS,
)
