"""The differential grid of index.html: which client was answered differently, per operation.

A differential requirement (FAIR's parity, latency, errors, paging; any
requirement whose exchanges were sent both as ``first_party`` and as
another client) holds each client's answers against first_party's. The
grid has a row per client and a column per operation, from the evidence
(who sent what) and the findings (what differed, for whom): a cell is red
when a finding row of a failed requirement names that client and that
operation, green when the client was compared there and no difference was
found, amber when that could not be decided (the requirement ended in an
error or a skip, or its finding was cut short or names no client), grey
for first_party, the baseline.

A finding row names its subjects (``(for third_party/alice (…), ex-000205)``)
and often its operation (``listItems median``, ``POST /fair/v1/quotes
$.total``, or a headline ``getItem: …``); an exchange id among the subjects
gives both at once. Hand-built SVG, bounded in size, styled by classes only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from conformance._harness.report.evidence_view import Timing
from conformance._harness.report.plots import LABEL, PLOT, _rect, _svg, _text
from conformance._harness.report.requirement_html import Row, finding_rows
from conformance._harness.results import CheckResult, Outcome, RunResult

BASELINE = "first_party"
MOST_CLIENTS = 10
MOST_OPERATIONS = 12
UNNAMED = "(not named)"
"""The column of finding rows that name a client but no operation the evidence knows."""
TITLE = "Differential findings: client × operation"

_MORE = re.compile(r"^\s*\.\.\. and \d+ more$", re.MULTILINE)
_EXCHANGE = re.compile(r"\bex-\d{6,}\b")
_REQUEST = re.compile(r"\b(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (/[^\s?]*)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DECIDED = (Outcome.PASS, Outcome.FAIL)


@dataclass
class Cell:
    """One client and one operation across the differential requirements of a run."""

    client: str
    operation: str
    requests: int = 0
    requirements: list[str] = field(default_factory=list)
    """The requirements that sent this client's requests for this operation."""
    differs: dict[str, int] = field(default_factory=dict)
    """Finding rows naming this cell, per requirement."""
    undecided: list[str] = field(default_factory=list)
    """Requirements that compared here but decided nothing about it."""

    @property
    def state(self) -> str:
        """``baseline``, ``differs``, ``undecided`` or ``same``."""
        if self.client == BASELINE:
            return "baseline"
        if self.differs:
            return "differs"
        return "undecided" if self.undecided else "same"

    def describe(self) -> str:
        """The cell's tooltip: what was found, and on how many requests."""
        what = {
            "baseline": "the baseline every other client is held against",
            "differs": "answered differently from first_party: "
            + ", ".join(
                f"{r} ({n} finding row{'s' if n != 1 else ''})" for r, n in self.differs.items()
            ),
            "undecided": "not decided (" + ", ".join(self.undecided) + ")",
            "same": "no difference found",
        }[self.state]
        sent = (
            f"{self.requests} request(s) under {', '.join(self.requirements)}"
            if self.requests
            else "no request recorded"
        )
        return f"{self.client} × {self.operation}: {what}; {sent}"


def cells(result: RunResult, timings: Sequence[Timing]) -> list[Cell]:
    """The grid's cells, in the order clients and operations first appear in the evidence."""
    sent_by: dict[str, list[Timing]] = defaultdict(list)
    for t in timings:
        if t.requirement and t.role and t.operation:
            sent_by[t.requirement].append(t)
    by_id = {t.id: t for t in timings}
    grid: dict[tuple[str, str], Cell] = {}

    def cell(client: str, operation: str) -> Cell:
        return grid.setdefault((client, operation), Cell(client, operation))

    for requirement in result.requirements:
        rid = requirement.info.id
        sent = sent_by.get(rid, [])
        clients = list(dict.fromkeys(_client(t) for t in sent))
        if BASELINE not in clients or len(clients) < 2:
            continue  # not a comparison between clients
        for t in sent:
            found = cell(_client(t), t.operation)
            found.requests += 1
            if rid not in found.requirements:
                found.requirements.append(rid)
        attributed, complete = _findings(requirement.checks, sent, by_id, clients)
        for (client, operation), rows in attributed.items():
            found = cell(client, operation)
            found.differs[rid] = found.differs.get(rid, 0) + rows
        if requirement.outcome not in _DECIDED or not complete:
            why = requirement.outcome.value if complete else "a finding the grid cannot place whole"
            for (client, _), found in grid.items():
                if rid in found.requirements and rid not in found.differs and client != BASELINE:
                    found.undecided.append(f"{rid} {why}")
    return list(grid.values())


def _client(t: Timing) -> str:
    return t.role.partition("/")[0]


