"""Reading the published rules, and counting a rate-limit window from headers."""

from __future__ import annotations

import pytest

from conformance._harness.catalogue import Catalogue
from conformance._harness.compare import volatile, volatile_paths
from conformance._harness.errors import Finding
from conformance.fair.quota import WindowCount, ratelimit_state, stated_policies
from conformance.fair.rules import Quota, parse_rules


def test_a_class_entry_overrides_the_star() -> None:
    rules = parse_rules(
        {
            "rate_limits": [
                {"client_class": "*", "requests": 100, "window_seconds": 60},
                {"client_class": "competitor", "requests": 300, "window_seconds": 60},
            ],
            "pricing_rules": [],
            "deprecations": [],
        }
    )
    assert rules.quota("third_party") == Quota(100, 60)
    assert rules.quota("competitor") == Quota(300, 60)


def test_unreadable_rules_are_a_finding() -> None:
    with pytest.raises(Finding):
        parse_rules(
            {"rate_limits": [{"client_class": "*"}], "pricing_rules": [], "deprecations": []}
        )
    with pytest.raises(Finding):
        parse_rules(
            {
                "rate_limits": [],
                "pricing_rules": [{"id": "x", "eligibility": {}, "discount_percent": "5"}],
                "deprecations": [],
            }
        )


def test_both_ratelimit_syntaxes_are_read() -> None:
    assert ratelimit_state('"default";r=4999;t=44') == (4999, 44)
    assert ratelimit_state("limit=100, remaining=5, reset=3") == (5, 3)
    assert stated_policies('"default";q=5000;w=60') == [(5000, 60)]
    assert stated_policies("100;w=60, 1000;w=3600") == [(100, 60), (1000, 3600)]


def test_requests_used_before_the_probe_count_and_a_rollover_restarts() -> None:
    count = WindowCount(quota_stated=100)
    count.admitted('"d";r=89;t=30')  # 10 used before this one
    count.admitted('"d";r=88;t=29')
    assert count.total == 12
    count.admitted('"d";r=99;t=60')  # a new window began
    assert (count.total, count.rollovers) == (1, 1)


def test_ignored_paths_come_from_x_volatile_in_the_spec() -> None:
    spec = Catalogue.load().spec("FAIR").document
    assert volatile_paths(spec, "listItems") == ["$.next_page_token"]
    assert volatile_paths(spec, "createQuote") == []
    assert volatile(spec, "listItems")("$.next_page_token")
    assert not volatile(spec, "listItems")("$.items[0].price")
