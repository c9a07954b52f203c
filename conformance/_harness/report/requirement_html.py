"""One requirement in index.html: its outcome, its finding, and the exchanges behind it.

A failure's reason is the finding as ``errors.render_rows`` writes it
(a headline, then rows ``Documented:`` / ``Received:`` / ``Why:``, then the
replay line); the page shows the rows as a table, the replay as a command,
a ``curl`` command for the request most likely behind the failure, and the
exchanges it cites (request and response, as the evidence holds them, with
secrets already replaced) folded in ``<details>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance._harness.report import curl
from conformance._harness.report.evidence_view import Evidence, chosen
from conformance._harness.report.markup import anchor, cut, element, esc
from conformance._harness.results import REPLAY_PREFIX, Outcome, RequirementResult
from conformance._harness.units import human_duration, human_size

REASON_CHARS = 20_000
"""Characters of one reason the page shows; report.json has it whole."""
HEADERS_SHOWN = 60
BASE64_CHARS = 2048
_SUBJECTS = re.compile(r"^(?P<path>.*?)  \(for (?P<subjects>.*)\)$")


@dataclass(frozen=True)
class Row:
    """One finding row read back from a reason."""

    path: str
    subjects: str
    documented: str
    received: str
    why: str


def section(result: RequirementResult, evidence: Evidence) -> str:
    """The requirement as a ``<section>``: a failure or an error with its evidence."""
    info = result.info
    outcome = result.outcome.value
    head = (
        f'<h3><span class="rid">{esc(info.id)}</span>'
        f'<span class="lvl">{esc(info.level)}</span>'
        f'<span class="prof">{esc(info.standard)} {esc(info.profile)}</span>'
        f'<span class="out o-{esc(outcome)}">{esc(outcome)}</span></h3>'
    )
    parts = [head, element("p", esc(info.text), "text"), finding(result.reason)]
    cited = [e for c in _deciding(result) for e in c]
    if result.outcome in (Outcome.FAIL, Outcome.ERROR):
        parts.append(_evidence(cited, result.reason, evidence))
    elif cited:
        parts.append(element("p", _cited(cited), "cited"))
    return (
        f'<section class="req o-{esc(outcome)}" id="{anchor(info.id)}">{"".join(parts)}</section>'
    )


def _deciding(result: RequirementResult) -> list[tuple[str, ...]]:
    """The evidence of the checks that decided the outcome first, then the others'."""
    first = [c.evidence for c in result.checks if c.outcome is result.outcome]
    return first + [c.evidence for c in result.checks if c.outcome is not result.outcome]


def _cited(cited: Sequence[str]) -> str:
    ids = list(dict.fromkeys(cited))
    span = ids[0] if len(ids) == 1 else f"{ids[0]} … {ids[-1]}"
    return f"{len(ids)} exchange(s) cited in evidence.jsonl: {esc(span)}"


# -- the finding --------------------------------------------------------------------------


def finding(reason: str) -> str:
    """The reason: its lines as text, its rows as a table, its replay line as a command."""
    lines = cut(reason, REASON_CHARS).splitlines()
    replay = ""
    if lines and lines[-1].startswith(REPLAY_PREFIX):
        replay = lines.pop()[len(REPLAY_PREFIX) :]
    out: list[str] = []
    rows: list[Row] = []
    i = 0
    while i < len(lines):
        row, used = _row(lines, i)
        if row is not None:
            rows.append(row)
            i += used
            continue
        if rows:
            out.append(_table(rows))
            rows = []
        out.append(element("p", esc(lines[i]), "line"))
        i += 1
    if rows:
        out.append(_table(rows))
    if replay:
        out.append(
            f'<p class="meta">Replay with the same generated inputs:</p><pre>{esc(replay)}</pre>'
        )
    return element("div", "".join(out), "reason")


def finding_rows(reason: str) -> list[Row]:
    """Every finding row of a reason, read back as ``finding`` reads them."""
    lines = reason.splitlines()
    rows: list[Row] = []
    i = 0
    while i < len(lines):
        row, used = _row(lines, i)
        if row is None:
            i += 1
        else:
            rows.append(row)
            i += used
    return rows


def _row(lines: Sequence[str], i: int) -> tuple[Row | None, int]:
    """A row starting at line ``i`` (a head, Documented, Received, maybe Why), if one does."""
    if i + 2 >= len(lines) or not lines[i].strip():
        return None, 0
    documented, received = lines[i + 1].lstrip(), lines[i + 2].lstrip()
    if not (documented.startswith("Documented: ") and received.startswith("Received:")):
        return None, 0
    indent = len(lines[i + 1]) - len(documented)
    why, used = "", 3
    if i + 3 < len(lines):
        after = lines[i + 3]
        if after.lstrip().startswith("Why: ") and len(after) - len(after.lstrip()) == indent:
            why, used = after.lstrip()[len("Why: ") :], 4
    head = lines[i].strip()
    match = _SUBJECTS.match(head)
    path, subjects = (match["path"], match["subjects"]) if match else (head, "")
    return (
        Row(
            path,
            subjects,
            documented[len("Documented: ") :],
            received[len("Received:") :].strip(),
            why,
        ),
        used,
    )


