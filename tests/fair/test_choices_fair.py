"""The reference's FAIR choices: each option behaves as declared, and alike for every client."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance.reference.choices import choice_set
from conformance.reference.choices.common import RATE_QUOTA
from conformance.reference.choices.core import ChoiceSet
from conformance.reference.choices.fair import (
    CORS_ORIGIN,
    IDS,
    LAST_PAGE_TOKEN,
    MONEY_SCALE,
    PAGE_FILL,
    PAGE_SIZES,
    PAGE_TOKENS,
    QUOTE_STATUS,
    RATE_LIMIT_ENTRIES,
    SEARCH,
    TIE_RULE,
)
from conformance.reference.fair_catalog import format_money, format_percent, make_items
from conformance.reference.server import ReferencePlatform

TIMEOUT = 10


@pytest.fixture
def platform(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ReferencePlatform]:
    """A reference taking the choices the test names (``default`` with replacements)."""
    choices: ChoiceSet = getattr(request, "param", choice_set("default"))
    with ReferencePlatform(data_dir=tmp_path / "ref", part_size=4096, choices=choices) as running:
        yield running


def _call(
    platform: ReferencePlatform,
    method: str,
    path: str,
    client: str = "first_party",
    user: str = "alice",
    **kw: Any,
) -> requests.Response:
    ids = platform.identities
    headers = {**ids.clients[client], "Authorization": f"Bearer {ids.token(client, user)}"}
    return requests.request(
        method, platform.base_url + path, headers=headers, timeout=TIMEOUT, **kw
    )


def _with(*pairs: Any) -> ChoiceSet:
    return choice_set("default").replacing(*pairs)


def _pages(platform: ReferencePlatform, client: str = "first_party", **params: str) -> list[Any]:
    pages, token = [], None
    for _ in range(100):
        query = dict(params) | ({"page_token": token} if token else {})
        body = _call(platform, "GET", "/fair/v1/items", client, params=query).json()
        pages.append(body)
        token = body.get("next_page_token")
        if not token:
            return pages
    raise AssertionError("paging did not end")


def test_money_and_percent_forms_are_the_same_amounts() -> None:
    for amount in ("19.90", "89.00", "0.15", "100.00"):
        forms = {format_money(Decimal(amount), s) for s in MONEY_SCALE.options}
        assert {Decimal(f) for f in forms} == {Decimal(amount)}
    assert format_money(Decimal("19.90"), "minimal") == "19.9"
    assert format_money(Decimal("100.00"), "minimal") == "100"
    assert [format_percent(Decimal(p), "one-decimal") for p in ("5", "12.5")] == ["5.0", "12.5"]


def test_id_styles_keep_the_catalogue() -> None:
    styles = {style: make_items(style) for style in IDS.options}
    reference = styles["prefixed"]
    for items in styles.values():
        assert [(i.title, i.price) for i in items] == [(i.title, i.price) for i in reference]
        assert len({i.id for i in items}) == len(items)


@pytest.mark.parametrize(
    "platform",
    [_with((PAGE_SIZES, (4, 6)), (PAGE_FILL, "uneven"), (LAST_PAGE_TOKEN, "absent"))],
    indirect=True,
)
def test_uneven_pages_clamp_the_limit_and_end_without_a_token(platform: ReferencePlatform) -> None:
    pages = _pages(platform, limit="100")
    sizes = [len(p["items"]) for p in pages]
    assert sizes[:2] == [6, 5]  # clamped to 6, then one fewer
    assert sum(sizes) == 23
    assert "next_page_token" not in pages[-1]


@pytest.mark.parametrize("platform", [_with((PAGE_TOKENS, "bound"))], indirect=True)
def test_bound_tokens_serve_only_their_credential(platform: ReferencePlatform) -> None:
    first = _call(platform, "GET", "/fair/v1/items", params={"limit": "3"}).json()
    token = first["next_page_token"]
    own = _call(platform, "GET", "/fair/v1/items", params={"limit": "3", "page_token": token})
    other = _call(
        platform,
        "GET",
        "/fair/v1/items",
        "third_party",
        params={"limit": "3", "page_token": token},
    )
    assert own.status_code == 200
    assert other.status_code == 400 and other.json()["code"] == "INVALID"
    # Each client pages its own way to the same items.
    assert [i["id"] for p in _pages(platform, limit="3") for i in p["items"]] == [
        i["id"] for p in _pages(platform, "competitor", limit="3") for i in p["items"]
    ]


@pytest.mark.parametrize(
    "platform", [_with((PAGE_TOKENS, "carried")), _with((PAGE_TOKENS, "stable"))], indirect=True
)
def test_query_is_kept_across_pages(platform: ReferencePlatform) -> None:
    filtered = [i["title"] for p in _pages(platform, query="desk", limit="1") for i in p["items"]]
    assert len(filtered) == 3 and all("desk" in t.casefold() for t in filtered)


@pytest.mark.parametrize("platform", [_with((SEARCH, "words"))], indirect=True)
def test_word_search_matches_word_prefixes(platform: ReferencePlatform) -> None:
    titles = [i["title"] for p in _pages(platform, query="DES LA") for i in p["items"]]
    assert titles == ["Desk lamp"]


@pytest.mark.parametrize(
    "platform", [_with((QUOTE_STATUS, 201), (TIE_RULE, "last"))], indirect=True
)
def test_quote_status_and_tie(platform: ReferencePlatform) -> None:
    body = {"item_id": "itm_001", "quantity": 100, "coupon": "SAVE12"}
    answer = _call(platform, "POST", "/fair/v1/quotes", json=body)
    assert answer.status_code == 201
    assert answer.json()["applied_rules"] == ["coupon-save12"]  # the last of the tied rules


@pytest.mark.parametrize("platform", [_with((RATE_LIMIT_ENTRIES, "over-star"))], indirect=True)
def test_class_entries_override_a_star_no_class_uses(platform: ReferencePlatform) -> None:
    rules = requests.get(platform.base_url + "/.well-known/platform-rules", timeout=TIMEOUT).json()
    entries = {e["client_class"]: e["requests"] for e in rules["rate_limits"]}
    quota, _ = platform.choices[RATE_QUOTA]
    assert entries["*"] < quota
    assert {entries[c] for c in ("first_party", "third_party", "competitor")} == {quota}
    stated = _call(platform, "GET", "/fair/v1/items", "competitor").headers["RateLimit-Policy"]
    assert f"q={quota};" in stated


@pytest.mark.parametrize("platform", [_with((CORS_ORIGIN, "wildcard"))], indirect=True)
def test_wildcard_cors_allows_every_origin(platform: ReferencePlatform) -> None:
    for origin in ("https://tool.third-party.test", "https://elsewhere.test"):
        r = requests.options(
            platform.base_url + "/fair/v1/quotes",
            timeout=TIMEOUT,
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        assert r.headers["Access-Control-Allow-Origin"] == "*"
