"""index.html, the run's page for people: opened from real runs in real headless Chromium.

Three runs are made against the reference platform (one passing, narrowed to
requirements of two standards; one with a named fault that makes FAIR-004
fail; one behind a hostile proxy that puts markup, script, ``javascript:``
URLs, terminal escapes and a lone surrogate in what the platform answers),
and one page is written from a result and evidence made hostile everywhere
a platform could reach. Each page is opened through ``file://`` in Debian's
Chromium, driven by Playwright (no browser download): the verdict renders,
a failure's evidence expands on click, the plots are there, nothing is
logged to the console, no request leaves the page, and no hostile string
runs. A screenshot of each is taken (kept under ``reports/screenshots/`` when
``CONFORMANCE_SCREENSHOTS=reports/screenshots``, see ``browser_support``).
"""

from __future__ import annotations

import dataclasses
import json
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import Opened, chromium, open_page, screenshot_path

from conformance._harness.evidence import Body, EvidenceLog, Record
from conformance._harness.manifest import SEALED_FILES
from conformance._harness.options import Options
from conformance._harness.report import curl, html
from conformance._harness.report.differential import TITLE
from conformance._harness.report.evidence_view import Evidence
from conformance._harness.report.plots import export_limit, jobs, latency_samples, timeline
from conformance._harness.report.requirement_html import finding
from conformance._harness.results import (
    CheckResult,
    Outcome,
    RequirementInfo,
    RequirementResult,
    RunResult,
)
from conformance._harness.runner import run
from conformance._harness.secrets import REDACTED, Redactor, Secret
from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.catalog import Fault, load_faults
from conformance.faults.fronts import behind, upstream
from conformance.faults.proxy import FaultProxy
from conformance.faults.transforms import TRANSFORMS
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

SEED = 20261205

HOSTILE = (
    "<script>window.__pwned=1</script>"
    '"><img src=x onerror="window.__pwned=2">'
    '\'><svg onload="window.__pwned=3"></svg>'
    '<a href="javascript:window.__pwned=4">click</a> javascript:window.__pwned=5 '
    "\x1b[31mred\x1b[0m\x1b]8;;http://127.0.0.9/\x07link\x1b]8;;\x07 \u202eevil\u202c "
    "\ud800 <style>body{display:none}</style><meta http-equiv=refresh content=0;url=x>"
)
"""Markup, script, a javascript: URL, terminal escapes (colour, a hyperlink), a bidi
override, a lone surrogate, a stylesheet and a refresh: each must show as text."""
HOSTILE_HEADER = '"><img src=x onerror="window.__pwned=6"> javascript:window.__pwned=7'
"""What an HTTP header value can carry of it."""


# -- the runs -------------------------------------------------------------------------------


def _run(
    tmp: Path, requirements: tuple[str, ...], fault: Fault | None = None
) -> tuple[RunResult, Path]:
    """A real run against a fresh reference (behind ``fault``'s proxy), reports written."""
    reports = tmp / "reports"
    options = Options(requirements=requirements, report_dir=reports, seed=SEED)
    with ReferencePlatform(data_dir=tmp / "reference", part_size=4096) as platform:
        target = reference_target(platform)
        if fault is None:
            result = run(target, options=options)
        else:
            with FaultProxy(upstream(target, fault.front), fault) as proxy:
                moved = behind(target, fault.front, proxy.base_url)
                result = run(
                    dataclasses.replace(moved, name=f"fault-{fault.name}"), options=options
                )
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir()]
    return result, run_dir


class _Hostile(Transform):
    """Puts ``HOSTILE`` in every competitor's item title and a hostile header on every answer."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        response.headers["X-Note"] = HOSTILE_HEADER
        if not request.path.startswith("/fair/v1/items"):
            return response
        if "(competitor)" not in (request.header("User-Agent") or ""):
            return response
        try:
            body = json.loads(response.body)
        except ValueError:
            return response
        items = body.get("items") if isinstance(body, dict) else None
        for item in items if isinstance(items, list) else [body]:
            if isinstance(item, dict) and "title" in item:
                item["title"] = HOSTILE
        # ensure_ascii: the lone surrogate travels as its JSON escape, as a platform sends it.
        response.body = json.dumps(body, ensure_ascii=True).encode("ascii")
        return response


# -- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless (``browser_support``)."""
    yield from chromium()


