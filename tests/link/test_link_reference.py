"""The reference platform's LINK module, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from conformance.link.pages import decode_page, shows
from conformance.reference import ReferencePlatform
from conformance.reference.choices import choice_set

TIMEOUT = 30


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReferencePlatform]:
    data_dir: Path = tmp_path_factory.mktemp("link")
    with ReferencePlatform(data_dir) as running:
        yield running


def call(
    platform: ReferencePlatform,
    method: str,
    path: str,
    client: str = "first_party",
    user: str | None = "alice",
    **kw: Any,
) -> requests.Response:
    headers = dict(platform.identities.clients[client])
    if user is not None:
        headers["Authorization"] = f"Bearer {platform.identities.token(client, user)}"
    headers.update(kw.pop("headers", {}))
    return requests.request(
        method, platform.base_url + path, headers=headers, timeout=TIMEOUT, **kw
    )


def resolve(platform: ReferencePlatform, url: str, client: str = "first_party") -> dict[str, Any]:
    response = call(
        platform, "POST", "/link/v1/resolve", client, json={"url": url, "context": "post"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_policy_is_anonymous_and_lists_no_configured_domain(platform: ReferencePlatform) -> None:
    body = call(platform, "GET", "/.well-known/link-policy", user=None).json()
    codes = {r["code"] for r in body["reasons"]}
    assert {e["reason"] for e in body["listed"]} <= codes
    assert not {"rival.test", "example.org"} & {e["domain"] for e in body["listed"]}


def test_unlisted_links_open_exactly_as_given(platform: ReferencePlatform) -> None:
    url = "http://例え.テスト/a%2f%E4?x=ü&y#frag"
    for client in ("first_party", "third_party", "competitor"):
        assert resolve(platform, url, client) == {
            "url": url,
            "action": "open",
            "reason": None,
            "open_url": url,
        }


def test_listed_links_follow_the_longest_listing(platform: ReferencePlatform) -> None:
    assert resolve(platform, "https://MALWARE.test/x")["action"] == "block"
    assert resolve(platform, "https://malware.test/x")["open_url"] is None
    warned = resolve(platform, "https://a.lottery-prize.test/?q")
    assert (warned["action"], warned["reason"], warned["open_url"]) == (
        "warn",
        {"code": "FRAUD_REPORTS"},
        "https://a.lottery-prize.test/?q",
    )
    assert resolve(platform, "https://x.pay.lottery-prize.test")["reason"] == {"code": "PHISHING"}
    assert resolve(platform, "https://notmalware.test")["action"] == "open"


def test_resolve_refuses_what_is_not_an_http_url(platform: ReferencePlatform) -> None:
    for body in (
        {"url": "ftp://x.test/", "context": "post"},
        {"url": "https://x.test/"},
        {"url": 3, "context": "post"},
    ):
        response = call(platform, "POST", "/link/v1/resolve", json=body)
        assert response.status_code == 422
        assert response.headers["Content-Type"].startswith("application/problem+json")


def test_messages_are_delivered_as_sent_to_the_recipient_only(platform: ReferencePlatform) -> None:
    text = "a\x00b\r\n https://rival.test/?q=%e4 \u2028 😀"
    bob = platform.identities.users["bob"]
    sent = call(platform, "POST", "/link/v1/messages", json={"to": bob, "text": text})
    assert sent.status_code == 201
    message_id = sent.json()["id"]
    read = call(platform, "GET", f"/link/v1/messages/{message_id}", user="bob").json()
    assert read["text"] == text
    assert (read["from"], read["to"]) == (platform.identities.users["alice"], bob)
    assert call(platform, "GET", f"/link/v1/messages/{message_id}", user="carol").status_code == 404
    nobody = call(platform, "POST", "/link/v1/messages", json={"to": "usr_nobody", "text": "x"})
    assert nobody.status_code == 422


def test_share_page_escapes_the_text_and_serves_everyone_alike(platform: ReferencePlatform) -> None:
    text = "<script>alert(1)</script> & https://rival.test/?a=1&b=2"
    created = call(platform, "POST", "/link/v1/posts", json={"text": text})
    assert created.status_code == 201
    share_url = created.json()["share_url"]
    pages = {
        agent: requests.get(
            platform.base_url + share_url,
            headers={"User-Agent": agent},
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        for agent in ("RivalApp/5.0", "Mozilla/5.0", "Googlebot/2.1")
    }
    assert {p.status_code for p in pages.values()} == {200}
    assert len({p.content for p in pages.values()}) == 1
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; https://rival.test/?a=1&amp;b=2"
        in pages["Mozilla/5.0"].text
    )
    assert (
        requests.get(platform.base_url + "/link/v1/share/nope", timeout=TIMEOUT).status_code == 404
    )


@pytest.fixture(scope="module")
def alt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReferencePlatform]:
    """The reference taking the other option of every choice (see docs/CHOICES.md)."""
    with ReferencePlatform(tmp_path_factory.mktemp("link-alt"), choices=choice_set("alt")) as p:
        yield p


def test_alt_share_urls_redirect_everyone_alike_to_a_page_declaring_utf8_in_a_meta(
    alt: ReferencePlatform,
) -> None:
    text = "Grüße <b>e\u0301</b> https://rival.test/?a=1&b=2\nbye"
    created = call(alt, "POST", "/link/v1/posts", json={"text": text})
    assert created.status_code == 201 and created.json()["text"] == text
    share_url = created.json()["share_url"]
    assert share_url.startswith(alt.base_url + "/p/") and share_url.endswith("?ref=share")
    hops = {
        agent: requests.get(share_url, headers={"User-Agent": agent}, allow_redirects=False)
        for agent in ("RivalApp/5.0", "Mozilla/5.0", "Googlebot/2.1")
    }
    assert {(h.status_code, h.headers["Location"]) for h in hops.values()} == {
        (308, "/posts/" + created.json()["id"])
    }
    page = requests.get(urljoin(share_url, hops["Mozilla/5.0"].headers["Location"]), timeout=30)
    assert page.headers["Content-Type"] == "text/html"
    assert shows(decode_page(page.content, page.headers["Content-Type"]), text)


def test_alt_decisions_normalise_the_warned_url_and_describe_the_reason(
    alt: ReferencePlatform,
) -> None:
    response = call(
        alt,
        "POST",
        "/link/v1/resolve",
        json={"url": "HTTPS://a.Lottery-Prize.test/ü%7e?q#frag", "context": "message"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["open_url"] == "https://a.lottery-prize.test/%C3%BC~?q"
    assert body["reason"]["code"] == "FRAUD_REPORTS" and "description" in body["reason"]
    legal = "http://例え.テスト/a%2f?x=ü#f"
    opened = call(alt, "POST", "/link/v1/resolve", json={"url": legal, "context": "post"}).json()
    assert opened["open_url"] == legal  # an open takes the URL as given, always


def test_alt_policy_lists_an_idn_and_mixed_case_domains(alt: ReferencePlatform) -> None:
    listed = call(alt, "GET", "/.well-known/link-policy", user=None).json()["listed"]
    assert "gewinnspiel-prämie.test" in {entry["domain"] for entry in listed}
    for url in ("https://xn--gewinnspiel-prmie-3qb.test/", "https://MALWARE.test/"):
        answer = call(alt, "POST", "/link/v1/resolve", json={"url": url, "context": "post"})
        assert answer.json()["action"] in ("warn", "block")