def _findings(
    checks: Iterable[CheckResult],
    sent: Sequence[Timing],
    by_id: dict[str, Timing],
    clients: list[str],
) -> tuple[dict[tuple[str, str], int], bool]:
    """Finding rows per (client, operation), and whether every row was shown and placed.

    A failure with no row at all (a plain message) places nothing: incomplete.
    """
    attributed: dict[tuple[str, str], int] = defaultdict(int)
    complete = True
    for check in checks:
        if check.outcome is not Outcome.FAIL:
            continue
        reason = check.reason
        headline = reason.partition("\n")[0]
        rows = finding_rows(reason)
        complete = complete and bool(rows) and not _MORE.search(reason)
        for row in rows:
            pairs = _placed(row, headline, sent, by_id, clients)
            complete = complete and bool(pairs)
            for pair in pairs:
                attributed[pair] += 1
    return attributed, complete


def _placed(
    row: Row, headline: str, sent: Sequence[Timing], by_id: dict[str, Timing], clients: list[str]
) -> set[tuple[str, str]]:
    """The (client, operation) pairs one finding row holds for; first_party is never one."""
    named = [by_id[e] for e in _EXCHANGE.findall(row.subjects) if e in by_id]
    pairs = {(_client(t), t.operation) for t in named if t.operation}
    if not pairs:
        operation = _operation(row.path, headline, sent)
        pairs = {(c, operation) for c in clients if _names(row.subjects, c)}
    return {p for p in pairs if p[0] != BASELINE}


def _names(subjects: str, client: str) -> bool:
    """Whether ``subjects`` names ``client`` as a whole word (``third_party/alice (…)``)."""
    return re.search(rf"(?<!\w){re.escape(client)}(?!\w)", subjects) is not None


def _operation(path: str, headline: str, sent: Sequence[Timing]) -> str:
    """The operation a row names: by its id, by method and path, by the headline, or alone."""
    operations = list(dict.fromkeys(t.operation for t in sent))
    word: str
    for word in _WORD.findall(path):
        if word in operations:
            return word
    request = _REQUEST.search(path)
    if request:
        for t in sent:
            if (t.method, t.path) == (request[1], request[2]):
                return t.operation
    head = headline.partition(":")[0].strip()
    if head in operations:
        return head
    return operations[0] if len(operations) == 1 else UNNAMED


# -- the picture ------------------------------------------------------------------------------

_SYMBOL = {"baseline": "baseline", "same": "=", "undecided": "?"}
_LEGEND = (
    ("differs", "answered differently (≠ rows)"),
    ("same", "no difference found"),
    ("undecided", "not decided"),
    ("baseline", "first_party (baseline)"),
)


def grid(found: Sequence[Cell]) -> str | None:
    """The cells as a client × operation grid, or ``None`` when no requirement compared clients."""
    if not found:
        return None
    clients = sorted(dict.fromkeys(c.client for c in found), key=lambda c: c != BASELINE)
    operations = list(dict.fromkeys(c.operation for c in found))
    hidden = max(0, len(clients) - MOST_CLIENTS) + max(0, len(operations) - MOST_OPERATIONS)
    clients, operations = clients[:MOST_CLIENTS], operations[:MOST_OPERATIONS]
    at = {(c.client, c.operation): c for c in found}
    column = min(150.0, PLOT / len(operations))
    row, top = 26, 44
    differing = sum(1 for c in found if c.state == "differs")
    requirements = sorted({r for c in found for r in c.requirements})
    more = f"; {hidden} row(s) or column(s) not drawn" if hidden else ""
    body = [
        _text(
            0,
            14,
            f"{len(requirements)} requirement(s) compared clients; "
            f"{differing} client × operation cell(s) differ from first_party{more}",
            "cap",
        )
    ]
    chars = max(4, int(column / 6.5))
    for j, operation in enumerate(operations):
        x = LABEL + j * column + 3
        body.append(_text(x, top - 8, _short(operation, chars), "lab"))
    for i, client in enumerate(clients):
        y = top + i * row
        body.append(_text(LABEL - 6, y + row / 2 + 4, client, "lab", end=True))
        for j, operation in enumerate(operations):
            cell = at.get((client, operation))
            if cell is None:
                continue  # this client sent nothing for it: nothing to compare
            x = LABEL + j * column
            state = cell.state
            body.append(_rect(x + 1, y + 1, column - 2, row - 2, f"g-{state}", cell.describe()))
            symbol = f"≠ {sum(cell.differs.values())}" if state == "differs" else _SYMBOL[state]
            body.append(_text(x + 6, y + row / 2 + 4, symbol, f"gl gl-{state}"))
    bottom = top + len(clients) * row + 22
    for k, (state, name) in enumerate(_LEGEND):
        x = LABEL + k * 175
        body += [_rect(x, bottom - 9, 12, 10, f"g-{state}"), _text(x + 16, bottom, name, "tick")]
    return _svg(bottom + 10, TITLE, body).replace('class="plot"', 'class="plot grid"', 1)


def _short(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
