"""The site's front page: its platforms, and the matrix of platforms x requirements.

Each row is a requirement, each column a platform; a cell is the
requirement's outcome in the platform's newest run that judged it, linked
to that run. Filters by standard, profile, level and outcome are radio
buttons and CSS (no script): the stylesheet carries one rule per filter
value, made here from the values present, and class names are indexes
(``fs0``, ``fo2``), never text from a report. The outcome filter keeps a
row when any platform's cell has that outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance._harness.report.markup import anchor, esc
from conformance._harness.site import layout
from conformance._harness.site.collect import Platform
from conformance._harness.site.frame import page
from conformance._harness.site.status import (
    OUTCOMES,
    latest_outcomes,
    latest_statuses,
    run_state,
)
from conformance._harness.site.svg import badge


@dataclass
class Row:
    """One requirement of the matrix and each platform's newest outcome of it."""

    id: str
    standard: str
    version: str
    level: str
    profile: str
    text: str
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Platform slug -> (outcome, run slug)."""


@dataclass(frozen=True)
class Dimension:
    """One filter: its radio group's key, its name, and its values in order."""

    key: str
    name: str
    values: tuple[str, ...]


def rows(platforms: Sequence[Platform], text_of: Callable[[str], str]) -> list[Row]:
    """The matrix's rows, ordered by standard and then as the reports list them."""
    found: dict[str, Row] = {}
    for platform in platforms:
        for rid, (outcome, run) in latest_outcomes(platform).items():
            entry = next(e for e in run.requirements if str(e["id"]) == rid)
            row = found.setdefault(
                rid,
                Row(
                    rid,
                    str(entry["standard"]),
                    str(entry["version"]),
                    str(entry["level"]),
                    str(entry["profile"]),
                    text_of(rid),
                ),
            )
            row.cells[platform.slug] = (outcome, run.slug)
    order = {rid: n for n, rid in enumerate(found)}
    return sorted(found.values(), key=lambda r: (r.standard, _natural(r.id), order[r.id]))


def _natural(rid: str) -> tuple[str, int]:
    head, _, tail = rid.rpartition("-")
    return (head, int(tail)) if tail.isdigit() else (rid, -1)


def build(
    platforms: Sequence[Platform], text_of: Callable[[str], str], generated_at: str
) -> tuple[str, dict[str, Any]]:
    """The front page and the JSON behind it."""
    matrix_rows = rows(platforms, text_of)
    dimensions = _dimensions(matrix_rows)
    body = (
        "<h1>Conformance results</h1>"
        + f'<p class="meta">Published {esc(generated_at)} from {sum(len(p.runs) for p in platforms)} '
        f"run(s) of {len(platforms)} platform(s).</p>"
        + _platforms(platforms)
        + _matrix(platforms, matrix_rows, dimensions)
    )
    html = page(
        "Conformance results",
        body,
        depth=0,
        data=layout.INDEX_DATA,
        extra_style=_filter_style(dimensions),
    )
    return html, _data(platforms, matrix_rows, generated_at)


def _platforms(platforms: Sequence[Platform]) -> str:
    rows_html = []
    for platform in platforms:
        badges = "".join(
            f'<a href="{layout.run_page(s.run_slug)}">{badge(s.label, s.state)}</a>'
            for s in latest_statuses(platform)
        )
        latest = platform.latest
        state = run_state(latest) if latest else "no-verdict"
        newest = (
            f'<a href="{layout.run_page(latest.slug)}">{esc(latest.started_at)}</a> '
            f'<span class="s-{state}">{esc(state.replace("-", " "))}</span>'
            if latest
            else "no run"
        )
        seal = esc(latest.seal.state.replace("-", " ")) if latest else ""
        monitored = f"{len(platform.monitors)} history" if platform.monitors else ""
        rows_html.append(
            f'<tr><td><a href="{layout.platform_page(platform.slug)}">{esc(platform.name)}</a></td>'
            f'<td><div class="badges">{badges}</div></td><td>{newest}</td><td>{seal}</td>'
            f"<td>{len(platform.runs)}</td><td>{esc(monitored)}</td></tr>"
        )
    return (
        '<h2 id="platforms">Platforms</h2><table class="platforms">'
        "<tr><th>platform</th><th>per standard (newest run that judged it)</th>"
        "<th>newest run</th><th>its signature</th><th>runs</th><th>monitor</th></tr>"
        + "".join(rows_html)
        + "</table>"
    )