def _assert_quiet(opened: Opened, document: Path) -> None:
    """No console message, no script error, no dialog, no request but the document."""
    assert opened.console == [], f"the console logged: {opened.console}"
    assert opened.errors == [], f"a script ran and failed: {opened.errors}"
    assert opened.dialogs == [], f"a dialog opened: {opened.dialogs}"
    assert opened.requests == [document.as_uri()], f"requests left the page: {opened.requests}"


def _screenshot(opened: Opened, name: str, scratch: Path, at: str = "") -> None:
    """The whole page, or the window's worth from the element ``at`` on."""
    if at:
        opened.page.locator(at).first.evaluate("e => e.scrollIntoView()")
    opened.page.screenshot(path=str(screenshot_path(name, scratch)), full_page=not at)


def _expand_everything(opened: Opened) -> None:
    """Open every folded part, so hidden content is laid out (and would act) too."""
    opened.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")


def _assert_inert(opened: Opened, document: Path) -> None:
    page = opened.page
    assert page.url == document.as_uri(), f"the page navigated away, to {page.url}"
    assert page.evaluate("typeof window.__pwned") == "undefined", "a hostile script ran"
    assert page.locator("script").count() == 0
    assert page.locator("img, iframe, object, embed, meta[http-equiv=refresh]").count() == 0
    handlers = page.evaluate(
        "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
        ".filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name))"
    )
    assert handlers == [], f"event handler attributes in the page: {handlers}"
    hrefs = page.evaluate(
        "[...document.querySelectorAll('[href]')].map(e => e.getAttribute('href'))"
    )
    assert all(h.startswith("#x-") for h in hrefs), f"links other than in-page anchors: {hrefs}"
    assert page.locator("style").count() == 1, "a stylesheet from the platform was applied"
    assert page.locator("body").is_visible()


# -- a passing run and a failing one --------------------------------------------------------


@pytest.mark.slow
def test_a_passing_run_renders_its_verdict_and_plots_without_a_request(
    browser: Any, tmp_path: Path
) -> None:
    result, run_dir = _run(tmp_path, ("FAIR-004", "PORT-001", "PORT-015"))
    assert {r.info.id: r.outcome for r in result.requirements} == dict.fromkeys(
        ("FAIR-004", "PORT-001", "PORT-015"), Outcome.PASS
    )
    document = run_dir / "index.html"
    assert "index.html" in SEALED_FILES
    assert "index.html" in json.loads((run_dir / "manifest.json").read_bytes())["files"]
    opened = open_page(browser, document)
    page = opened.page
    assert page.locator("#verdict").inner_text().startswith("PARTIAL: 3 of")
    standards = page.locator("#standards").inner_text()
    assert "FAIR 1.0" in standards and "PORT 1.0" in standards
    assert standards.count("every MUST passes") == 2
    assert page.locator("section.req.o-pass").count() == 3
    assert page.locator("section.req.o-fail").count() == 0
    plots = page.locator("#plots svg.plot")
    titles = [plots.nth(i).locator("title").first.text_content() for i in range(plots.count())]
    assert "Timeline of the run's requests" in titles
    assert {"FAIR-004 latency of listItems", "export times", "import times"} <= set(titles)
    assert TITLE in titles  # FAIR-004 compared clients: no cell differs
    grid = page.locator("#plots svg.grid")
    assert grid.locator("rect.g-same").count() >= 2 and grid.locator("rect.g-differs").count() == 1
    assert page.locator("#plots svg rect").count() > 10
    assert "within" in page.locator("table.latency").first.inner_text()
    _assert_quiet(opened, document)
    _screenshot(opened, "run-report-passing.png", tmp_path)


