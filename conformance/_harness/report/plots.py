"""The plots of index.html, drawn as inline SVG from the evidence's timings.

Hand-built SVG (no plotting library, nothing fetched): a timeline of the
run's requests, FAIR-004's latency distributions per client and operation
with the requirement's limits drawn on them, and export and import times
against the limit the platform declares. Each plot is bounded in size
whatever the run sent (samples are binned, rows capped), styled only by
the page's stylesheet (classes, never ``style`` attributes, which the
page's Content-Security-Policy refuses), and ``None`` when its data is absent.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from conformance._harness.report.evidence_view import Timing
from conformance._harness.report.markup import esc
from conformance._harness.units import human_duration

WIDTH = 900
LABEL = 170
PLOT = WIDTH - LABEL - 20
BINS = 150
MOST_LANES = 60
MOST_JOBS = 30
SUITE_EXPORT_BOUND = 600.0
"""Seconds: PORT's ceiling on an export whatever the platform declares (``x-limits``)."""
EXPORT_LIMIT_KEY = "port.max_export_seconds"
LATENCY_REQUIREMENT = "FAIR-004"
LATENCY_BOUNDS = (("median", 0.5, 1.5), ("p95", 0.95, 2.0))
"""FAIR-004's quantiles and the ratio to first_party's each may reach."""
RESOLUTION = 0.005
"""Seconds: FAIR-004's timing resolution, added to each limit."""
BASELINE = "first_party"


def _svg(height: float, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}"><title>{esc(title)}</title>{"".join(body)}</svg>'
    )


def _text(x: float, y: float, text: str, css: str = "", end: bool = False) -> str:
    anchor = ' text-anchor="end"' if end else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{css}"{anchor}>{esc(text)}</text>'


def _rect(x: float, y: float, w: float, h: float, css: str, tip: str = "") -> str:
    title = f"<title>{esc(tip)}</title>" if tip else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.8):.1f}" height="{h:.1f}" '
        f'class="{css}">{title}</rect>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, css: str, tip: str = "") -> str:
    title = f"<title>{esc(tip)}</title>" if tip else ""
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="{css}">{title}</line>'


# -- timeline -----------------------------------------------------------------------------


_STATUS_CLASSES = ("s2", "s3", "s4", "s5", "sx")
_STATUS_NAMES = ("2xx", "3xx", "4xx", "5xx", "no answer")


