"""The reference platform's FAIR module, spoken to over loopback."""

from __future__ import annotations

from typing import Any

import requests

from conformance.reference.server import ReferencePlatform

TIMEOUT = 10


def _call(
    platform: ReferencePlatform, method: str, path: str, client: str = "first_party", **kw: Any
) -> requests.Response:
    ids = platform.identities
    headers = {**ids.clients[client], "Authorization": f"Bearer {ids.token(client, 'alice')}"}
    return requests.request(
        method, platform.base_url + path, headers=headers, timeout=TIMEOUT, **kw
    )


def test_published_quota_is_the_enforced_one(reference: ReferencePlatform) -> None:
    rules = requests.get(reference.base_url + "/.well-known/platform-rules", timeout=TIMEOUT).json()
    [limit] = rules["rate_limits"]
    stated = _call(reference, "GET", "/fair/v1/items").headers["RateLimit-Policy"]
    assert f"q={limit['requests']};w={limit['window_seconds']}" in stated


def test_paging_tokens_differ_but_yield_the_same_items(reference: ReferencePlatform) -> None:
    first = _call(reference, "GET", "/fair/v1/items", params={"limit": "4"}).json()
    again = _call(reference, "GET", "/fair/v1/items", params={"limit": "4"}).json()
    assert first["items"] == again["items"]
    assert first["next_page_token"] != again["next_page_token"]
    a = _call(
        reference,
        "GET",
        "/fair/v1/items",
        params={"limit": "4", "page_token": first["next_page_token"]},
    )
    b = _call(
        reference,
        "GET",
        "/fair/v1/items",
        params={"limit": "4", "page_token": again["next_page_token"]},
    )
    assert a.json()["items"] == b.json()["items"]


def test_quotes_do_not_depend_on_the_client(reference: ReferencePlatform) -> None:
    body = {"item_id": "itm_001", "quantity": 100, "coupon": "SAVE12"}
    answers = [
        _call(reference, "POST", "/fair/v1/quotes", c, json=body).json()
        for c in ("first_party", "third_party", "competitor")
    ]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["unit_price"] == "17.49" and answers[0]["total"] == "1749.00"


def test_a_foreign_page_token_and_a_bad_quote_are_problems(reference: ReferencePlatform) -> None:
    bad = _call(reference, "GET", "/fair/v1/items", params={"page_token": "!!"})
    assert bad.status_code == 400 and bad.json()["code"] == "INVALID"
    quote = _call(
        reference, "POST", "/fair/v1/quotes", json={"item_id": "itm_001", "quantity": True}
    )
    assert quote.status_code == 400 and quote.headers["Content-Type"] == "application/problem+json"


def test_cors_allows_every_registered_origin_alike(reference: ReferencePlatform) -> None:
    answers = []
    for client, headers in reference.identities.clients.items():
        r = requests.options(
            reference.base_url + "/fair/v1/quotes",
            timeout=TIMEOUT,
            headers={"Origin": headers["Origin"], "Access-Control-Request-Method": "POST"},
        )
        assert r.headers["Access-Control-Allow-Origin"] == headers["Origin"], client
        answers.append((r.status_code, r.headers["Access-Control-Allow-Methods"]))
    assert len(set(answers)) == 1
    stranger = requests.options(
        reference.base_url + "/fair/v1/quotes",
        timeout=TIMEOUT,
        headers={"Origin": "https://elsewhere.test"},
    )
    assert "Access-Control-Allow-Origin" not in stranger.headers