@pytest.mark.slow
def test_a_failing_run_shows_its_finding_curl_and_evidence_on_click(
    browser: Any, tmp_path: Path
) -> None:
    fault = next(f for f in load_faults() if f.name == "fair-third-party-twice-as-slow")
    result, run_dir = _run(tmp_path, ("FAIR-004", "PORT-001"), fault)
    assert {r.info.id: r.outcome for r in result.requirements} == {
        "FAIR-004": Outcome.FAIL,
        "PORT-001": Outcome.PASS,
    }
    document = run_dir / "index.html"
    opened = open_page(browser, document)
    page = opened.page
    assert "claimed MUST failed: FAIR-004" in page.locator("#verdict").inner_text()
    assert "a MUST fails" in page.locator("#standards").inner_text()
    failure = page.locator("section.req.o-fail")
    assert failure.count() == 1
    assert failure.locator("h3").inner_text().startswith("FAIR-004")
    rows = failure.locator("table.rows")
    assert "third_party" in rows.inner_text() and "documented" in rows.inner_text()
    command = failure.locator("pre.curl").inner_text()
    assert "curl " in command and '"${TOKEN_THIRD_PARTY_' in command
    assert "/fair/v1/items" in command
    assert REDACTED not in command
    # The evidence is folded; a click opens it, and a click on an exchange shows both sides.
    evidence = failure.locator("details.evidence")
    first = evidence.locator("details.exchange", has_text="likely behind the failure")
    assert first.count() == 1 and not first.is_visible()
    evidence.locator("summary").first.click()
    assert first.is_visible()
    assert not first.locator(".msgs").is_visible()
    first.locator("summary").click()
    sides = first.locator(".msgs").inner_text()
    assert "Request" in sides and "Response" in sides and REDACTED in sides
    assert "third_party/" in first.locator("summary").inner_text()
    # The outcome filter (CSS only) shows only the failures.
    page.locator('label[for="show-fail"]').click()
    assert page.locator("section.req.o-pass").first.is_hidden()
    assert failure.is_visible()
    page.locator('label[for="show-all"]').click()
    assert page.locator("section.req.o-pass").first.is_visible()
    assert "over" in page.locator("table.latency").first.inner_text()
    # The differential grid: third_party's listItems differs from first_party's.
    grid = page.locator("#plots svg.grid")
    assert grid.locator("title").first.text_content() == TITLE
    differs = grid.locator("rect.g-differs", has_text="third_party × listItems")
    assert differs.count() == 1 and differs.is_visible()
    assert "FAIR-004" in (differs.locator("title").text_content() or "")
    assert grid.locator("rect.g-baseline", has_text="first_party × listItems").count() == 1
    _assert_quiet(opened, document)
    _screenshot(opened, "run-report.png", tmp_path)
    page_text = document.read_text(encoding="utf-8")
    for token in ("Bearer tok", "token_env"):
        assert token not in page_text


# -- hostile platforms ------------------------------------------------------------------------


def test_a_hostile_platforms_strings_are_inert_in_the_page(browser: Any, tmp_path: Path) -> None:
    fault = Fault("hostile-strings", ("FAIR-001",), "test only", "html_hostile", {})
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(TRANSFORMS, "html_hostile", _Hostile)
        result, run_dir = _run(tmp_path, ("FAIR-001",), fault)
    assert {r.info.id: r.outcome for r in result.requirements} == {"FAIR-001": Outcome.FAIL}
    document = run_dir / "index.html"
    raw = document.read_text(encoding="utf-8")
    assert "<script" not in raw and "\x1b" not in raw
    opened = open_page(browser, document)
    _expand_everything(opened)
    _assert_inert(opened, document)
    text = opened.page.locator("body").inner_text()
    assert "<script>window.__pwned=1</script>" in text, "the hostile title is not shown as text"
    # Escapes show as the platform sent them (JSON's \u001b in a cut body) or as \x1b.
    assert "\\u001b[31m" in text or "\\x1b[31m" in text
    assert "\\ud800" in text and "\\u202e" in text
    assert HOSTILE_HEADER in text  # the header value, shown as text
    _assert_quiet(opened, document)
    _screenshot(opened, "run-report-hostile.png", tmp_path, at="section.req.o-fail")


