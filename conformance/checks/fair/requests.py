"""The logical requests the FAIR parity checks send, built from what the platform lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from conformance.compare import LogicalRequest
from conformance.fair.client import ITEMS_PATH, QUOTES_PATH
from conformance.fair.rules import Rules

UNKNOWN_ITEM = "conformance-unknown-0"


def parity_requests(
    items: Sequence[Mapping[str, Any]], rules: Rules | None = None
) -> list[tuple[LogicalRequest, str]]:
    """(request, operationId) pairs: listings, item reads, quotes."""
    first = str(items[0].get("id"))
    word = str(items[0].get("title", "")).split(" ")[0][:6]
    out: list[tuple[LogicalRequest, str]] = [
        (LogicalRequest("GET", ITEMS_PATH), "listItems"),
        (LogicalRequest("GET", ITEMS_PATH, params={"limit": "5"}), "listItems"),
        (LogicalRequest("GET", ITEMS_PATH, params={"query": word}), "listItems"),
        (LogicalRequest("GET", f"{ITEMS_PATH}/{UNKNOWN_ITEM}"), "getItem"),
        (
            LogicalRequest("POST", QUOTES_PATH, json_body={"item_id": first, "quantity": 1}),
            "createQuote",
        ),
    ]
    for item in items[:: max(1, len(items) // 4)][:4]:
        out.append(
            (
                LogicalRequest("GET", f"{ITEMS_PATH}/{quote(str(item.get('id')), safe='')}"),
                "getItem",
            )
        )
    for rule in rules.pricing[:3] if rules else ():
        body: dict[str, Any] = {"item_id": first, "quantity": rule.min_quantity or 3}
        if rule.coupon is not None:
            body["coupon"] = rule.coupon
        out.append((LogicalRequest("POST", QUOTES_PATH, json_body=body), "createQuote"))
    return out
