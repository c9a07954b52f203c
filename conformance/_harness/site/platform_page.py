"""A platform's page: its badges, its history across runs, its monitor timeline, its runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance._harness.report.markup import esc
from conformance._harness.site import layout
from conformance._harness.site.collect import MonitorHistory, Platform, run_slug
from conformance._harness.site.frame import figure, page
from conformance._harness.site.status import latest_statuses, run_state, run_statuses
from conformance._harness.site.svg import Column, Tick, badge, history, monitor
from conformance._harness.units import human_duration

RUN_LANE = "run"


def build(platform: Platform, published: set[str]) -> tuple[str, dict[str, Any]]:
    """The platform's page and the JSON behind it; ``published`` holds the run ids on the site."""
    statuses = latest_statuses(platform)
    badges = "".join(
        f'<a href="../{layout.run_page(s.run_slug)}">{badge(s.label, s.state)}</a>'
        for s in statuses
    )
    latest = platform.latest
    headline = (
        f'<p class="headline h-{run_state(latest)}" id="headline">Newest run '
        f'<a href="../{layout.run_page(latest.slug)}">{esc(latest.run_id)}</a>: '
        f"{esc(latest.report['summary']['headline'])}</p>"
        if latest
        else "<p>No run of this platform is published.</p>"
    )
    body = (
        f"<h1>{esc(platform.name)}</h1>"
        + f'<div class="badges" id="badges">{badges}</div>'
        + headline
        + _history(platform)
        + "".join(_monitor(h, published) for h in platform.monitors)
        + _runs(platform)
        + _embed(platform, statuses)
    )
    html = page(
        f"Conformance of {platform.name}", body, depth=1, data=layout.platform_data(platform.slug)
    )
    return html, _data(platform, published)


def _history(platform: Platform) -> str:
    lanes = [RUN_LANE, *sorted({s.standard for r in platform.runs for s in run_statuses(r)})]
    columns = [
        Column(
            run.started_at,
            "../" + layout.run_page(run.slug),
            f"{run.run_id} ({run.started_at})",
            {RUN_LANE: run_state(run), **{s.standard: s.state for s in run_statuses(run)}},
        )
        for run in platform.runs
    ]
    drawn = history(columns, lanes)
    if drawn is None:
        return ""
    return (
        '<h2>History</h2><div id="history">'
        + figure(
            drawn,
            "Each column is a run, oldest on the left: its state as a whole, then per standard it "
            "judged (green conformant, blue partial, red a MUST failed, yellow undecided, "
            "dark nothing judged).",
        )
        + "</div>"
    )


def _monitor(found: MonitorHistory, published: set[str]) -> str:
    ticks = [_tick(e, published) for e in found.entries]
    drawn = monitor(ticks)
    alerts = [e for e in found.entries if e.get("alert")]
    rows = "".join(
        f"<tr><td>{esc(e.get('started_at', ''))}</td><td>{_run_link(e, published)}</td>"
        f"<td>{esc(e.get('alert', ''))}</td><td>{esc(_regressed(e))}</td></tr>"
        for e in alerts[-50:]
    )
    table = (
        '<table class="alerts"><tr><th>when</th><th>run</th><th>alert</th><th>what</th></tr>'
        f"{rows}</table>"
        if rows
        else "<p>No alert was raised.</p>"
    )
    every = found.document.get("every_s")
    caption = (
        f"Scheduled every {human_duration(every)}"
        if isinstance(every, int | float)
        else "Scheduled runs"
    ) + ": a bar per run (height: its duration; colour: its state); a red marker: an alert."
    return (
        '<h2>Monitor</h2><div class="monitor">'
        + (figure(drawn, caption) if drawn else "<p>The monitor has not run yet.</p>")
        + table
        + "</div>"
    )


def _run_link(entry: Mapping[str, Any], published: set[str]) -> str:
    run_id = str(entry.get("run_id", ""))
    if run_id not in published:
        return esc(run_id)
    return f'<a href="../{layout.run_page(run_slug(run_id))}">{esc(run_id)}</a>'


def _tick(entry: Mapping[str, Any], published: set[str]) -> Tick:
    run_id = str(entry.get("run_id", ""))
    duration = entry.get("duration_s")
    return Tick(
        when=str(entry.get("started_at", "")),
        duration=float(duration) if isinstance(duration, int | float) else 0.0,
        state=str(entry.get("state", "")),
        alert=str(entry.get("alert") or ""),
        title=f"{run_id} ({entry.get('started_at', '')}): {entry.get('verdict', '')}",
        href=f"../{layout.run_page(run_slug(run_id))}" if run_id in published else "",
    )


def _regressed(entry: Mapping[str, Any]) -> str:
    found = entry.get("regressions")
    if isinstance(found, list) and found:
        return ", ".join(
            f"{r.get('id')} {r.get('before')} -> {r.get('after')}"
            for r in found
            if isinstance(r, dict)
        )
    return str(entry.get("headline", ""))


def _runs(platform: Platform) -> str:
    rows = []
    for run in reversed(platform.runs):
        counts = run.report["summary"].get("counts") or {}
        tally = ", ".join(f"{n} {o}" for o, n in counts.items() if n)
        state = run_state(run)
        rows.append(
            f'<tr><td>{esc(run.started_at)}</td><td><a href="../{layout.run_page(run.slug)}">'
            f"{esc(run.run_id)}</a></td>"
            f"<td>{esc((run.report.get('selection') or {}).get('description', ''))}</td>"
            f'<td class="s-{state}">{esc(state.replace("-", " "))}</td><td>{esc(tally)}</td>'
            f'<td class="seal-{run.seal.state}">{esc(run.seal.state.replace("-", " "))}</td></tr>'
        )
    return (
        '<h2>Runs</h2><table class="runs" id="runs"><tr><th>started</th><th>run</th>'
        "<th>selection</th><th>state</th><th>requirements</th><th>signature</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _embed(platform: Platform, statuses: list[Any]) -> str:
    if not statuses:
        return ""
    items = "".join(
        f'<li><a href="../{layout.badge(platform.slug, s.standard)}">'
        f"{esc(layout.badge(platform.slug, s.standard))}</a></li>"
        for s in statuses
    )
    return (
        "<h2>Badges</h2><p>Each badge is a file of its own (SVG, no stylesheet needed), "
        f"to show in a README or on a web page:</p><ul>{items}</ul>"
    )


def _data(platform: Platform, published: set[str]) -> dict[str, Any]:
    return {
        "name": platform.name,
        "page": layout.platform_page(platform.slug),
        "standards": [
            {**s.to_json(), "badge": layout.badge(platform.slug, s.standard)}
            for s in latest_statuses(platform)
        ],
        "runs": [
            {
                "run_id": run.run_id,
                "page": layout.run_page(run.slug),
                "data": layout.run_data(run.slug),
                "started_at": run.started_at,
                "verdict": run.verdict,
                "state": run_state(run),
                "seal": run.seal.state,
                "standards": {s.standard: s.state for s in run_statuses(run)},
            }
            for run in platform.runs
        ],
        "monitors": [
            {
                "source": h.source.name,
                "every_s": h.document.get("every_s"),
                "runs": [
                    {**dict(e), "page": layout.run_page(run_slug(str(e.get("run_id", ""))))}
                    if str(e.get("run_id", "")) in published
                    else dict(e)
                    for e in h.entries
                ],
            }
            for h in platform.monitors
        ],
    }
