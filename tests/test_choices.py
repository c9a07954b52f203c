"""The choice space: declarations, named sets, docs, and the shaping layer."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import requests
from werkzeug.wrappers import Response

from conformance._harness.catalogue import Catalogue
from conformance.reference.choices import ALL_CHOICES, NAMED_SETS, choice_set
from conformance.reference.choices.common import (
    EXTRA_FIELDS,
    KEY_ORDER,
    PROBLEM_TYPE,
    RETRY_AFTER,
    TIMESTAMPS,
)
from conformance.reference.choices.core import Choice, ChoiceSet
from conformance.reference.choices.table import markdown_table
from conformance.reference.server import ReferencePlatform
from conformance.reference.shaping import Shaper, restyle_timestamp

ROOT = Path(__file__).resolve().parents[1]


def test_every_choice_is_named_once_and_cites_a_source() -> None:
    names = [c.name for c in ALL_CHOICES]
    assert len(names) == len(set(names)), "a choice is declared twice"
    standards = {s.lower() for s in Catalogue.load().specs}
    for choice in ALL_CHOICES:
        standard = choice.name.partition(".")[0]
        assert standard in standards, choice.name
        assert choice.source.strip() and choice.description.strip(), choice.name
        assert len(choice.options) >= 2, f"{choice.name} offers no alternative"


def test_named_sets_pick_declared_options() -> None:
    for name in (*NAMED_SETS, "seed:1", "seed:2", "seed:99"):
        chosen = choice_set(name)
        for choice in ALL_CHOICES:
            assert chosen[choice] in choice.options, (name, choice.name)
    alt = choice_set("alt")
    assert all(alt[c] == c.alt for c in ALL_CHOICES)
    # Seeded mixes differ from each other and from the fixed sets somewhere.
    mixes = [tuple(choice_set(f"seed:{n}")[c] for c in ALL_CHOICES) for n in range(1, 4)]
    assert len(set(mixes)) == 3


def test_an_unknown_set_is_refused_with_the_valid_forms() -> None:
    with pytest.raises(ValueError, match="seed:N"):
        choice_set("stricter")


def test_docs_list_every_choice_as_declared() -> None:
    text = (ROOT / "docs" / "CHOICES.md").read_text(encoding="utf-8")
    assert markdown_table(ALL_CHOICES) in text, (
        "docs/CHOICES.md is not current: run "
        "python -m conformance.reference.choices --write docs/CHOICES.md"
    )


@pytest.mark.parametrize(
    ("value", "style", "expected"),
    [
        ("2026-01-02T03:04:05.678Z", "offset-micros", "2026-01-02T08:34:05.678000+05:30"),
        ("2026-01-02T03:04:05.000Z", "utc-seconds-when-whole", "2026-01-02T03:04:05Z"),
        ("2026-01-02T03:04:05.678Z", "utc-seconds-when-whole", "2026-01-02T03:04:05.678Z"),
        ("2026-01-02T03:04:05.123456789Z", "offset-micros", "2026-01-02T03:04:05.123456789Z"),
        ("not a time", "offset-micros", "not a time"),
    ],
)
def test_timestamps_are_restyled_to_the_same_instant_or_left(
    value: str, style: str, expected: str
) -> None:
    restyled = restyle_timestamp(value, style)
    assert restyled == expected
    if restyled != value:
        assert datetime.fromisoformat(restyled) == datetime.fromisoformat(value)


def _shaper(*pairs: tuple[Choice[object], object]) -> Shaper:
    return Shaper(ChoiceSet("test").replacing(*pairs))


def test_extra_fields_go_on_entities_and_the_top_level_only() -> None:
    shaper = _shaper((EXTRA_FIELDS, "volatile"))
    body = {"items": [{"id": "a", "title": "t"}], "counts": {"Post": 1}}
    first, second = shaper.shape_value(body), shaper.shape_value(body)
    assert "x_request_id" in first and "x_request_id" in first["items"][0]
    assert first["counts"] == {"Post": 1}, "a map is not an entity"
    assert first["x_request_id"] != second["x_request_id"], "volatile values must differ"
    assert first["items"][0]["title"] == "t"


def test_member_order_and_timestamps_change_no_value() -> None:
    shaper = _shaper((KEY_ORDER, "reversed"), (TIMESTAMPS, "offset-micros"))
    shaped = shaper.shape_value({"a": 1, "b": {"c": 2, "d": 3}, "sent_at": "2026-01-01T00:00:00Z"})
    assert list(shaped) == ["sent_at", "b", "a"] and list(shaped["b"]) == ["d", "c"]
    assert shaped["sent_at"] == "2026-01-01T05:30:00.000000+05:30"


def test_about_blank_problems_take_the_status_phrase() -> None:
    shaper = _shaper((PROBLEM_TYPE, "about:blank"))
    response = Response(
        json.dumps({"type": "x", "title": "y", "status": 404, "code": "NOT_FOUND"}),
        status=404,
        content_type="application/problem+json",
    )
    shaper.shape_response(response, "GET")
    body = json.loads(response.get_data())
    assert (body["type"], body["title"], body["code"]) == ("about:blank", "Not Found", "NOT_FOUND")


def test_alt_platform_answers_as_its_choices_say(tmp_path: Path) -> None:
    choices = choice_set("alt").replacing((RETRY_AFTER, "http-date"))
    with ReferencePlatform(data_dir=tmp_path, choices=choices) as platform:
        answer = requests.get(platform.base_url + "/.well-known/interop", timeout=10)
        missing = requests.get(platform.base_url + "/no/such/path", timeout=10)
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "x_request_id" in answer.json() and "X-Request-Id" in answer.headers
    assert missing.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    assert missing.json()["type"] == "about:blank"
