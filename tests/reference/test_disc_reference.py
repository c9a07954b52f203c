"""The reference platform's DISC module, held to the suite's own arithmetic."""

from __future__ import annotations

from fractions import Fraction

from reference_support import Api

from conformance.disc.disclosure import Disclosure
from conformance.disc.formulas import PayInput, exact, expected_fee, expected_pay
from conformance.reference import ReferencePlatform

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
