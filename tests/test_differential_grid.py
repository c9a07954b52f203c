"""index.html's client × operation grid of differential findings, from a crafted result.

Each cell is placed from what a finding row names (an exchange id, an
operation id, a method and path, or the finding's headline) and what the
evidence says each client sent; the SVG is bounded, inert, and styled by
classes only. The grid in a real failing run's page, opened in Chromium, is
tested in ``test_html_report.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from conformance._harness.report import differential, html
from conformance._harness.report.evidence_view import Timing
from conformance._harness.results import (
    CheckResult,
    Outcome,
    RequirementInfo,
    RequirementResult,
    RunResult,
)

HOSTILE = '<img src=x onerror=alert(1)>"&'
"""A client name with markup (no ``/``: a role is ``client/user``)."""


def _timing(n: int, requirement: str, role: str, operation: str, method: str, path: str) -> Timing:
    return Timing(
        id=f"ex-{n:06d}",
        requirement=requirement,
        role=role,
        operation=operation,
        method=method,
        path=path,
        start=1_000.0 + n,
        duration=0.01,
        status=200,
        flagged=False,
    )


def _sent(
    requirement: str, clients: Sequence[str], operations: Sequence[tuple[str, str, str]], start: int
) -> list[Timing]:
    """One request per client and operation, numbered from ``start``."""
    out = []
    for operation, method, path in operations:
        for client in clients:
            out.append(
                _timing(start + len(out), requirement, f"{client}/alice", operation, method, path)
            )
    return out


def _requirement(rid: str, outcome: Outcome, reason: str = "") -> RequirementResult:
    info = RequirementInfo(rid, rid.partition("-")[0], "1.0", "MUST", "core", "text", "src")
    check = CheckResult(rid, f"test_{rid}", outcome, reason)
    return RequirementResult(info, outcome, reason, (check,))


def _result(*requirements: RequirementResult) -> RunResult:
    return RunResult("r", "0", "a", "b", {"name": "t"}, None, [], 1, list(requirements))


CLIENTS = ("first_party", "third_party", "competitor")
LIST = ("listItems", "GET", "/fair/v1/items")
ITEM = ("getItem", "GET", "/fair/v1/items/itm_1")
QUOTE = ("createQuote", "POST", "/fair/v1/quotes")

PARITY = (
    "clients get different answers to the same request\n"
    "  POST /fair/v1/quotes $.total  (for third_party/alice (configured headers), "
    "third_party/alice (Safari on iPhone UA, without Origin/Referer))\n"
    '    Documented: "20.88"\n'
    '    Received:   "23.85"\n'
    "    Why: what first_party/alice (configured headers) got (ex-000001)\n"
    "  GET /fair/v1/items/itm_1 $.title  (for competitor/alice (configured headers))\n"
    '    Documented: "a"\n'
    '    Received:   "b"\n'
    "Replay: conformance run --seed 1 --requirement FAIR-001"
)
LATENCY = (
    "listItems: third parties are served slower than first_party allows (40 requests)\n"
    "  listItems median  (for third_party)\n"
    "    Documented: ≤ 12 ms\n"
    "    Received:   30 ms (lower bound 25 ms)\n"
    "    Why: 1.5 × first_party's upper bound\n"
    "Replay: conformance run --seed 1 --requirement FAIR-004"
)


def _cells(result: RunResult, timings: list[Timing]) -> dict[tuple[str, str], differential.Cell]:
    return {(c.client, c.operation): c for c in differential.cells(result, timings)}


def test_each_finding_row_lands_in_its_client_and_operation() -> None:
    timings = [
        *_sent("FAIR-001", CLIENTS, (LIST, ITEM, QUOTE), 1),
        *_sent("FAIR-004", CLIENTS, (LIST,), 100),
        *_sent("PORT-001", ("first_party",), (("createExport", "POST", "/port/v1/exports"),), 200),
    ]
    result = _result(
        _requirement("FAIR-001", Outcome.FAIL, PARITY),
        _requirement("FAIR-004", Outcome.FAIL, LATENCY),
        _requirement("PORT-001", Outcome.PASS, "exported"),
    )
    cells = _cells(result, timings)
    states = {key: c.state for key, c in cells.items()}
    assert states == {
        ("first_party", "listItems"): "baseline",
        ("third_party", "listItems"): "differs",  # FAIR-004: by the operation id in the row
        ("competitor", "listItems"): "same",
        ("first_party", "getItem"): "baseline",
        ("third_party", "getItem"): "same",
        ("competitor", "getItem"): "differs",  # by method and path
        ("first_party", "createQuote"): "baseline",
        ("third_party", "createQuote"): "differs",
        ("competitor", "createQuote"): "same",
    }, "PORT-001 sent as first_party alone compares nothing and is left out"
    assert cells[("third_party", "createQuote")].differs == {"FAIR-001": 1}
    assert cells[("third_party", "listItems")].differs == {"FAIR-004": 1}
    assert cells[("third_party", "listItems")].requests == 2
    assert cells[("third_party", "listItems")].requirements == ["FAIR-001", "FAIR-004"]
    tip = cells[("competitor", "getItem")].describe()
    assert tip.startswith("competitor × getItem: answered differently from first_party: FAIR-001")


def test_an_exchange_id_among_the_subjects_places_a_row_with_no_operation_in_it() -> None:
    timings = _sent("FAIR-002", CLIENTS, (QUOTE, ("getPlatformRules", "GET", "/fair/v1/rules")), 1)
    quote = next(
        t for t in timings if t.role.startswith("competitor") and t.operation == "createQuote"
    )
    reason = (
        "a quote is not what the published rules give\n"
        f"  rule coupon met: quote {{'item_id': 'itm_1'}} $.total  (for competitor/bob ({quote.id}))\n"
        '    Documented: "2.95"\n'
        '    Received:   "3.10"\n'
    )
    cells = _cells(_result(_requirement("FAIR-002", Outcome.FAIL, reason)), timings)
    assert cells[("competitor", "createQuote")].state == "differs"
    assert cells[("third_party", "createQuote")].state == "same"
    assert cells[("competitor", "getPlatformRules")].state == "same"


def test_what_was_not_decided_is_amber_not_green() -> None:
    timings = [
        *_sent("FAIR-009", CLIENTS, (ITEM,), 1),
        *_sent("FAIR-010", CLIENTS, (LIST,), 50),
        *_sent("FAIR-006", CLIENTS, (QUOTE,), 90),
        *_sent("FAIR-005", CLIENTS, (("getPlatformRules", "GET", "/fair/v1/rules"),), 120),
    ]
    cut_short = (
        "listings differ\n"
        "  $.items[0]  (for third_party/alice)\n"
        "    Documented: 1\n"
        "    Received:   2\n"
        "  ... and 4 more\n"
    )
    unnamed = "a refusal\n  $.status  (for bob)\n    Documented: 200\n    Received:   403\n"
    result = _result(
        _requirement("FAIR-009", Outcome.ERROR, "the check could not complete"),
        _requirement("FAIR-010", Outcome.FAIL, cut_short),
        _requirement("FAIR-006", Outcome.FAIL, unnamed),
        _requirement("FAIR-005", Outcome.FAIL, "a plain message, no row"),
    )
    cells = _cells(result, timings)
    assert cells[("third_party", "getItem")].state == "undecided"
    assert cells[("third_party", "getItem")].undecided == ["FAIR-009 error"]
    assert cells[("third_party", "listItems")].state == "differs"  # what was shown stands
    assert cells[("competitor", "listItems")].state == "undecided"  # the rest was cut
    assert cells[("competitor", "createQuote")].state == "undecided"  # a row naming no client
    assert cells[("third_party", "getPlatformRules")].state == "undecided"  # a failure, no row
    assert cells[("competitor", "getPlatformRules")].undecided == [
        "FAIR-005 a finding the grid cannot place whole"
    ]
    assert cells[("first_party", "getItem")].state == "baseline"


def test_the_svg_draws_one_cell_per_pair_with_classes_only_and_escapes_names() -> None:
    timings = [
        *_sent("FAIR-001", ("first_party", "third_party", HOSTILE), (LIST, ITEM, QUOTE), 1),
        _timing(99, "FAIR-001", "first_party/alice", HOSTILE, "GET", "/x"),
    ]
    reason = PARITY.replace("competitor/alice", f"{HOSTILE}/alice")
    svg = differential.grid(
        differential.cells(_result(_requirement("FAIR-001", Outcome.FAIL, reason)), timings)
    )
    assert svg is not None
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="plot grid"')
    assert f"<title>{differential.TITLE}</title>" in svg
    assert "<img" not in svg and " style=" not in svg and "&lt;img src=x" in svg
    classes = re.findall(r'<rect [^>]*class="(g-[a-z]+)"', svg)
    # 3 clients × 3 operations and first_party's hostile one, then 4 legend swatches.
    assert classes.count("g-baseline") == 4 + 1
    assert classes.count("g-differs") == 2 + 1  # third_party × createQuote, HOSTILE × getItem
    assert classes.count("g-same") == 4 + 1
    assert len(classes) == 10 + 4
    assert ">≠ 1<" in svg and "2 client × operation cell(s) differ" in svg
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;&amp; × getItem: answered differently" in svg


def test_no_grid_without_a_comparison_and_its_place_in_the_page(tmp_path) -> None:
    alone = _sent("PORT-001", ("first_party",), (LIST,), 1)
    assert (
        differential.grid(
            differential.cells(_result(_requirement("PORT-001", Outcome.PASS)), alone)
        )
        is None
    )
    assert differential.grid([]) is None
    # Bounded: past MOST_CLIENTS × MOST_OPERATIONS the rest is counted, not drawn.
    many = [
        _timing(i * 100 + j, "FAIR-001", f"{c}/alice", f"op{j}", "GET", f"/o{j}")
        for i, c in enumerate(["first_party", *(f"client{k}" for k in range(14))])
        for j in range(20)
    ]
    svg = differential.grid(
        differential.cells(_result(_requirement("FAIR-001", Outcome.PASS)), many)
    )
    assert svg is not None and "13 row(s) or column(s) not drawn" in svg
    assert (
        len(re.findall(r'class="g-', svg))
        == differential.MOST_CLIENTS * differential.MOST_OPERATIONS + 4
    )
    # In the page, among the plots (the stylesheet knows its classes).
    page = html.render(_result(_requirement("FAIR-001", Outcome.PASS)), tmp_path / "absent.jsonl")
    assert differential.TITLE not in page  # no evidence, no grid
    style = html.STYLESHEET.read_text(encoding="utf-8")
    for state in ("differs", "same", "undecided", "baseline"):
        assert f".g-{state} " in style
