"""The reference platform's DISC module, held to the suite's own arithmetic."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from urllib.parse import quote as quote_segment
from urllib.parse import urljoin

import pytest
import requests
from reference_support import Api

from conformance.disc.disclosure import Disclosure
from conformance.disc.formulas import PayInput, exact, expected_fee, expected_pay
from conformance.reference import ReferencePlatform
from conformance.reference.choices import choice_set

WELL_KNOWN = "/.well-known/platform-disclosure"


def published(platform: ReferencePlatform) -> Disclosure:
    return Disclosure.parse(
        Api(platform, "first_party", "alice").get(WELL_KNOWN, headers={"Authorization": ""}).json()
    )


def test_disclosure_is_anonymous_and_links_its_versions(platform: ReferencePlatform) -> None:
    anonymous = Api(platform, "first_party", "alice")
    doc = anonymous.get(WELL_KNOWN, headers={"Authorization": ""}).json()
    assert doc["version"] == "v3"
    for url in [*doc["previous_versions"], doc["upcoming"]["url"]]:
        older = anonymous.get(url, headers={"Authorization": ""})
        assert older.status_code == 200 and older.json()["version"] != "v3"
    assert anonymous.get(WELL_KNOWN + "/versions/v9").status_code == 404


def test_pay_quotes_match_the_formula_at_ties_and_boundaries(platform: ReferencePlatform) -> None:
    rules = published(platform).pay_rules()
    w1 = Api(platform, "first_party", "w1")
    for quote in (
        PayInput(500, 6, "outer"),
        PayInput(0, 0, "outer"),
        PayInput(200_000, 86_400, "airport"),
    ):
        body = w1.post("/disc/v1/pay-quotes", json=quote.to_json()).json()
        expected = expected_pay(rules, quote)
        assert exact(body["amount"]) == expected.amount
        parts = {b["component"]: exact(b["amount"]) for b in body["breakdown"]}
        assert parts == expected.components()
        assert body["rules_version"] == "v3"


def test_fee_quotes_match_the_rule(platform: ReferencePlatform) -> None:
    fees = published(platform).fee_rules()
    body = (
        Api(platform, "third_party", "m2")
        .post("/disc/v1/fee-quotes", json={"category": "food", "order_value": "1.00"})
        .json()
    )
    assert (
        exact(body["commission"])
        == expected_fee(fees["food"], "1.00").commission
        == Fraction("0.19")
    )


def test_inputs_out_of_range_and_the_wrong_role_are_refused(platform: ReferencePlatform) -> None:
    w1 = Api(platform, "first_party", "w1")
    for body in (
        {"distance_m": 200_001, "duration_s": 0, "zone": "outer"},
        {"distance_m": 1, "duration_s": 1, "zone": "moon"},
        {"distance_m": True, "duration_s": 1, "zone": "outer"},
    ):
        answer = w1.post("/disc/v1/pay-quotes", json=body)
        assert answer.status_code == 422 and answer.json()["code"] == "INVALID"
    assert (
        Api(platform, "first_party", "m1").post("/disc/v1/pay-quotes", json={}).status_code == 403
    )
    assert (
        Api(platform, "first_party", "w1").post("/disc/v1/fee-quotes", json={}).status_code == 403
    )
    bad = Api(platform, "first_party", "m1").post(
        "/disc/v1/fee-quotes", json={"category": "food", "order_value": "1e3"}
    )
    assert bad.status_code == 422


def test_explanations_name_their_version_and_its_weights(platform: ReferencePlatform) -> None:
    w2 = Api(platform, "first_party", "w2")
    decisions = w2.get("/disc/v1/decisions").json()["decisions"]
    versions = set()
    for decision in decisions:
        explanation = w2.get(f"/disc/v1/decisions/{decision['id']}/explanation").json()
        versions.add(explanation["rules_version"])
        assert explanation["decision"] == decision["id"]
    assert versions == {"v2", "v3"}
    other = Api(platform, "first_party", "w1")
    assert other.get(f"/disc/v1/decisions/{decisions[0]['id']}/explanation").status_code == 404


@pytest.fixture(scope="module")
def alt_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReferencePlatform]:
    """The reference taking the other option of every choice (see docs/CHOICES.md)."""
    with ReferencePlatform(tmp_path_factory.mktemp("disc-alt"), choices=choice_set("alt")) as p:
        yield p


def test_alt_versions_are_relative_and_chained_with_nothing_upcoming(
    alt_platform: ReferencePlatform,
) -> None:
    anonymous = Api(alt_platform, "first_party", "alice")
    url = alt_platform.base_url + WELL_KNOWN
    seen = []
    while url:
        doc = requests.get(url, timeout=30).json()
        seen.append(doc["version"])
        assert doc["upcoming"] is None or len(seen) > 1  # only older documents name a next one
        assert len(doc["previous_versions"]) <= 1
        assert not any(u.startswith(("/", "http")) for u in doc["previous_versions"])
        url = urljoin(url, doc["previous_versions"][0]) if doc["previous_versions"] else ""
    assert len(seen) == 3 and all(len(name) == 10 for name in seen)  # three dated versions
    assert anonymous.get(WELL_KNOWN).json()["worker_pay"]["zone_multipliers"]["outer ring"] == (
        "0.85"
    )


def test_alt_quotes_are_trimmed_created_and_carry_a_fresh_id(
    alt_platform: ReferencePlatform,
) -> None:
    w1 = Api(alt_platform, "third_party", "w1")
    body = {"distance_m": 69, "duration_s": 0, "zone": "outer ring"}
    first, second = (w1.post("/disc/v1/pay-quotes", json=body) for _ in range(2))
    assert first.status_code == second.status_code == 201
    a, b = first.json(), second.json()
    assert a["quote_id"] != b["quote_id"] and a["amount"] == b["amount"]
    assert [c["component"] for c in a["breakdown"]] == ["zone", "time", "distance", "base"]
    parts = {c["component"]: c["amount"] for c in a["breakdown"]}
    assert parts == {"zone": "-0.62", "time": "0", "distance": "0.1", "base": "4"}
    assert exact(a["amount"]) == Fraction("3.48")


def test_alt_explanations_are_free_text_with_punctuated_ids(
    alt_platform: ReferencePlatform,
) -> None:
    w1 = Api(alt_platform, "first_party", "w1")
    decisions = w1.get("/disc/v1/decisions").json()["decisions"]
    assert [d["at"] for d in decisions] == sorted((d["at"] for d in decisions), reverse=True)
    for decision in decisions:
        assert "#" in decision["id"]
        path = f"/disc/v1/decisions/{quote_segment(decision['id'], safe='')}/explanation"
        explanation = w1.get(path).json()
        assert explanation["decision"] == decision["id"]
        values = [f["value"] for f in explanation["factors"]]
        assert all(isinstance(v, str) and not v.replace(".", "").isdigit() for v in values)