def _dimensions(matrix_rows: Sequence[Row]) -> list[Dimension]:
    def values(of: Callable[[Row], str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(of(r) for r in matrix_rows))

    present = {o for r in matrix_rows for o, _ in r.cells.values()}
    return [
        Dimension("fs", "standard", values(lambda r: f"{r.standard} {r.version}")),
        Dimension("fp", "profile", tuple(sorted(set(values(lambda r: r.profile))))),
        Dimension("fl", "level", tuple(sorted(set(values(lambda r: r.level))))),
        Dimension("fo", "outcome", tuple(o for o in (*OUTCOMES, "other") if o in present)),
    ]


def _classes(row: Row, dimensions: Sequence[Dimension]) -> str:
    standard, profile, level, outcome = dimensions
    own = [
        f"fs{standard.values.index(f'{row.standard} {row.version}')}",
        f"fp{profile.values.index(row.profile)}",
        f"fl{level.values.index(row.level)}",
    ]
    outcomes = {o for o, _ in row.cells.values()}
    own += [f"fo{i}" for i, o in enumerate(outcome.values) if o in outcomes]
    return " ".join(["r", *own])


def _matrix(
    platforms: Sequence[Platform], matrix_rows: Sequence[Row], dims: Sequence[Dimension]
) -> str:
    radios, groups = [], []
    for dim in dims:
        radios.append(
            f'<input type="radio" class="radio" name="{dim.key}" id="{dim.key}-all" checked>'
        )
        labels = [f'<label for="{dim.key}-all">all</label>']
        for i, value in enumerate(dim.values):
            radios.append(f'<input type="radio" class="radio" name="{dim.key}" id="{dim.key}-{i}">')
            labels.append(f'<label for="{dim.key}-{i}">{esc(value)}</label>')
        groups.append(
            f'<div class="filters" id="filter-{dim.name}"><span class="dim">{esc(dim.name)}</span>'
            + "".join(labels)
            + "</div>"
        )
    head = "".join(
        f'<th class="platform"><a href="{layout.platform_page(p.slug)}">{esc(p.name)}</a></th>'
        for p in platforms
    )
    body = []
    for row in matrix_rows:
        cells = []
        for platform in platforms:
            if platform.slug not in row.cells:
                cells.append('<td class="o-none" title="not judged in any run">—</td>')
                continue
            outcome, run = row.cells[platform.slug]
            href = f"{layout.run_page(run)}#{anchor(row.id)}"
            cells.append(f'<td class="o-{outcome}"><a href="{href}">{esc(outcome)}</a></td>')
        body.append(
            f'<tr class="{_classes(row, dims)}" id="{anchor(row.id)}">'
            f'<td class="rid">{esc(row.id)}</td><td>{esc(row.level)}</td>'
            f'<td>{esc(row.profile)}</td><td class="text">{esc(_short(row.text))}</td>'
            + "".join(cells)
            + "</tr>"
        )
    return (
        f'<h2 id="matrix">Matrix: {len(matrix_rows)} requirement(s) x {len(platforms)} platform(s)</h2>'
        '<p class="meta">Each cell: the outcome in the platform\'s newest run that judged the '
        "requirement (a click opens that run). The outcome filter keeps a requirement when any "
        "platform has that outcome.</p>"
        '<div class="matrix-wrap">'
        + "".join(radios)
        + "".join(groups)
        + '<table class="matrix" id="matrix-table"><tr><th>requirement</th><th>level</th>'
        f"<th>profile</th><th>text</th>{head}</tr>" + "".join(body) + "</table></div>"
    )


def _short(text: str, most: int = 140) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _filter_style(dims: Sequence[Dimension]) -> str:
    chosen, hidden = [], []
    for dim in dims:
        ids = [f"{dim.key}-all", *(f"{dim.key}-{i}" for i in range(len(dim.values)))]
        chosen += [f'#{i}:checked ~ .filters label[for="{i}"]' for i in ids]
        hidden += [
            f"#{dim.key}-{i}:checked ~ table.matrix tr.r:not(.{dim.key}{i})"
            for i in range(len(dim.values))
        ]
    style = ",\n".join(chosen) + " { background: #0969da; color: #fff; border-color: #0969da; }\n"
    if hidden:
        style += ",\n".join(hidden) + " { display: none; }\n"
    return style


def _data(
    platforms: Sequence[Platform], matrix_rows: Sequence[Row], generated_at: str
) -> dict[str, Any]:
    names = {p.slug: p.name for p in platforms}
    return {
        "generated_at": generated_at,
        "platforms": [
            {
                "name": p.name,
                "page": layout.platform_page(p.slug),
                "data": layout.platform_data(p.slug),
                "runs": len(p.runs),
                "latest_run": p.latest.run_id if p.latest else None,
                "latest_state": run_state(p.latest) if p.latest else None,
                "standards": [
                    {**s.to_json(), "badge": layout.badge(p.slug, s.standard)}
                    for s in latest_statuses(p)
                ],
            }
            for p in platforms
        ],
        "requirements": [
            {
                "id": r.id,
                "standard": r.standard,
                "version": r.version,
                "level": r.level,
                "profile": r.profile,
                "outcomes": _cells(r.cells, names),
            }
            for r in matrix_rows
        ],
    }


def _cells(cells: Mapping[str, tuple[str, str]], names: Mapping[str, str]) -> dict[str, Any]:
    return {
        names[slug]: {"outcome": outcome, "run_page": layout.run_page(run)}
        for slug, (outcome, run) in cells.items()
    }
