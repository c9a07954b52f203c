"""Unit tests of LINK's pure logic: hosts, policy, URL sameness, page text."""

from __future__ import annotations

import dataclasses

import pytest

from conformance.errors import ConfigError
from conformance.link.hosts import ascii_host, covers, host_forms, link_domains, unicode_host
from conformance.link.pages import page_text, shows
from conformance.link.policy import parse_policy
from conformance.link.sameness import kept_parts, normal_component, same_characters
from conformance.target import Target

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
    assert host_forms("bücher.example") == ("bücher.example", "xn--bcher-kva.example")
    assert host_forms("rival.test") == ("rival.test",)
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
