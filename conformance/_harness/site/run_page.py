"""A run's page on the site: its verdict, whether its signature verifies, its requirements.

The run's own ``index.html`` (its evidence, plots and ``curl`` lines) is
published unchanged beside it, under ``runs/<run>/`` with the rest of the
sealed files; this page links into it by requirement.
"""

from __future__ import annotations

from typing import Any

from conformance._harness.report.markup import anchor, cut, esc
from conformance._harness.site import layout
from conformance._harness.site.collect import SiteRun
from conformance._harness.site.frame import facts, page
from conformance._harness.site.status import OUTCOMES, run_state, run_statuses
from conformance._harness.site.svg import badge

_REASON = 400


def build(run: SiteRun, platform_slug: str) -> tuple[str, dict[str, Any]]:
    """The run's page and the JSON behind it."""
    report = run.report
    state = run_state(run)
    files = layout.run_files(run.slug).removeprefix("runs/")
    full = (
        f'<p><a id="full-report" href="{files}/index.html">The run\'s own report</a> (evidence '
        "of each failure, plots, curl lines), as the run wrote it.</p>"
        if run.full_report
        else '<p class="meta">This run published no index.html of its own.</p>'
    )
    badges = "".join(badge(s.label, s.state) for s in run_statuses(run))
    body = (
        f"<h1>Run {esc(run.run_id)}</h1>"
        f'<p>Platform: <a href="../{layout.platform_page(platform_slug)}">{esc(run.platform)}</a></p>'
        f'<p class="headline h-{state}" id="headline">{esc(report["summary"]["headline"])}</p>'
        + _seal(run, files)
        + f'<div class="badges">{badges}</div>'
        + facts(
            [
                ("started", run.started_at),
                ("finished", str(report["finished_at"])),
                ("base URL", str(report["target"].get("base_url", ""))),
                ("suite", str(report["suite_version"])),
                ("seed", str(report["seed"])),
                ("selection", str((report.get("selection") or {}).get("description", ""))),
            ]
        )
        + full
        + _requirements(run)
    )
    html = page(f"Run {run.run_id}: {state}", body, depth=1, data=layout.run_data(run.slug))
    return html, _data(run, platform_slug, state)


def _seal(run: SiteRun, files: str) -> str:
    seal = run.seal
    problems = "".join(f"<li>{esc(p)}</li>" for p in seal.problems[:50])
    more = f"<li>... and {len(seal.problems) - 50} more</li>" if len(seal.problems) > 50 else ""
    listing = f"<ul>{problems}{more}</ul>" if problems else ""
    return (
        f'<div class="seal {seal.state}" id="seal"><strong>Signature:</strong> '
        f"{esc(seal.words())}{listing}"
        f'<div class="meta">The sealed files: <a href="{files}/report.json">report.json</a>, '
        f'<a href="{files}/evidence.jsonl">evidence.jsonl</a>, '
        f'<a href="{files}/manifest.json">manifest.json</a>; check them with '
        f"<code>conformance verify runs/{esc(run.slug)}</code>.</div></div>"
    )


def _requirements(run: SiteRun) -> str:
    rows = []
    target = f"{layout.run_files(run.slug).removeprefix('runs/')}/index.html"
    for entry in run.requirements:
        rid = str(entry["id"])
        outcome = str(entry["outcome"])
        css = outcome if outcome in OUTCOMES else "other"
        first = (str(entry["reason"]).splitlines() or [""])[0]
        ident = f'<a href="{target}#{anchor(rid)}">{esc(rid)}</a>' if run.full_report else esc(rid)
        rows.append(
            f'<tr id="{anchor(rid)}"><td>{ident}</td>'
            f"<td>{esc(entry['level'])}</td><td>{esc(entry['profile'])}</td>"
            f'<td class="o-{css}">{esc(outcome)}</td><td>{esc(cut(first, _REASON))}</td></tr>'
        )
    if not rows:
        return "<h2>Requirements</h2><p>No requirement was judged in this run.</p>"
    return (
        '<h2>Requirements</h2><table class="requirements"><tr><th>requirement</th>'
        "<th>level</th><th>profile</th><th>outcome</th><th>reason (first line)</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _data(run: SiteRun, platform_slug: str, state: str) -> dict[str, Any]:
    report = run.report
    files = layout.run_files(run.slug)
    return {
        "run_id": run.run_id,
        "platform": run.platform,
        "platform_page": layout.platform_page(platform_slug),
        "page": layout.run_page(run.slug),
        "files": files,
        "full_report": f"{files}/index.html" if run.full_report else None,
        "state": state,
        "seal": run.seal.to_json(),
        "started_at": run.started_at,
        "finished_at": report["finished_at"],
        "suite_version": report["suite_version"],
        "selection": report.get("selection"),
        "summary": report["summary"],
        "standards": [s.to_json() for s in run_statuses(run)],
        "requirements": [
            {
                key: entry.get(key)
                for key in ("id", "standard", "version", "level", "profile", "outcome", "reason")
            }
            for entry in run.requirements
        ],
    }
