"""index.html: the run for people, one self-contained page beside report.json.

The page reads the ``RunResult`` (as every reporter does) and the run's
``evidence.jsonl`` beside it, and needs nothing else: no network, no
script, no file next to it. Its Content-Security-Policy allows only its own
stylesheet (by hash) and ``data:`` images, so even a string that slipped
through escaping could neither run, load, nor send anything. It works
opened from ``file://``, mailed, or published as is.

What it shows: the verdict, the verdict per standard and profile, plots of
the run's timings (``plots``), and each requirement with its level, text,
outcome and reason; a failure also with its finding rows, a ``curl``
command and the exchanges behind it (``requirement_html``). Filters by
outcome and the folded evidence are plain HTML and CSS.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from string import Template

from conformance._harness.report import differential, plots
from conformance._harness.report.evidence_view import Evidence
from conformance._harness.report.markup import anchor, element, esc
from conformance._harness.report.requirement_html import section
from conformance._harness.results import Outcome, RequirementResult, RunResult
from conformance._harness.units import human_duration

EVIDENCE_FILE = "evidence.jsonl"
_HERE = Path(__file__).resolve().parent
TEMPLATE = _HERE / "html_page.html"
STYLESHEET = _HERE / "html_style.css"


def write(result: RunResult, path: Path) -> Path:
    """Write the page for ``result``, reading the evidence beside ``path``."""
    page = render(result, path.with_name(EVIDENCE_FILE))
    path.write_bytes(page.encode("utf-8", "backslashreplace"))
    return path


def content_security_policy(style: str) -> str:
    """Nothing but the page's own stylesheet (by its hash) and ``data:`` images."""
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def render(result: RunResult, evidence_path: Path) -> str:
    """The whole page as text."""
    style = STYLESHEET.read_text(encoding="utf-8")
    evidence, problem = _read(evidence_path)
    body = [
        _header(result),
        _standards(result),
        _guarded("The plots", lambda: _plots(result, evidence)),
        _requirements(result, evidence),
        _notes(result, problem),
        _footer(result),
    ]
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        csp=esc(content_security_policy(style)),
        style=style,
        title=esc(f"Conformance of {result.target.get('name', '')}: {result.verdict().value}"),
        body="\n".join(body),
    )


def _read(path: Path) -> tuple[Evidence, str]:
    try:
        return Evidence.read(path), ""
    except OSError as exc:  # the page still shows every verdict without its evidence
        return Evidence(None, [], {}), f"{path.name} could not be read: {exc}"


def _guarded(what: str, build: Callable[[], str]) -> str:
    """A part of the page that must not take the verdict down with it if it fails.

    A bug in drawing a plot is not the platform's failure, and the report
    writer would otherwise turn the whole run into an internal error; the
    page says what could not be drawn instead.
    """
    try:
        return build()
    except Exception as exc:  # a drawing bug: shown in the page, the verdict stands
        return element("p", esc(f"{what} could not be drawn: {type(exc).__name__}: {exc}"), "warn")


def _header(result: RunResult) -> str:
    target = result.target
    facts = [
        ("platform", target.get("name", "")),
        ("base URL", target.get("base_url", "")),
        ("run", result.run_id),
        ("started", result.started_at),
        ("finished", result.finished_at),
        ("suite", result.suite_version),
        ("seed", f"{result.seed} (replay with --seed {result.seed})"),
        ("selection", result.selection.describe()),
    ]
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    verdict = result.verdict().value
    return (
        f"<header><h1>Conformance of {esc(target.get('name', ''))}</h1>"
        f'<p class="verdict v-{esc(verdict)}" id="verdict">{esc(result.headline())}</p>'
        f'<dl class="run">{rows}</dl></header>'
    )


def profile_verdict(requirements: Sequence[RequirementResult]) -> tuple[str, str]:
    """A profile's state in a word and its CSS class: what its MUSTs say."""
    outcomes = [(r.is_must, r.outcome) for r in requirements]
    if any(must and o is Outcome.FAIL for must, o in outcomes):
        return "p-fail", "a MUST fails"
    if any(must and o in (Outcome.ERROR, Outcome.SKIP) for must, o in outcomes):
        return "p-undecided", "a MUST is undecided"
    if all(o is Outcome.NOT_CLAIMED for _, o in outcomes):
        return "p-none", "not claimed"
    if any(o is Outcome.FAIL for _, o in outcomes):
        return "p-should", "every MUST passes; a SHOULD fails"
    return "p-pass", "every MUST passes"


def _standards(result: RunResult) -> str:
    groups: dict[tuple[str, str], list[RequirementResult]] = defaultdict(list)
    for r in result.requirements:
        groups[(f"{r.info.standard} {r.info.version}", r.info.profile)].append(r)
    if not groups:
        return "<h2>Standards</h2>" + element("p", "No requirement was judged.", "warn")
    rows = []
    for (standard, profile), members in groups.items():
        css, word = profile_verdict(members)
        counts = Counter(r.outcome.value for r in members)
        tally = ", ".join(f"{n} {o.value}" for o in Outcome if (n := counts[o.value]))
        failing = " ".join(
            f'<a href="#{anchor(r.info.id)}">{esc(r.info.id)}</a>'
            for r in members
            if r.outcome in (Outcome.FAIL, Outcome.ERROR)
        )
        rows.append(
            f"<tr><td>{esc(standard)}</td><td>{esc(profile)}</td>"
            f'<td class="{css}">{esc(word)}</td><td>{esc(tally)}</td><td>{failing}</td></tr>'
        )
    return (
        '<h2>Verdict per standard and profile</h2><table class="standards" id="standards">'
        "<tr><th>standard</th><th>profile</th><th>verdict</th><th>requirements</th>"
        f"<th>failing or undecided</th></tr>{''.join(rows)}</table>"
    )


