"""DISC's open choices (see ../../../docs/CHOICES.md).

Each one is a place where DISC.md lets a conformant platform do one thing
or another; the reference takes the option its ``ChoiceSet`` names
(:mod:`conformance.reference.disc`, :mod:`~conformance.reference.disc_rules`).
"""

from __future__ import annotations

from typing import Any, Final

from .common import C5_EXTENSIBLE
from .core import Choice

_EVERY_NUMBER: Final = 'DISC.md, Operations: "every number a decimal string"'
_OPERATIONS: Final = "DISC.md, Operations"

RULES: Final = Choice(
    "disc.rules",
    default="reference",
    alt="second",
    source=_OPERATIONS + ': `"zone_multipliers": {<zone>: multiplier}`, `"fees": [{"category", '
    "...}]`: the draft sets no zone names, categories or values",
    description="The published rules: `reference` (zones `centre` 1.20, `inner` 1.00, "
    "`outer` 0.95, `airport` 1.35; four categories) or `second` (zones with a space and in "
    "Chinese, multipliers 0.85, 1, 1.075 and 1.4; categories in Chinese; a rate with three "
    "decimals). Both publish a multiplier below 1, whose zone component is negative.",
)
DECIMAL_STYLE: Final = Choice(
    "disc.decimal_style",
    default="as-published",
    alt="trimmed",
    others=("padded",),
    source=_EVERY_NUMBER + '; COMMON C5: Money is a decimal string ("19.90") and compares as a '
    "decimal number",
    description="How every number is written, in the disclosure, quotes and explanations: "
    'as the rules are written (`"3.50"`, `"8"`, amounts with two places); `trimmed` '
    '(`"3.5"`, `"8"`, `"0"`); `padded` (four places: `"3.5000"`).',
)
VERSION_NAMES: Final = Choice(
    "disc.version_names",
    default="v-numbers",
    alt="dates",
    others=("semver",),
    source=_OPERATIONS + ': `"version"` and `"rules_version"` name a version; the draft sets '
    "no form",
    description="Version names: `v1`…`v4`, the date each takes effect (`2026-06-12`), or "
    "`1.0.0`…`1.3.0`.",
)
VERSION_URLS: Final = Choice(
    "disc.version_urls",
    default="path",
    alt="relative",
    others=("absolute", "query"),
    source=_OPERATIONS + ': "Each URL in `previous_versions` and `upcoming` serves that '
    "version's document\"; RFC 3986 §5 resolves a relative reference against the document's "
    "URL",
    description="URLs of other versions: an absolute path (`/.well-known/platform-disclosure"
    "/versions/v2`); a reference relative to the listing document (`versions/v2` or `v2`); "
    "an absolute URL on the platform's origin; or the well-known path with a query "
    "(`?version=v2`).",
)
PREVIOUS_LISTING: Final = Choice(
    "disc.previous_listing",
    default="all",
    alt="chain",
    source=_OPERATIONS + ': `"previous_versions": [urls]`; DISC-006: "previous versions stay '
    'retrievable" (the draft does not say every document lists all of them)',
    description="`previous_versions` lists every earlier version, or only the one just "
    "before (each document listing its own predecessor: a chain).",
)
UPCOMING: Final = Choice(
    "disc.upcoming",
    default="published",
    alt="none",
    source=_OPERATIONS + ': `"upcoming": null | {"url", "published_at", "effective_from"}`',
    description="Whether a next version is published ahead (`upcoming` an object) or none is "
    "(`upcoming: null`).",
)
NOTICE_DAYS: Final = Choice(
    "disc.notice_days",
    default=20,
    alt=31,
    strict=15,
    source='DISC-006: "each take effect at least 15 days after their `published_at`"',
    description="Days between each version's `published_at` and its `effective_from` "
    "(strict: exactly 15 days, to the second).",
)
QUOTE_STATUS: Final = Choice(
    "disc.quote_status",
    default=200,
    alt=201,
    source='DISC.md: "`POST /disc/v1/pay-quotes` … → `{"amount", …}`" and the same for fee '
    'quotes (no status named); COMMON C5: "201 or 200 where both are allowed"',
    description="Status of a quote: 200, or 201 (a quote created; RFC 9110 §15.3.2: without "
    "`Location`, the created resource is identified by the request's URI).",
)
BREAKDOWN_ORDER: Final = Choice(
    "disc.breakdown_order",
    default="draft",
    alt="reversed",
    others=("by-amount",),
    source='DISC-003: "lists exactly the components `base`, `distance`, `time`, `zone` (in '
    'any order)"',
    description="Order of the pay breakdown: as the draft lists the components, reversed, "
    "or by amount.",
)
QUOTE_EXTRAS: Final = Choice(
    "disc.quote_extras",
    default="party",
    alt="quote-id",
    others=("none",),
    source='DISC-005: "equal, in every field DISC defines"; ' + C5_EXTENSIBLE,
    description="Members of quotes DISC does not define: the worker's or merchant's id; a "
    "fresh `quote_id` and `expires_at` on every answer; or none.",
)
DECISION_IDS: Final = Choice(
    "disc.decision_ids",
    default="prefixed",
    alt="punctuated",
    others=("uuid", "numeric"),
    source='COMMON C5: "IDs are opaque strings"',
    description="Decision ids: `dec_<hex>`; opaque text a path must percent-encode "
    "(`w1:20261204#3+Qx=`); a UUID; or a decimal counter.",
)
EXPLANATIONS: Final = Choice(
    "disc.explanations",
    default="every-factor",
    alt="free-text",
    source='DISC.md: `"factors": [{"name", "value", "weight"}]` (the draft gives `value` no '
    'form); DISC-007: "names only factors that the version it names publishes"',
    description="Explanations: every published factor, with a decimal value, decisions "
    'oldest first; or `free-text`: values such as `"4 min"`, `"yes"`, `"4.6 of '
    '5"`, only the factors that mattered, by weight, each with a description and a '
    "contribution, decisions newest first.",
)

CHOICES: Final[tuple[Choice[Any], ...]] = (
    RULES,
    DECIMAL_STYLE,
    VERSION_NAMES,
    VERSION_URLS,
    PREVIOUS_LISTING,
    UPCOMING,
    NOTICE_DAYS,
    QUOTE_STATUS,
    BREAKDOWN_ORDER,
    QUOTE_EXTRAS,
    DECISION_IDS,
    EXPLANATIONS,
)