def _table(rows: Sequence[Row]) -> str:
    body = "".join(
        f'<tr><td class="mono">{esc(r.path)}</td><td>{esc(r.subjects)}</td>'
        f'<td class="doc">{esc(r.documented)}</td><td class="recv">{esc(r.received)}</td>'
        f"<td>{esc(r.why)}</td></tr>"
        for r in rows
    )
    return (
        '<table class="rows"><tr><th>where</th><th>for</th><th>documented</th>'
        f"<th>received</th><th>why</th></tr>{body}</table>"
    )


# -- the exchanges ------------------------------------------------------------------------


def _evidence(cited: Sequence[str], reason: str, evidence: Evidence) -> str:
    """The curl command for the likely culprit, then the exchanges folded."""
    shown, culprit = chosen(cited, reason, evidence)
    total = len(dict.fromkeys(cited))
    if not shown:
        what = "no exchange is cited" if not total else "its exchanges are not in evidence.jsonl"
        return element("p", f"No evidence to show: {esc(what)}.", "cited")
    records = {str(r.get("id")): r for r in evidence.whole(shown)}
    out = []
    if culprit in records:
        out.append(
            f'<p class="meta">Reproduce the request most likely behind it ({esc(culprit)}); '
            "secrets are shell variables to set first:</p>"
            f'<pre class="curl">{esc(curl.command(records[culprit]))}</pre>'
        )
    inner = "".join(exchange(records[e], e == culprit) for e in shown if e in records)
    more = f"; {total - len(shown)} more cited in evidence.jsonl" if total > len(shown) else ""
    summary = f"Evidence: {len(shown)} of {total} exchange(s){more}"
    out.append(f'<details class="evidence"><summary>{esc(summary)}</summary>{inner}</details>')
    return "".join(out)


def exchange(record: Mapping[str, Any], culprit: bool = False) -> str:
    """One exchange folded: its summary line, then request and response side by side."""
    request = _map(record.get("request"))
    response = record.get("response")
    status = response.get("status") if isinstance(response, Mapping) else None
    parts = [
        str(record.get("id", "")),
        f"{request.get('method', '')} {request.get('url', '')}",
        f"→ {status}" if status is not None else "→ no answer",
        human_duration(_number(record.get("duration_s"))),
        str(record.get("role") or "anonymous"),
        str(record.get("operation") or ""),
    ]
    mark = " (likely behind the failure)" if culprit else ""
    summary = " · ".join(p for p in parts if p) + mark
    sides = [_message("Request", f"{request.get('method', '')} {request.get('url', '')}", request)]
    if isinstance(response, Mapping):
        sides.append(_message("Response", f"status {response.get('status')}", response))
    else:
        sides.append(element("div", "<h4>Response</h4><p>none</p>"))
    extra = [_violations(record.get("violations"))]
    if record.get("error"):
        extra.append(element("p", f"Error: {esc(record.get('error'))}", "warn"))
    meta = element(
        "p",
        f"check {esc(record.get('check', ''))}; requirement in force "
        f"{esc(record.get('requirement') or '(none)')}; started {esc(record.get('started_at', ''))}",
        "meta",
    )
    return (
        f'<details class="exchange"><summary>{esc(summary)}</summary>{meta}'
        f'<div class="msgs">{"".join(sides)}</div>{"".join(extra)}</details>'
    )


def _message(title: str, line: str, message: Mapping[str, Any]) -> str:
    headers = _map(message.get("headers"))
    rows = "".join(
        f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>"
        for k, v in list(headers.items())[:HEADERS_SHOWN]
    )
    if len(headers) > HEADERS_SHOWN:
        rows += f'<tr><td colspan="2">… {len(headers) - HEADERS_SHOWN} more</td></tr>'
    table = f'<table class="hdrs">{rows}</table>' if rows else ""
    return (
        f'<div><h4>{esc(title)}</h4><p class="mono">{esc(line)}</p>{table}'
        f"{_body(_map(message.get('body')))}</div>"
    )


def _body(body: Mapping[str, Any]) -> str:
    size = int(_number(body.get("size")))
    if not size:
        return element("p", "no body", "meta")
    note = f"body: {human_size(size)}"
    if body.get("truncated"):
        note += ", its first 4 KiB kept in the evidence"
    if isinstance(body.get("base64"), str):
        note += ", not UTF-8 (shown as base64)"
        return (
            element("p", esc(note), "meta") + f"<pre>{esc(cut(body['base64'], BASE64_CHARS))}</pre>"
        )
    return element("p", esc(note), "meta") + f"<pre>{esc(_pretty(str(body.get('text', ''))))}</pre>"


def _pretty(text: str) -> str:
    """JSON indented for reading; anything else (or cut JSON) as it is."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return text


def _violations(value: object) -> str:
    if not isinstance(value, list) or not value:
        return ""
    rows = [
        Row(
            str(v.get("path", "")),
            str(v.get("subject", "")),
            str(v.get("expected", "")),
            str(v.get("received", "")),
            str(v.get("why", "")),
        )
        for v in value[:20]
        if isinstance(v, Mapping)
    ]
    return "<h4>Violations recorded on this exchange</h4>" + _table(rows)


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
