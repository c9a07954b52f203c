"""The site's pictures, hand-built SVG: badges and timelines.

A badge (``PORT 1.0 | conformant``) is a file of its own, embeddable in a
README or a web page, so it carries its colours as presentation attributes
and needs no stylesheet. The timelines live inside the site's pages and are
styled by their stylesheet through classes (a page's Content-Security-Policy
refuses ``style`` attributes). Every text is escaped (``markup.esc``); every
link is a path the site made from a slug. Sizes are bounded whatever the
history holds: the newest ``MOST_RUNS`` runs are drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from conformance._harness.report.markup import esc
from conformance._harness.units import human_duration

BADGE_COLOURS = {
    "conformant": "#1a7f37",
    "not-conformant": "#cf222e",
    "undecided": "#9a6700",
    "partial": "#0969da",
    "not-claimed": "#6e7781",
    "not-verified": "#82071e",
}
STATES = frozenset({*BADGE_COLOURS, "no-verdict"})
"""Every state a picture colours; anything else (a hand-edited history) is ``other``."""
_CHAR = 6.8
"""Pixels per character of 11px Verdana, near enough for a badge's width."""
WIDTH = 900
LABEL = 150
MOST_RUNS = 120


def badge(label: str, state: str) -> str:
    """A standalone SVG badge: ``label`` on grey, the state's words on its colour."""
    message = state.replace("-", " ")
    left = round(len(label) * _CHAR + 12)
    right = round(len(message) * _CHAR + 12)
    colour = BADGE_COLOURS.get(state, "#6e7781")
    text = esc(f"{label}: {message}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="badge" width="{left + right}" '
        f'height="20" role="img" aria-label="{text}"><title>{text}</title>'
        f'<rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" '
        'font-size="11">'
        f'<text x="{left / 2:.1f}" y="14">{esc(label)}</text>'
        f'<text x="{left + right / 2:.1f}" y="14">{esc(message)}</text></g></svg>'
    )


@dataclass(frozen=True)
class Column:
    """One run in a platform's history: when, where its page is, its state per lane."""

    when: str
    href: str
    title: str
    states: Mapping[str, str]
    """Lane name (``run``, ``PORT``, ...) -> state; a lane the run did not touch is absent."""


def history(columns: Sequence[Column], lanes: Sequence[str]) -> str | None:
    """A platform's runs in time order, one lane for the run and one per standard."""
    if not columns:
        return None
    shown = list(columns)[-MOST_RUNS:]
    plot = WIDTH - LABEL - 20
    step = plot / max(len(shown), 1)
    row, top = 18, 24
    body = [_text(0, 14, _span_caption(shown, len(columns)), "cap")]
    for i, lane in enumerate(lanes):
        body.append(_text(LABEL - 6, top + i * row + 12, lane, "lab", end=True))
    for n, column in enumerate(shown):
        x = LABEL + n * step
        cells = []
        for i, lane in enumerate(lanes):
            state = column.states.get(lane)
            if state is None:
                continue
            tip = f"{column.title}\n{lane}: {state.replace('-', ' ')}"
            cells.append(
                f'<rect x="{x + 1:.1f}" y="{top + i * row + 2}" width="{max(step - 2, 1):.1f}" '
                f'height="{row - 4}" class="{_css(state)}"><title>{esc(tip)}</title></rect>'
            )
        body.append(f'<a href="{esc(column.href)}">{"".join(cells)}</a>')
    bottom = top + len(lanes) * row
    body.append(_text(LABEL, bottom + 14, _short(shown[0].when), "tick"))
    if len(shown) > 1:
        body.append(_text(WIDTH - 20, bottom + 14, _short(shown[-1].when), "tick", end=True))
    return _svg(bottom + 22, "History of the platform's runs", body)


def _span_caption(shown: Sequence[Column], total: int) -> str:
    more = f" (the newest {len(shown)} of {total})" if total > len(shown) else ""
    return f"{len(shown)} run(s) in time order{more}; a click opens the run"


@dataclass(frozen=True)
class Tick:
    """One scheduled run of a monitor: when, how long, its state, any alert."""

    when: str
    duration: float
    state: str
    alert: str
    title: str
    href: str


def monitor(ticks: Sequence[Tick]) -> str | None:
    """A monitor's runs on a time axis: a bar per run (its height the run's duration,
    its colour the run's state) and a marker over each run that raised an alert."""
    if not ticks:
        return None
    shown = list(ticks)[-MOST_RUNS:]
    times = [_epoch(t.when) for t in shown]
    known = [t for t in times if t is not None]
    start, end = (min(known), max(known)) if known else (0.0, 0.0)
    plot = WIDTH - LABEL - 40
    longest = max((t.duration for t in shown), default=0.0) or 1.0
    top, height = 36, 80
    slot = min(24.0, plot / max(len(shown), 1))
    body = [
        _text(0, 14, f"{len(shown)} scheduled run(s); bar height: duration", "cap"),
        _text(LABEL - 6, top + height, "0 s", "tick", end=True),
        _text(LABEL - 6, top + 10, human_duration(longest), "tick", end=True),
        f'<line x1="{LABEL}" y1="{top + height}" x2="{WIDTH - 20}" y2="{top + height}" '
        'class="axis"/>',
    ]
    for n, (tick, at) in enumerate(zip(shown, times, strict=True)):
        if at is None or end <= start:
            x = LABEL + n * slot
        else:
            x = LABEL + (at - start) / (end - start) * (plot - slot)
        bar = max(tick.duration / longest * height, 2.0)
        tip = f"{tick.title}\n{human_duration(tick.duration)}" + (
            f"\nALERT: {tick.alert}" if tick.alert else ""
        )
        parts = [
            f'<rect x="{x + 2:.1f}" y="{top + height - bar:.1f}" width="{slot - 4:.1f}" '
            f'height="{bar:.1f}" class="{_css(tick.state)}"><title>{esc(tip)}</title></rect>'
        ]
        if tick.alert:
            mid = x + slot / 2
            parts.append(
                f'<path d="M{mid - 6:.1f} {top - 14} h12 l-6 10 z" class="alert">'
                f"<title>{esc(tip)}</title></path>"
            )
        body.append(
            f'<a href="{esc(tick.href)}">{"".join(parts)}</a>' if tick.href else "".join(parts)
        )
    body.append(_text(LABEL, top + height + 16, _short(shown[0].when), "tick"))
    if len(shown) > 1:
        body.append(_text(WIDTH - 20, top + height + 16, _short(shown[-1].when), "tick", end=True))
    return _svg(top + height + 24, "The monitor's scheduled runs", body)


def _css(state: str) -> str:
    return f"st-{state}" if state in STATES else "st-other"


def _epoch(when: str) -> float | None:
    try:
        return datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _short(when: str) -> str:
    return when.replace("T", " ")[:19]


def _svg(height: float, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}"><title>{esc(title)}</title>{"".join(body)}</svg>'
    )


def _text(x: float, y: float, text: str, css: str, end: bool = False) -> str:
    anchor = ' text-anchor="end"' if end else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{css}"{anchor}>{esc(text)}</text>'