def _hostile_result(tmp: Path) -> RunResult:
    """A result and its evidence with a hostile string everywhere a platform could put one."""
    token = Secret("tok-" + "s3cr3t" * 4)
    log = EvidenceLog(tmp / "evidence.jsonl", Redactor([token]))
    ids = []
    for n in range(3):
        exchange = log.new_id()
        ids.append(exchange)
        log.write(
            Record(
                id=exchange,
                check="hostile",
                requirement="FAIR-001",
                role="third_party/alice" if n else None,
                method="GET",
                url=f"http://127.0.0.1:9/{HOSTILE}?sig=abc&x={HOSTILE}",
                request_headers={"Authorization": f"Bearer {token.reveal()}", "X-A": HOSTILE},
                request_body=Body.of(HOSTILE.encode("utf-8", "surrogatepass")),
                started_at=f"2026-12-05T10:00:0{n}+00:00",
                duration=0.01 * (n + 1),
                status=200 if n != 1 else None,
                response_headers={HOSTILE: HOSTILE, "Location": "javascript:alert(1)"},
                response_body=Body.of(
                    json.dumps({"title": HOSTILE, "echo": token.reveal()}).encode("ascii")
                ),
                operation=HOSTILE,
                error=HOSTILE if n == 1 else None,
            )
        )
    log.close()
    info = RequirementInfo("FAIR-001", "FAIR", "1.0", "MUST", "core", HOSTILE, HOSTILE)
    reason = f"{HOSTILE}\n  {HOSTILE}  (for {HOSTILE})\n    Documented: {HOSTILE}\n    Received:   {HOSTILE}\n    Why: {HOSTILE}\nReplay: conformance run {HOSTILE}"
    check = CheckResult("FAIR-001", HOSTILE, Outcome.FAIL, reason, 1.0, tuple(ids), SEED)
    return RunResult(
        run_id="hostile",
        suite_version=HOSTILE,
        started_at=HOSTILE,
        finished_at=HOSTILE,
        target={"name": HOSTILE, "base_url": f"javascript:{HOSTILE}"},
        claims={"limits": {"port.max_export_seconds": HOSTILE}},
        specs=[],
        seed=SEED,
        requirements=[RequirementResult(info, Outcome.FAIL, reason, (check,))],
        notes=[HOSTILE],
        claimed=("FAIR-001",),
    )


def test_hostile_strings_in_every_field_of_a_result_and_its_evidence_are_inert(
    browser: Any, tmp_path: Path
) -> None:
    result = _hostile_result(tmp_path)
    document = html.write(result, tmp_path / "index.html")
    raw = document.read_text(encoding="utf-8")
    assert "s3cr3t" not in raw, "a secret reached the page"
    opened = open_page(browser, document)
    _expand_everything(opened)
    _assert_inert(opened, document)
    page = opened.page
    assert "NOT CONFORMANT" in page.locator("#verdict").inner_text()
    text = page.locator("body").inner_text()
    assert "\\x1b[31mred\\x1b[0m" in text and "\\ud800" in text and "\\u202eevil" in text
    rows = page.locator("table.rows").first.inner_text()
    assert rows.count("<script>window.__pwned=1</script>") >= 4  # where, for, documented, ...
    assert page.locator("details.exchange").count() == 3
    assert "no answer" in page.locator("details.exchange").nth(1).locator("summary").inner_text()
    _assert_quiet(opened, document)


# -- the parts, without a browser ---------------------------------------------------------------


def test_the_page_allows_only_its_own_stylesheet_and_no_script(tmp_path: Path) -> None:
    result = _hostile_result(tmp_path)
    page = html.render(result, tmp_path / "evidence.jsonl")
    style = html.STYLESHEET.read_text(encoding="utf-8")
    policy = html.content_security_policy(style)
    assert f'content="{policy}"' in page.replace("&#x27;", "'")
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "unsafe-inline" not in policy
    assert f"<style>{style}</style>" in page
    assert "<script" not in page and " style=" not in page and 'href="javascript' not in page


