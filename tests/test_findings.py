"""How a finding reads: one row type, rendered one way, grouped and capped, in human units,
ending with the line that replays it."""

from __future__ import annotations

import pytest

from conformance import Finding, Mismatch
from conformance._harness.errors import render_rows, show
from conformance._harness.options import Options
from conformance._harness.report import console, junit
from conformance._harness.results import (
    CheckResult,
    Outcome,
    RequirementInfo,
    RunResult,
    fold,
    replay_of,
)
from conformance._harness.units import human_duration, human_size

INFO = RequirementInfo("LINK-005", "LINK", "1.0", "MUST", "core", "the same decision", "x")


def test_a_row_says_where_what_was_documented_what_was_received_and_why() -> None:
    finding = Finding(
        "the decision depends on who asks",
        operation="resolveLink (POST /link/v1/resolve)",
        mismatches=[Mismatch("$.action", "open", "warn", "what first_party got", "competitor")],
    )
    assert finding.describe().splitlines() == [
        "resolveLink (POST /link/v1/resolve): the decision depends on who asks",
        "  $.action  (for competitor)",
        "    Documented: open",
        "    Received:   warn",
        "    Why: what first_party got",
    ]


def test_rows_equal_but_for_their_subject_are_one_row_naming_every_subject() -> None:
    rows = [
        Mismatch("$.action", "open", "warn", "what first_party got", subject)
        for subject in ("competitor", "third_party", "competitor")
    ]
    rows.append(Mismatch("$.action", "open", "block", "what first_party got", "crawler"))
    assert render_rows(rows, indent="") == [
        "$.action  (for competitor, third_party)",
        "  Documented: open",
        "  Received:   warn",
        "  Why: what first_party got",
        "$.action  (for crawler)",
        "  Documented: open",
        "  Received:   block",
        "  Why: what first_party got",
    ]


def test_a_row_without_why_or_subject_has_no_such_line() -> None:
    assert Mismatch("status", 200, 500).describe().splitlines() == [
        "status",
        "  Documented: 200",
        "  Received:   500",
    ]


def test_many_subjects_are_counted_past_the_first_eight() -> None:
    rows = [Mismatch("$.x", 1, 2, subject=f"u{i}") for i in range(11)]
    (head, *_) = render_rows(rows, indent="")
    assert head == "$.x  (for u0, u1, u2, u3, u4, u5, u6, u7 and 3 more)"


def test_rows_past_the_cap_are_counted() -> None:
    rows = [Mismatch(f"$.items[{i}]", i, i + 1) for i in range(25)]
    lines = Finding("many", mismatches=rows).describe().splitlines()
    assert sum(1 for line in lines if line.startswith("    Documented:")) == 20
    assert lines[-1] == "  ... and 5 more"


def test_grouping_happens_before_the_cap() -> None:
    rows = [Mismatch("$.x", 1, 2, subject=f"u{i}") for i in range(30)]
    lines = render_rows(rows)
    assert len(lines) == 3 and lines[0].endswith("u7 and 22 more)")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("application/problem+json", "application/problem+json"),
        (None, "(none)"),
        ("", '""'),
        ("19.90", '"19.90"'),
        (19.9, "19.9"),
        (True, "true"),
        (" padded", '" padded"'),
        ("e\u0301", '"e\\u0301"'),
        ("line\nbreak", '"line\\nbreak"'),
        (["a", 1], '["a", 1]'),
        ("é", "é"),
        ("x" * 300, "x" * 197 + "..."),
    ],
)
def test_values_are_shown_plainly_unless_that_would_hide_something(
    value: object, shown: str
) -> None:
    assert show(value) == shown


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (31_622_400, "366 days"),
        (2.5, "2.5 s"),
        (0.0123, "12.3 ms"),
        (90, "90 s"),
        (600, "10 min"),
        (36 * 3600, "36 h"),
        (0, "0 s"),
        (-1.5, "-1.5 s"),
    ],
)
def test_durations_read_in_human_units(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (1, "1 byte"),
        (1651, "1651 bytes"),
        (12_595, "12.3 KiB (12595 bytes)"),
        (15_728_640, "15 MiB (15728640 bytes)"),
    ],
)
def test_sizes_read_in_human_units_and_keep_the_exact_count(count: int, text: str) -> None:
    assert human_size(count) == text


def test_a_failing_reason_ends_with_the_line_that_replays_it() -> None:
    replay = replay_of(7, Options(examples=20, shrink=False), "targets/acme.yaml")
    failed = CheckResult("LINK-005", "t", Outcome.FAIL, "the decision depends on who asks")
    reason = fold(INFO, [failed], replay).reason
    assert reason.splitlines()[-1] == (
        "Replay: conformance run --target targets/acme.yaml --seed 7 --requirement LINK-005 "
        "--examples 20 --no-shrink"
    )


def test_the_built_in_reference_is_replayed_without_a_target_and_a_pass_without_a_line() -> None:
    replay = replay_of(7, Options(), "<reference platform at http://127.0.0.1:1>")
    failed = CheckResult("LINK-005", "t", Outcome.ERROR, "could not decide")
    assert fold(INFO, [failed], replay).reason.endswith(
        "\nReplay: conformance run --seed 7 --requirement LINK-005"
    )
    passed = CheckResult("LINK-005", "t", Outcome.PASS, "same", evidence=("ex-1",))
    assert "Replay" not in fold(INFO, [passed], replay).reason


def test_console_and_junit_show_the_whole_failing_reason_with_its_replay_line() -> None:
    finding = Finding("differs", mismatches=[Mismatch("$.action", "open", "warn")])
    failed = CheckResult("LINK-005", "t", Outcome.FAIL, finding.describe())
    folded = fold(INFO, [failed], replay_of(3, Options(), "<reference>"))
    result = RunResult("r", "0", "a", "b", {"name": "t"}, None, [], 3, [folded])
    shown = console.render(result).splitlines()
    start = next(i for i, line in enumerate(shown) if line.startswith("LINK-005"))
    row = ["LINK-005", *INFO.level.split(), INFO.profile, "FAIL", "differs"]
    assert shown[start].split() == row
    assert shown[start + 1 : start + 5] == [  # indented under the row, each line's own indent kept
        "      $.action",
        "        Documented: open",
        "        Received:   warn",
        "    Replay: conformance run --seed 3 --requirement LINK-005",
    ]
    failure = junit.build(result).find("testsuite/testcase/failure")
    assert failure is not None and failure.get("message") == "differs"
    assert (failure.text or "").endswith("Replay: conformance run --seed 3 --requirement LINK-005")