def _plots(result: RunResult, evidence: Evidence) -> str:
    figures = []
    drawn = plots.timeline(evidence.timings)
    if drawn:
        figures.append(
            _figure(
                drawn,
                "Every request of the run, one lane per requirement in force, coloured by the "
                "worst answer in each slice of time.",
            )
        )
    compared = differential.grid(differential.cells(result, evidence.timings))
    if compared:
        figures.append(
            _figure(
                compared,
                "Each client's answers held against first_party's, per operation, in the "
                "requirements whose requests were sent as first_party and as another client. "
                "Red: a finding row of a failed requirement names that client and operation "
                "(≠ the number of rows); green: compared, no difference found; amber: not "
                "decided (an error or a skip, or a finding cut short); grey: the baseline.",
            )
        )
    figures += _latency(result, evidence)
    found = plots.jobs(evidence.timings)
    limit = plots.export_limit(result.claims)
    exports = plots.job_times("export", found, limit)
    if exports:
        figures.append(
            _figure(exports, f"Exports: the dashed line is the ceiling that applies ({limit[1]}).")
        )
    imports = plots.job_times("import", found, None)
    if imports:
        figures.append(_figure(imports, "Imports: the platform declares no time limit for them."))
    if not figures:
        figures.append(
            element("p", "No exchange was recorded, so there is nothing to plot.", "meta")
        )
    return '<h2>Plots</h2><div id="plots">' + "".join(figures) + "</div>"


def _latency(result: RunResult, evidence: Evidence) -> list[str]:
    samples = plots.latency_samples(evidence.timings)
    if not samples:
        return []
    outcome = next(
        (r.outcome.value for r in result.requirements if r.info.id == plots.LATENCY_REQUIREMENT),
        "not judged",
    )
    out = []
    for operation, rows in samples.items():
        table = "".join(
            f"<tr><td>{esc(r.client)}</td><td>{len(r.samples)}</td>"
            f"<td>{esc(human_duration(r.median))}</td><td>{esc(human_duration(r.p95))}</td>"
            f"<td>{esc(_limit(r, 0))}</td><td>{esc(_limit(r, 1))}</td>"
            f"<td>{'over' if r.over else 'within' if r.limits else ''}</td></tr>"
            for r in rows
        )
        out.append(
            _figure(
                plots.latency(operation, rows),
                f"FAIR-004 ({outcome}): dashed lines are the limits, 1.5 × first_party's "
                "median and 2 × its p95 (+5 ms), from these samples' point estimates; the check "
                "decides on confidence bounds over interleaved rounds.",
            )
            + '<table class="latency"><tr><th>client</th><th>requests</th><th>median</th>'
            "<th>p95</th><th>median limit</th><th>p95 limit</th><th>point estimates</th></tr>"
            f"{table}</table>"
        )
    return out


def _limit(row: plots.ClientLatency, which: int) -> str:
    return "" if row.limits is None else human_duration(row.limits[which])


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>"


def _requirements(result: RunResult, evidence: Evidence) -> str:
    counts = Counter(r.outcome for r in result.requirements)
    present = [o for o in Outcome if counts[o]]
    radios = ['<input type="radio" class="radio" name="show" id="show-all" checked>']
    labels = [f'<label for="show-all">all ({len(result.requirements)})</label>']
    for o in present:
        radios.append(f'<input type="radio" class="radio" name="show" id="show-{o.value}">')
        labels.append(f'<label for="show-{o.value}">{esc(o.value)} ({counts[o]})</label>')
    sections = "".join(_section(r, evidence) for r in result.requirements)
    return (
        '<h2>Requirements</h2><div class="requirements">'
        + "".join(radios)
        + f'<div class="filters">{"".join(labels)}</div>'
        + f'<div class="reqs" id="requirements">{sections}</div></div>'
    )


def _section(result: RequirementResult, evidence: Evidence) -> str:
    """The requirement's section; if drawing it fails (a bug), its outcome and reason plainly."""
    try:
        return section(result, evidence)
    except Exception as exc:  # a drawing bug: the verdict is shown all the same
        outcome = result.outcome.value
        return (
            f'<section class="req o-{esc(outcome)}" id="{anchor(result.info.id)}">'
            f"<h3>{esc(result.info.id)} {esc(result.info.level)} {esc(outcome)}</h3>"
            f"<pre>{esc(result.reason)}</pre>"
            + element(
                "p", esc(f"its evidence could not be drawn: {type(exc).__name__}: {exc}"), "warn"
            )
            + "</section>"
        )


def _notes(result: RunResult, problem: str) -> str:
    notes = [*result.notes, *([problem] if problem else [])]
    if not notes:
        return ""
    items = "".join(f"<li>{esc(n)}</li>" for n in notes)
    return f"<h2>Notes</h2><ul>{items}</ul>"


def _footer(result: RunResult) -> str:
    return (
        "<footer>Written by the conformance suite "
        f"{esc(result.suite_version)}. Beside this file: report.json (the run as data), "
        "junit.xml, evidence.jsonl (every exchange, hash-chained) and the signed manifest; "
        "<code>conformance verify &lt;this folder&gt;</code> checks that none was changed."
        "</footer>"
    )
