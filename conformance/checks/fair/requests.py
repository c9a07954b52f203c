"""The logical requests the FAIR parity checks send, built from what the platform lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from conformance import LogicalRequest
from conformance.fair.client import ITEMS_PATH, QUOTES_PATH, query_words
from conformance.fair.parity import Ask
from conformance.fair.rules import Rules

LISTING_PAGES = 3
"""Pages of an unfiltered listing followed per sender."""
FILTERED_PAGES = 6
"""Pages of a filtered listing followed per sender (``limit=2``)."""


def parity_asks(
    items: Sequence[Mapping[str, Any]], unknown: str, rules: Rules | None = None
) -> list[Ask]:
    """Listings (plain, a small ``limit``, filtered across pages), item reads, quotes.

    ``unknown`` is an item id that does not exist, made up for the run (``ordinary``).
    """
    first = str(items[0].get("id"))
    words = query_words(items)
    out = [
        Ask(LogicalRequest("GET", ITEMS_PATH), "listItems", LISTING_PAGES),
        Ask(LogicalRequest("GET", ITEMS_PATH, params={"limit": "5"}), "listItems", LISTING_PAGES),
        Ask(LogicalRequest("GET", f"{ITEMS_PATH}/{quote(unknown, safe='')}"), "getItem"),
        Ask(
            LogicalRequest("POST", QUOTES_PATH, json_body={"item_id": first, "quantity": 1}),
            "createQuote",
        ),
    ]
    if words:
        out.insert(
            2,
            Ask(
                LogicalRequest("GET", ITEMS_PATH, params={"query": words[0], "limit": "2"}),
                "listItems",
                FILTERED_PAGES,
            ),
        )
    for item in items[:: max(1, len(items) // 4)][:4]:
        path = f"{ITEMS_PATH}/{quote(str(item.get('id')), safe='')}"
        out.append(Ask(LogicalRequest("GET", path), "getItem"))
    for i, rule in enumerate(rules.pricing if rules else ()):
        target = str(items[i % len(items)].get("id"))
        body: dict[str, Any] = {"item_id": target, "quantity": rule.min_quantity or 3}
        if rule.coupon is not None:
            body["coupon"] = rule.coupon
        out.append(Ask(LogicalRequest("POST", QUOTES_PATH, json_body=body), "createQuote"))
    return out
