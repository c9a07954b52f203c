"""The URL and text strategies produce what the LINK checks promise."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.link.hosts import ascii_host
from conformance.link.urls import (
    LinkSample,
    link_samples,
    message_texts,
    share_texts,
    url_on,
    urls_on,
)

DOMAINS = ("rival.test", "例え.テスト", "example.org")


@settings(max_examples=200, deadline=None)
@given(link_samples())
def test_generated_urls_are_http_urls_on_the_domain(sample: LinkSample) -> None:
    for domain in DOMAINS:
        for form in ("unicode", "ascii"):
            url = url_on(sample, domain, form)
            parts = urlsplit(url)
            assert parts.scheme in ("http", "https")
            host = ascii_host(parts.hostname or "")
            assert host == ascii_host(domain) or host.endswith("." + ascii_host(domain))
            assert not any(c.isspace() for c in url)
            assert url.endswith(sample.tail)


def test_idn_domains_come_in_both_forms() -> None:
    sample = LinkSample("https", None, "/p", "q=1", None)
    assert urls_on(sample, ("例え.テスト", "rival.test")) == [
        "https://例え.テスト/p?q=1",
        "https://xn--r8jz45g.xn--zckzah/p?q=1",
        "https://rival.test/p?q=1",
    ]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_texts_carry_every_url_apart(data: st.DataObject) -> None:
    urls = urls_on(data.draw(link_samples()), DOMAINS)
    for strategy in (message_texts(urls), share_texts(urls)):
        text = data.draw(strategy)
        assert all(f" {u}" in text or f"\n{u}" in text for u in urls)
    share = data.draw(share_texts(urls))
    assert not any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in share)
    message = data.draw(message_texts(urls))
    assert unicodedata.normalize("NFC", message) != message  # every message is NFC-unstable