def test_curl_puts_secrets_in_variables_and_keeps_hostile_words_single(tmp_path: Path) -> None:
    record = {
        "role": "third_party/alice",
        "request": {
            "method": "POST",
            "url": f"http://127.0.0.1:9/x?sig={REDACTED}&q=$(touch /tmp/pwned)",
            "headers": {
                "Authorization": REDACTED,
                "Cookie": REDACTED,
                "X-Evil": "`id`; $HOME \"'\n rm -rf /",
                "Content-Length": "12",
            },
            "body": {"size": 12, "text": f'{{"t": "{REDACTED}", "x": "$(id)"}}'},
        },
    }
    command = curl.command(record)
    lines = command.splitlines()
    assert "# set TOKEN_THIRD_PARTY_ALICE: the token of third_party/alice" in lines[0]
    words = shlex.split(command.replace("\\\n", " "), comments=True)
    assert words[0] == "curl" and "Content-Length: 12" not in words
    assert "Authorization: Bearer ${TOKEN_THIRD_PARTY_ALICE}" in words
    assert "Cookie: ${COOKIE}" in words
    assert "X-Evil: `id`; $HOME \"'\n rm -rf /" in words  # one inert word, as sent
    assert words[-1] == "http://127.0.0.1:9/x?sig=${URL_SECRET_1}&q=$(touch /tmp/pwned)"
    assert '{"t": "${BODY_SECRET_1}", "x": "$(id)"}' in words
    # The variables are expanded by the shell (double-quoted), the platform's words are not.
    assert '"${TOKEN_THIRD_PARTY_ALICE}"' in command and "'&q=$(touch /tmp/pwned)'" in command


def test_finding_rows_become_a_table_and_the_rest_stays_text() -> None:
    reason = (
        "listItems: slower than allowed\n"
        "  listItems median  (for third_party, competitor)\n"
        "    Documented: ≤ 96 ms\n"
        "    Received:   108 ms\n"
        "    Why: 1.5 × first_party's\n"
        "  $.items[0]\n"
        '    Documented: "a"\n'
        '    Received:   "b"\n'
        "  ... and 3 more\n"
        "Replay: conformance run --seed 1 --requirement FAIR-004"
    )
    out = finding(reason)
    assert out.count("<tr>") == 3  # the head and two rows
    assert "<td>third_party, competitor</td>" in out
    assert '<td class="recv">108 ms</td>' in out and "<td>1.5 × first_party&#x27;s</td>" in out
    assert '<td class="mono">$.items[0]</td>' in out and "<td></td>" in out
    assert "... and 3 more" in out
    assert "<pre>conformance run --seed 1 --requirement FAIR-004</pre>" in out


def test_plots_degrade_to_nothing_without_data(tmp_path: Path) -> None:
    empty = Evidence.read(tmp_path / "absent.jsonl")
    assert empty.timings == [] and empty.whole(["ex-000001"]) == []
    assert timeline([]) is None and latency_samples([]) == {} and jobs([]) == []
    assert export_limit(None) == (600.0, "the suite's bound (port.max_export_seconds not declared)")
    assert export_limit({"limits": {"port.max_export_seconds": 10}})[0] == 10.0
    assert export_limit({"limits": {"port.max_export_seconds": 9000}})[0] == 600.0
    assert export_limit({"limits": {"port.max_export_seconds": "<b>"}})[0] == 600.0
    result = _hostile_result(tmp_path)
    (tmp_path / "evidence.jsonl").unlink()
    page = html.render(result, tmp_path / "evidence.jsonl")
    assert "nothing to plot" in page and "No evidence to show" in page


def test_a_part_that_cannot_be_drawn_leaves_the_verdict_standing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> str:
        raise ValueError("a drawing bug")

    result = _hostile_result(tmp_path)
    monkeypatch.setattr(html, "section", broken)
    monkeypatch.setattr(html.plots, "timeline", broken)
    page = html.render(result, tmp_path / "evidence.jsonl")
    assert "The plots could not be drawn: ValueError: a drawing bug" in page
    assert "its evidence could not be drawn: ValueError: a drawing bug" in page
    assert 'class="req o-fail" id="x-FAIR-001"' in page
    assert "NOT CONFORMANT" in page
