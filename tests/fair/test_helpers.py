"""The FAIR checks' helpers: what is compared, who is generated, how a sample is paced."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conformance import DeadlineExceeded
from conformance._harness.catalogue import Catalogue
from conformance.fair.agents import AGENTS, CONFIGURED, presentations, rotation
from conformance.fair.client import query_words
from conformance.fair.fields import canonical_money, shape_for
from conformance.fair.pacing import QuotaPlan
from conformance.fair.pricing import systematic_cases
from conformance.fair.rules import PricingRule, Quota

SPEC = Catalogue.load().spec("FAIR")


def test_only_defined_fields_are_compared_money_as_decimals() -> None:
    shape = shape_for(SPEC, "listItems", 200)
    body = {
        "items": [
            {
                "id": "i1",
                "title": "Mug",
                "merchant_id": "m",
                "price": "19.90",
                "currency": "EUR",
                "x_nonce": 0.3,
            }
        ],
        "next_page_token": "abc",
        "x_request_id": "r1",
    }
    assert shape.project(body) == {
        "items": [
            {"id": "i1", "title": "Mug", "merchant_id": "m", "price": "19.9", "currency": "EUR"}
        ]
    }
    assert canonical_money("19.90") == canonical_money("19.9") == "19.9"
    assert canonical_money("100.00") == "100"


def test_of_a_problem_only_the_type_is_compared() -> None:
    shape = shape_for(SPEC, "getItem", 404)
    problem = {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "code": "NOT_FOUND",
        "detail": "no item 'x' (request 42)",
        "instance": "/errors/42",
    }
    assert shape.project(problem) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "code": "NOT_FOUND",
    }


def test_presentations_cover_every_agent_with_and_without_origin() -> None:
    pool = presentations()
    assert {(p.agent, p.with_origin) for p in pool} == {
        (a, w) for a in AGENTS for w in (True, False)
    }
    kinds = {a.kind for a in AGENTS}
    assert {"browser", "mobile", "in-app", "native", "crawler"} <= kinds
    seen = {p for i in range(len(pool)) for p in rotation(i, 1, pool)}
    assert len(seen) == len(pool)
    without = pool[1].sent()
    assert without == {"User-Agent": AGENTS[1].user_agent, "Origin": None, "Referer": None}
    assert CONFIGURED.sent() == {}


def test_query_words_prefer_words_of_several_titles() -> None:
    items = [{"title": t} for t in ("Walnut desk", "Desk lamp", "Desk mat", "Yoga mat", "Mug")]
    assert query_words(items)[:2] == ["desk", "mat"]


def test_systematic_cases_meet_and_miss_every_rule() -> None:
    rules = (
        PricingRule("bulk", Decimal("5"), min_quantity=10),
        PricingRule("save", Decimal("12.5"), coupon="SAVE12"),
    )
    cases = systematic_cases(["a", "b"], rules)
    labels = [c.label for c in cases]
    assert labels[0] == "no rule met"
    assert any("bulk met" in x for x in labels) and any("bulk just missed" in x for x in labels)
    assert any(c.coupon == "save12" for c in cases)  # the wrong case misses
    assert cases[-1].quantity == 10 and cases[-1].coupon == "SAVE12"


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_plan_waits_for_the_window_the_header_announces() -> None:
    clock = _Clock()
    plan = QuotaPlan(lambda _: Quota(60, 10), clock=clock)
    plan.after("k", '"default";r=1;t=4')
    assert plan.wait_needed(["k"]) > 3.9
    plan.before(["k"], sleep=clock.sleep)
    assert plan.wait_needed(["k"]) == 0
    assert plan.waited > 3.9


def test_a_reset_past_the_checks_time_is_an_error_not_a_day_asleep() -> None:
    clock = _Clock()
    plan = QuotaPlan(lambda _: Quota(60, 10), clock=clock)
    plan.after("k", "limit=60, remaining=0, reset=86400")
    with pytest.raises(DeadlineExceeded, match=r"before the next round"):
        plan.before(["k"], sleep=clock.sleep, left=300)
    assert plan.waited == 0 and clock.now == 0
    plan.before(["k"], sleep=clock.sleep, left=100_000)  # within the time left: waited
    assert plan.waited > 86_000


def test_without_headers_the_plan_holds_a_share_of_the_published_quota() -> None:
    clock = _Clock()
    plan = QuotaPlan(lambda _: Quota(10, 10), share=0.5, clock=clock)
    for _ in range(5):
        plan.before(["k"], sleep=clock.sleep)
        plan.after("k", None)
        clock.now += 0.1
    assert plan.wait_needed(["k"]) > 9  # five in the last 10 s: the sixth waits
    assert plan.rate("k") == 0.5