def _status_rank(status: int | None) -> int:
    if status is None:
        return 4
    return min(3, max(0, status // 100 - 2))


def timeline(timings: Sequence[Timing]) -> str | None:
    """Every request of the run over time, one lane per requirement, coloured by status."""
    if not timings:
        return None
    start = min(t.start for t in timings)
    span = max(max(t.start + t.duration for t in timings) - start, 1e-3)
    lanes: dict[str, dict[int, int]] = {}
    counts: dict[str, int] = defaultdict(int)
    for t in timings:
        lane = t.requirement or "(setup)"
        if lane not in lanes and len(lanes) >= MOST_LANES:
            lane = "(others)"
        bins = lanes.setdefault(lane, {})
        counts[lane] += 1
        first = int((t.start - start) / span * (BINS - 1))
        last = int((t.start + t.duration - start) / span * (BINS - 1))
        for b in range(first, last + 1):
            bins[b] = max(bins.get(b, 0), _status_rank(t.status))
    row = 14
    top = 24
    body = [_text(0, 14, f"{len(timings)} requests over {human_duration(span)}", "cap")]
    for i, (lane, bins) in enumerate(lanes.items()):
        y = top + i * row
        body.append(_text(LABEL - 6, y + 10, lane, "lab", end=True))
        for first, last, rank in _runs(bins):
            x = LABEL + first / BINS * PLOT
            width = (last - first + 1) / BINS * PLOT
            tip = f"{lane}: {counts[lane]} requests; worst here {_STATUS_NAMES[rank]}"
            body.append(_rect(x, y + 2, width, row - 4, _STATUS_CLASSES[rank], tip))
    bottom = top + len(lanes) * row
    body += _time_axis(bottom, span)
    body += _legend(bottom + 34)
    return _svg(bottom + 48, "Timeline of the run's requests", body)


def _runs(bins: Mapping[int, int]) -> list[tuple[int, int, int]]:
    """Consecutive bins of one colour as (first, last, rank)."""
    out: list[tuple[int, int, int]] = []
    for b in sorted(bins):
        rank = bins[b]
        if out and out[-1][1] == b - 1 and out[-1][2] == rank:
            out[-1] = (out[-1][0], b, rank)
        else:
            out.append((b, b, rank))
    return out


def _time_axis(y: float, span: float) -> list[str]:
    body = [_line(LABEL, y + 2, LABEL + PLOT, y + 2, "axis")]
    for i in range(6):
        x = LABEL + i / 5 * PLOT
        body += [_line(x, y + 2, x, y + 6, "axis"), _text(x, y + 18, _tick(span * i / 5), "tick")]
    return body


def _tick(seconds: float) -> str:
    return "0" if seconds == 0 else human_duration(seconds)


def _legend(y: float) -> list[str]:
    body = []
    for i, (css, name) in enumerate(zip(_STATUS_CLASSES, _STATUS_NAMES, strict=True)):
        x = LABEL + i * 110
        body += [_rect(x, y - 9, 12, 10, css), _text(x + 16, y, name, "tick")]
    return body


# -- FAIR-004 latency -----------------------------------------------------------------------


@dataclass(frozen=True)
class ClientLatency:
    """One client's sample for one operation, and the limits FAIR-004 sets for it."""

    client: str
    samples: tuple[float, ...]
    median: float
    p95: float
    limits: tuple[float, float] | None
    """(median limit, p95 limit) against first_party's point estimates; None for first_party."""

    @property
    def over(self) -> bool:
        """Whether a point estimate passes its limit (the check decides on bounds)."""
        return self.limits is not None and (
            self.median > self.limits[0] or self.p95 > self.limits[1]
        )


def latency_samples(timings: Sequence[Timing]) -> dict[str, list[ClientLatency]]:
    """FAIR-004's answered requests, by operation and client, with their limits."""
    grouped: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for t in timings:
        if (
            t.requirement == LATENCY_REQUIREMENT
            and t.operation
            and t.role
            and t.status
            and t.status < 400
        ):
            grouped[t.operation][t.role.partition("/")[0] or "?"].append(t.duration)
    out: dict[str, list[ClientLatency]] = {}
    for operation, clients in grouped.items():
        base = clients.get(BASELINE)
        fixed = None
        if base:
            ordered = sorted(base)
            fixed = tuple(
                ratio * _quantile(ordered, q) + RESOLUTION for _, q, ratio in LATENCY_BOUNDS
            )
        rows = []
        for client in sorted(clients, key=lambda c: (c != BASELINE, c)):
            ordered = sorted(clients[client])
            limits = None if client == BASELINE or fixed is None else (fixed[0], fixed[1])
            rows.append(
                ClientLatency(
                    client,
                    tuple(ordered),
                    _quantile(ordered, 0.5),
                    _quantile(ordered, 0.95),
                    limits,
                )
            )
        out[operation] = rows
    return out


def _quantile(ordered: Sequence[float], q: float) -> float:
    """The nearest-rank quantile of sorted values."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def latency(operation: str, rows: Sequence[ClientLatency]) -> str:
    """One operation's latency histograms, one row per client, FAIR-004's limits drawn."""
    everything = sorted(s for r in rows for s in r.samples)
    edge = max([_quantile(everything, 0.99)] + [x for r in rows if r.limits for x in r.limits])
    edge = max(edge * 1.1, 1e-3)
    row, top = 40, 26
    body = [_text(0, 14, f"{operation}: time per request, by client", "cap")]
    for i, r in enumerate(rows):
        y = top + i * row
        body.append(_text(LABEL - 6, y + 22, f"{r.client} ({len(r.samples)})", "lab", end=True))
        body += _histogram(r.samples, edge, y, row - 10)
        for name, value, css in (("median", r.median, "med"), ("p95", r.p95, "p95")):
            x = LABEL + min(value / edge, 1.0) * PLOT
            tip = f"{r.client} {name}: {human_duration(value)}"
            body.append(_line(x, y + 2, x, y + row - 8, css + (" over" if r.over else ""), tip))
        if r.limits is not None:
            for n, ((name, _, ratio), limit) in enumerate(
                zip(LATENCY_BOUNDS, r.limits, strict=True)
            ):
                x = LABEL + min(limit / edge, 1.0) * PLOT
                tip = f"{name} limit: {ratio} × {BASELINE}'s + 5 ms = {human_duration(limit)}"
                body.append(_line(x, y, x, y + row - 6, "limit", tip))
                body.append(_text(x + 3, y + 9 + n * 12, f"{name} limit", "tick lim"))
    bottom = top + len(rows) * row
    body += _time_axis(bottom, edge)
    legend = (("med", "median"), ("p95", "95th percentile"), ("limit", "FAIR-004's limit"))
    for i, (css, name) in enumerate(legend):
        x = LABEL + i * 160
        body += [
            _line(x, bottom + 34, x + 18, bottom + 34, css),
            _text(x + 22, bottom + 38, name, "tick"),
        ]
    return _svg(bottom + 46, f"FAIR-004 latency of {operation}", body)


def _histogram(samples: Sequence[float], edge: float, y: float, height: float) -> list[str]:
    bins: dict[int, int] = defaultdict(int)
    for s in samples:
        bins[min(BINS - 1, int(s / edge * BINS))] += 1
    most = max(bins.values(), default=1)
    body = []
    for b, n in sorted(bins.items()):
        h = max(1.0, n / most * height)
        body.append(_rect(LABEL + b / BINS * PLOT, y + height - h + 4, PLOT / BINS, h, "hist"))
    return body


# -- export and import times --------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One export or import: how long from its POST to its last state seen."""

    requirement: str
    kind: str
    name: str
    seconds: float
    state: str
    finished: bool


_DONE = {"export": ("ready", "failed"), "import": ("completed", "failed")}


def jobs(timings: Sequence[Timing]) -> list[Job]:
    """Exports and imports found in the evidence: created with a Location, then followed.

    One created and never asked about again (PORT-007's quota probe) has no
    time to show and is left out.
    """
    polls: dict[str, list[Timing]] = defaultdict(list)
    for t in timings:
        if t.operation in ("getExport", "getImport"):
            polls[t.path].append(t)
    out = []
    for t in timings:
        if t.operation not in ("createExport", "createImport") or not t.location:
            continue
        kind = "export" if t.operation == "createExport" else "import"
        done = _DONE[kind]
        end, state = t.start + t.duration, t.state
        if state not in done:
            seen = sorted((p for p in polls.get(t.location, ()) if p.start >= t.start), key=_start)
            if not seen:
                continue  # created and never followed (a quota probe): no time to show
            final = next((p for p in seen if p.state in done), seen[-1])
            end, state = final.start + final.duration, final.state
        name = t.location.rstrip("/").rpartition("/")[2]
        out.append(Job(t.requirement, kind, name, end - t.start, state, state in done))
    return out


def _start(t: Timing) -> float:
    return t.start


def export_limit(claims: Mapping[str, object] | None) -> tuple[float, str]:
    """The export ceiling that applies, and where it comes from."""
    limits = claims.get("limits") if isinstance(claims, Mapping) else None
    declared = limits.get(EXPORT_LIMIT_KEY) if isinstance(limits, Mapping) else None
    if isinstance(declared, int | float) and not isinstance(declared, bool) and declared > 0:
        if declared <= SUITE_EXPORT_BOUND:
            return float(declared), f"{EXPORT_LIMIT_KEY} = {declared} s, declared"
        return SUITE_EXPORT_BOUND, f"the suite's bound ({declared} s declared)"
    return SUITE_EXPORT_BOUND, f"the suite's bound ({EXPORT_LIMIT_KEY} not declared)"


def job_times(kind: str, found: Sequence[Job], limit: tuple[float, str] | None) -> str | None:
    """Each job's time on a log scale, the declared limit drawn (exports) when there is one."""
    found = [j for j in found if j.kind == kind]
    if not found:
        return None
    shown = found[:MOST_JOBS]
    low = 1e-3
    high = max([j.seconds for j in shown] + ([limit[0]] if limit else [])) * 2
    high = max(high, low * 10)

    def x(seconds: float) -> float:
        ratio = math.log10(max(seconds, low) / low) / math.log10(high / low)
        return LABEL + min(ratio, 1.0) * PLOT

    row, top = 16, 26
    more = f" ({len(found) - len(shown)} more not drawn)" if len(found) > len(shown) else ""
    body = [
        _text(0, 14, f"{len(found)} {kind}(s): time from the POST to the last state{more}", "cap")
    ]
    for i, j in enumerate(shown):
        y = top + i * row
        over = not j.finished or (limit is not None and j.seconds > limit[0])
        body.append(_text(LABEL - 6, y + 11, f"{j.requirement} {j.name[:14]}", "lab", end=True))
        tip = f"{j.kind} {j.name}: {human_duration(j.seconds)}, {j.state or 'state unknown'}"
        body.append(
            _rect(LABEL, y + 3, x(j.seconds) - LABEL, row - 5, "bad" if over else "ok", tip)
        )
        state = j.state if j.finished else f"{j.state or 'no state'}, not finished"
        body.append(
            _text(x(j.seconds) + 4, y + 12, f"{human_duration(j.seconds)} ({state})", "tick")
        )
    bottom = top + len(shown) * row
    if limit is not None:
        body.append(_line(x(limit[0]), top - 4, x(limit[0]), bottom, "limit"))
        body.append(_text(x(limit[0]) - 3, top - 6, f"limit {limit[1]}", "tick lim", end=True))
    body.append(_line(LABEL, bottom + 2, LABEL + PLOT, bottom + 2, "axis"))
    decade = low
    while decade <= high:
        body += [_line(x(decade), bottom + 2, x(decade), bottom + 6, "axis")]
        body.append(_text(x(decade), bottom + 18, human_duration(decade), "tick"))
        decade *= 10
    return _svg(bottom + 28, f"{kind} times", body)
