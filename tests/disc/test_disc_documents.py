"""Reading disclosures, judging quotes and explanations, and the version rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.disc.disclosure import Disclosure, check_sections
from conformance.disc.explanations import explanation_mismatches
from conformance.disc.formulas import PayInput, expected_pay
from conformance.disc.quotes import breakdown_mismatches, pay_mismatches, side_by_side
from conformance.disc.versions import Version, Versions, in_force_mismatches, notice_mismatches
from conformance.reference.disc_rules import build_versions, document

START = datetime(2026, 1, 1, tzinfo=UTC)
VERSIONS = build_versions(START)


def current() -> dict[str, Any]:
    return document(VERSIONS, 2, START)


def test_the_reference_document_states_every_section() -> None:
    assert check_sections(current()) == []


def test_a_missing_section_and_a_number_that_is_not_a_string_are_named() -> None:
    doc = current()
    del doc["ranking"]
    assert [p.path for p in check_sections(doc)] == ["$.ranking"]
    doc = current()
    doc["worker_pay"]["per_km"] = 1.37
    assert [p.path for p in check_sections(doc)] == ["$.worker_pay.per_km"]


def test_quotes_are_judged_as_decimals_and_breakdowns_must_add_up() -> None:
    disclosure = Disclosure.parse(current())
    rules = disclosure.pay_rules()
    expected = expected_pay(rules, PayInput(500, 6, "outer"))
    body = {
        "amount": "4.020",
        "currency": "CNY",
        "breakdown": [
            {"component": "zone", "amount": "-0.21"},
            {"component": "base", "amount": "3.5"},
            {"component": "distance", "amount": "0.69"},
            {"component": "time", "amount": "0.04"},
        ],
    }
    assert pay_mismatches(expected, rules, body) == []
    assert breakdown_mismatches(expected, body) == []
    body["breakdown"][3]["amount"] = "0.05"
    paths = [m.path for m in breakdown_mismatches(expected, body)]
    assert paths == ["$.breakdown[time]", "$.breakdown (sum)"]
    body["breakdown"].append({"component": "tip", "amount": "0"})
    assert "$.breakdown[4]" in [m.path for m in breakdown_mismatches(expected, body)]


def test_side_by_side_shows_both_columns() -> None:
    table = side_by_side(
        {
            "amount": expected_pay(
                Disclosure.parse(current()).pay_rules(), PayInput(0, 0, "inner")
            ).amount
        },
        {"amount": "3.49"},
    )
    assert "3.50" in table and "3.49" in table


def test_notice_of_less_than_fifteen_days_is_named() -> None:
    doc = current()
    disclosure = Disclosure.parse(doc)
    found = Versions({"v3": Version(disclosure, "u", "e", "in force")})
    assert notice_mismatches(disclosure, found) == []
    doc["upcoming"]["published_at"] = "2026-01-17T00:00:00Z"  # 3 days before 2026-01-21
    assert [m.path for m in notice_mismatches(Disclosure.parse(doc), found)] == [
        "$.upcoming effective_from − published_at"
    ]


def test_in_force_by_the_suite_clock() -> None:
    disclosure = Disclosure.parse(current())
    assert in_force_mismatches(disclosure, START) == []
    late = START + timedelta(days=30)  # v4 took effect at START + 20 days
    assert [m.path for m in in_force_mismatches(disclosure, late)] == ["$.upcoming.effective_from"]


def test_explanations_are_held_to_the_named_version() -> None:
    v2 = Disclosure.parse(document(VERSIONS, 1, START))
    found = Versions({"v2": Version(v2, "u", "e", "previous")})
    good = {
        "decision": "d1",
        "rules_version": "v2",
        "factors": [{"name": "rating", "value": "0.5", "weight": "0.2"}],
    }
    assert explanation_mismatches("d1", good, found, "x") == []
    bad = {**good, "factors": [{"name": "vehicle_fit", "value": "1", "weight": "0.10"}]}
    assert len(explanation_mismatches("d1", bad, found, "x")) == 1  # v3's factor, not v2's
    unknown = {**good, "rules_version": "v9"}
    assert explanation_mismatches("d1", unknown, found, "x")[0].path == "x $.rules_version"
