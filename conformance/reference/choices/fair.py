"""FAIR's open choices (see ../../../docs/CHOICES.md).

Each is a place where FAIR's draft lets a conformant platform answer one
way or another; the reference's FAIR module (``reference/fair*.py``) takes
whichever the choice set names. None of them ever depends on who asks.
"""

from __future__ import annotations

from typing import Any, Final

from .core import Choice

_C5: Final = (
    'COMMON C5: "may choose among every option a standard leaves open (id formats, page '
    'sizes, …, 201 or 200 where both are allowed)"'
)
_LISTING: Final = (
    'FAIR: "`GET /fair/v1/items?query=&page_token=&limit=`" (no page size, order or search rule)'
)

PAGE_SIZES: Final = Choice(
    "fair.page_sizes",
    default=(10, 50),
    alt=(4, 6),
    strict=(1, 1),
    others=((25, 100),),
    source=f"{_LISTING}; {_C5}",
    description="`[items without limit, most items per page]`: a larger `limit` is served "
    "with the second (a page may hold fewer items than asked); `limit` below 1 is a 400.",
)
PAGE_FILL: Final = Choice(
    "fair.page_fill",
    default="full",
    alt="uneven",
    source=f"{_LISTING}; a page holding fewer items than asked is not the last one unless "
    "`next_page_token` is null or absent",
    description="`full`: every page but the last holds the page size; `uneven`: every second "
    "page holds one item fewer.",
)
PAGE_TOKENS: Final = Choice(
    "fair.page_tokens",
    default="nonce",
    alt="bound",
    others=("stable", "carried"),
    source='FAIR: "Page tokens are opaque and may differ between clients"; "No field of these '
    'operations is volatile …, page tokens aside"',
    description="`nonce`: a fresh random token on every answer, valid only with the same "
    "`query`; `bound`: as `nonce`, and refused (400) when another credential presents it; "
    "`stable`: equal requests get equal tokens; `carried`: the token carries the query, and "
    "a `query` sent along with it is ignored.",
)
IDS: Final = Choice(
    "fair.ids",
    default="prefixed",
    alt="uuid",
    others=("numeric", "escaped"),
    source='COMMON C5: "IDs are opaque strings"; ' + _C5,
    description="Item and merchant ids: `itm_001`; a UUID; digits (`1001`); or text that "
    "needs percent-encoding in a path (`itm 001:ü`).",
)
MONEY_SCALE: Final = Choice(
    "fair.money_scale",
    default="cents",
    alt="minimal",
    others=("four",),
    source='COMMON C5: "Money: decimal strings (`"19.90"`)"; the COMMON `Money` schema '
    "allows any number of decimals",
    description="`price`, `unit_price`, `total`: two decimals (`19.90`); as few as the value "
    "needs (`19.9`, `89`); four decimals (`19.9000`).",
)
DISCOUNT_FORM: Final = Choice(
    "fair.discount_form",
    default="minimal",
    alt="one-decimal",
    others=("two-decimals",),
    source='FAIR: "`discount_percent` is a decimal string (`"5"`, `"12.5"`)"',
    description="`discount_percent` as `5` / `12.5`, `5.0` / `12.5`, or `5.00` / `12.50`.",
)
TIE_RULE: Final = Choice(
    "fair.tie_rule",
    default="first",
    alt="last",
    source='FAIR-002: "the one with the largest discount applies (one at most; on a tie either '
    'may be named)"',
    description="Which of the eligible rules with the largest discount a quote names: the "
    "first listed or the last.",
)
LAST_PAGE_TOKEN: Final = Choice(
    "fair.last_page_token",
    default="null",
    alt="absent",
    source='FAIR: "`next_page_token` (`null` or absent on the last page)"',
    description="The last page's `next_page_token`: `null`, or no member at all.",
)
QUOTE_STATUS: Final = Choice(
    "fair.quote_status",
    default=200,
    alt=201,
    source="FAIR gives `POST /fair/v1/quotes` a body and no status; " + _C5,
    description="Status of a successful quote: 200, or 201 (a quote kept as a resource).",
)
CORS_ORIGIN: Final = Choice(
    "fair.cors_origin",
    default="echo",
    alt="wildcard",
    source='FAIR-007: "actual responses carry `Access-Control-Allow-Origin` for it alike" '
    "(Fetch: `*` allows every origin when no credentials mode is used; the bearer token "
    "travels in `Authorization`)",
    description="`echo`: each registered client's origin is echoed (with `Vary: Origin`); "
    "`wildcard`: `*` for every origin.",
)
CORS_PREFLIGHT: Final = Choice(
    "fair.cors_preflight",
    default="listed",
    alt="echo",
    others=("wide",),
    source='FAIR-007 asks only that every client get "the same allowed methods and headers"; '
    "Fetch lets a preflight answer 200 or 204, list what it allows or echo what was asked, "
    "and choose `Access-Control-Max-Age`",
    description="`listed`: 204, `GET, POST, OPTIONS`, `Authorization, Content-Type`, max-age "
    "600; `echo`: 200, the requested method and headers echoed, no max-age; `wide`: 204, "
    "more methods and headers, max-age 86400.",
)
RATE_LIMIT_ENTRIES: Final = Choice(
    "fair.rate_limit_entries",
    default="star",
    alt="over-star",
    others=("per-class",),
    source='FAIR: "`rate_limits`: [{"client_class": "*" | "first_party" | "third_party" | '
    '"competitor", …}]"; "an entry for a class overrides `*`"',
    description="How the rules publish the quota the platform enforces (`common.rate_quota`): "
    "`star`: one `*` entry; `per-class`: one entry per class, no `*`; `over-star`: one entry "
    "per class and a `*` entry of half the quota, which no class falls back to.",
)
ITEM_ORDER: Final = Choice(
    "fair.item_order",
    default="catalogue",
    alt="title",
    others=("price",),
    source=_LISTING + "; FAIR-010 asks for one order, the same for every client",
    description="Order of the listing: as catalogued, by title, or by price (highest first).",
)
SEARCH: Final = Choice(
    "fair.search",
    default="substring",
    alt="words",
    source=_LISTING,
    description="What `query` matches: `substring` (case-insensitive, anywhere in the title); "
    "`words` (every word of the query begins a word of the title).",
)

CHOICES: Final[tuple[Choice[Any], ...]] = (
    PAGE_SIZES,
    PAGE_FILL,
    PAGE_TOKENS,
    IDS,
    MONEY_SCALE,
    DISCOUNT_FORM,
    TIE_RULE,
    LAST_PAGE_TOKEN,
    QUOTE_STATUS,
    CORS_ORIGIN,
    CORS_PREFLIGHT,
    RATE_LIMIT_ENTRIES,
    ITEM_ORDER,
    SEARCH,
)
