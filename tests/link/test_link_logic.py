"""Unit tests of LINK's pure logic: hosts, policy, URL sameness, page text."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest

from conformance._harness.errors import ConfigError
from conformance._harness.target import Target
from conformance.link.hosts import ascii_host, covers, link_domains, unicode_host
from conformance.link.pages import decode_page, page_text, shows
from conformance.link.policy import parse_policy
from conformance.link.sameness import kept_parts, normal_component, same_characters
from conformance.link.urls import TRICKY_SHARE_TEXT
from conformance.reference.link_pages import (
    ESCAPERS,
    PageStyle,
    escape_minimal,
    escape_references,
    share_page,
)

POLICY = {
    "version": "1",
    "published_at": "2026-01-01T00:00:00Z",
    "reasons": [{"code": "MALWARE", "description": "bad"}, {"code": "FRAUD", "description": "f"}],
    "listed": [
        {"domain": "bad.test", "action": "warn", "reason": "FRAUD"},
        {"domain": "pay.bad.test", "action": "block", "reason": "MALWARE"},
        {"domain": "例え.テスト", "action": "warn", "reason": "FRAUD"},
    ],
}


def test_hosts_compare_in_a_label_form() -> None:
    assert ascii_host("例え.テスト") == "xn--r8jz45g.xn--zckzah"
    assert ascii_host("Rival.TEST") == "rival.test"
    assert unicode_host("xn--bcher-kva.example") == "bücher.example"
    with pytest.raises(ValueError):
        ascii_host("a\u200db.テスト")


def test_a_listed_domain_covers_subdomains_on_label_boundaries() -> None:
    assert covers("rival.test", "rival.test")
    assert covers("rival.test", "shop.rival.test")
    assert not covers("rival.test", "notrival.test")
    assert not covers("shop.rival.test", "rival.test")


def test_the_longest_listed_domain_decides() -> None:
    policy = parse_policy(POLICY)
    assert policy.problems == ()
    assert policy.covering("x.pay.bad.test").action == "block"  # type: ignore[union-attr]
    assert policy.covering("www.bad.test").action == "warn"  # type: ignore[union-attr]
    assert policy.covering("m.xn--r8jz45g.xn--zckzah") is not None
    assert policy.covering("good.test") is None
    assert "published as 'bad'" in policy.describe("MALWARE")
    assert "not published" in policy.describe("OTHER")


def test_a_listing_with_an_unpublished_reason_is_a_problem() -> None:
    body = dict(POLICY, listed=[{"domain": "x.test", "action": "block", "reason": "SECRET"}])
    problems = parse_policy(body).problems
    assert [p.path for p in problems] == ["$.listed[0].reason"]


def test_link_002_compares_characters() -> None:
    url = "https://例え.テスト/a%2fb?q=%e4"
    assert same_characters(url, url, "x") == []
    assert same_characters(url, "https://xn--r8jz45g.xn--zckzah/a%2fb?q=%e4", "x")
    assert same_characters(url, None, "x")


def test_link_006_keeps_parts_under_normalisation() -> None:
    url = "https://例え.テスト/ä%7e/%2f?q=%e4&r"
    same_place = "HTTPS://xn--r8jz45g.xn--zckzah/%C3%A4~/%2F?q=%E4&r#frag"
    assert kept_parts(url, same_place, "x") == []
    wrapped = "https://reference.test/redirect?u=" + url
    assert {m.path.split()[-1] for m in kept_parts(url, wrapped, "x")} == {"host", "path", "query"}
    assert kept_parts(url, "https://xn--r8jz45g.xn--zckzah/ä~/%2f", "x")  # query dropped
    assert normal_component("%7e%41ü") == "~A%C3%BC"


def test_page_text_ignores_scripts_and_collapses_whitespace() -> None:
    html = (
        "<html><head><title>T</title><script>var s = 'hidden';</script></head>"
        "<body><p>a &lt;b&gt; &amp;amp;<br>c\n\n d</p><noscript>n</noscript></body></html>"
    )
    assert page_text(html) == "a <b> &amp; c d"
    assert shows(html, "a <b> &amp;\nc d")
    assert not shows(html, "hidden")


def test_missing_domains_name_the_key_and_the_fix() -> None:
    target = Target("t", "http://127.0.0.1:1", {}, {}, {}, source="t.yaml")
    with pytest.raises(ConfigError) as caught:
        link_domains(target)
    assert caught.value.key == "domains.competitor"
    assert "add `domains:" in caught.value.fix
    ok = dataclasses.replace(target, domains={"competitor": ("rival.test",), "neutral": ("x.org",)})
    assert link_domains(ok).competitor == ("rival.test",)
    bad = dataclasses.replace(
        ok, domains={"competitor": ("https://rival.test",), "neutral": ("x.org",)}
    )
    with pytest.raises(ConfigError, match=r"domains\.competitor\[0\]"):
        link_domains(bad)


def test_block_elements_part_the_text_and_inline_ones_do_not() -> None:
    html = "<div><p>a</p><p>b</p><span>c</span><!-- x --><wbr>d<a href='/'>e</a></div>"
    assert page_text(html) == "a b cde"
    assert shows(html, "a\nb")
    assert not shows(html, "a b c d e")


def test_text_only_in_attributes_comments_or_scripts_is_not_shown() -> None:
    html = (
        '<html><head><title>the post</title><meta property="og:description" content="the post">'
        '<script type="application/json">{"text": "the post"}</script></head>'
        "<body><!-- the post --><p>Open the app to read more.</p></body></html>"
    )
    assert not shows(html, "the post")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ("<p>é</p>".encode(), "text/html; charset=utf-8"),
        (b'<meta charset="utf-8"><p>\xc3\xa9</p>', "text/html"),
        (b"<meta http-equiv=Content-Type content='text/html; charset=UTF-8'><p>\xc3\xa9</p>", ""),
        (b"\xef\xbb\xbf<p>\xc3\xa9</p>", "text/html; charset=iso-8859-1"),  # the BOM wins
        (b"<p>\xe9</p>", "text/html; charset=ISO-8859-1"),  # windows-1252
        (b"<p>\xc3\xa9</p>", "text/html"),  # no declaration: UTF-8
        ("\ufeff<p>é</p>".encode("utf-16-le"), "text/html"),
    ],
)
def test_pages_are_decoded_as_an_html_parser_decides(content: bytes, content_type: str) -> None:
    assert page_text(decode_page(content, content_type)) == "é"


def test_every_way_the_reference_writes_a_page_shows_the_text() -> None:
    text = TRICKY_SHARE_TEXT + "\nhttps://rival.test/?a=1&b=<2>#x\n\n</p></a>-->"
    for escaping in ESCAPERS:
        for style in ("pre-wrap", "linkified", "paragraphs"):
            for charset in ("header", "meta", "both"):
                for chrome in ("plain", "per-visitor"):
                    for agent in ("Mozilla/5.0", "x Android Mobile MicroMessenger Googlebot"):
                        page, headers = share_page(
                            text, "p:1#2", PageStyle(escaping, style, charset, chrome), agent
                        )
                        decoded = decode_page(page.encode(), headers["Content-Type"])
                        assert shows(decoded, text), (escaping, style, charset, chrome, agent)


def test_reference_escaping_uses_every_kind_of_character_reference() -> None:
    text = "<>&\"'éü😀:;/\u0301€中=?#"
    written = escape_references(text)
    for form in (r"&[A-Za-z]+;", r"&#[0-9]+;", r"&#x[0-9a-f]+;", r"&#X[0-9a-f]+;"):
        assert re.search(form, written), form
    assert html.unescape(written) == text
    assert escape_minimal("a < b <b> & c</") == "a < b &lt;b> &amp; c&lt;/"
