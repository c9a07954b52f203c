"""``conformance publish``: a results site from real runs, opened in real headless Chromium.

Three narrowed runs against one reference platform, under two target names:
``alpha`` clean (PORT-015 and C-005), ``beta`` (a name with markup in it)
over COMMON, and ``alpha`` again behind the ``deletes-forgotten`` fault
(PORT-015 fails). The site published from them is opened through
``file://`` in Debian's Chromium, driven by Playwright (no browser
download): the matrix renders, its CSS-only filters hide passing rows and
keep the failing one, a failure leads from the matrix to its run page (the
signature verified) and on to the run's own report, where its evidence
expands; badges and the history timeline are drawn; nothing is logged to
the console and no request leaves the site. A screenshot is taken (kept as
``reports/screenshots/site.png`` when ``CONFORMANCE_SCREENSHOTS=reports/screenshots``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser_support import Opened, chromium, open_page, screenshot_path

from conformance._harness.cli import main
from conformance._harness.options import Options
from conformance._harness.runner import run
from conformance._harness.site import layout
from conformance._harness.site.collect import platform_slug
from conformance._harness.site.publish import EXIT_NOT_VERIFIED, EXIT_PUBLISHED
from conformance._harness.target import Target
from conformance.faults.catalog import load_faults
from conformance.faults.fronts import behind, upstream
from conformance.faults.proxy import FaultProxy
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

SEED = 20261205
BETA = 'beta <i>"&amp;</i>'
"""A platform name with markup in it: shown as text everywhere, never as an element."""


def _run(
    target: Target, name: str, requirements: tuple[str, ...], reports: Path, fault: str = ""
) -> Path:
    """One real run under ``name`` (behind the named fault, if any); its report directory."""
    options = Options(requirements=requirements, report_dir=reports, seed=SEED, examples=2)
    named = dataclasses.replace(target, name=name)
    if not fault:
        return reports / run(named, options=options).run_id
    found = next(f for f in load_faults() if f.name == fault)
    with FaultProxy(upstream(named, found.front), found) as proxy:
        faulty = dataclasses.replace(behind(named, found.front, proxy.base_url), name=name)
        return reports / run(faulty, options=options).run_id


@dataclass
class Site:
    """The published site and the runs it was made from."""

    root: Path
    reports: Path
    runs: dict[str, Path]
    published: str = ""

    def page(self, relative: str) -> Path:
        """A file of the site."""
        return self.root / relative


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Three real runs of two platforms, and the site ``conformance publish`` made of them."""
    root = tmp_path_factory.mktemp("publish")
    reports = root / "reports"
    with ReferencePlatform(data_dir=root / "platform", part_size=4096) as platform:
        target = reference_target(platform)
        runs = {
            "alpha-clean": _run(target, "alpha", ("PORT-015", "C-005"), reports),
            "beta": _run(target, BETA, ("C-001", "C-002", "C-003", "C-004", "C-005"), reports),
            "alpha-faulty": _run(
                target, "alpha", ("PORT-015", "C-005"), reports, "deletes-forgotten"
            ),
        }
    out = root / "site"
    found = Site(out, reports, runs)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["publish", str(reports), "--out", str(out)]) == EXIT_PUBLISHED
    found.published = printed.getvalue()
    yield found


def _report(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "report.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


# -- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless (``browser_support``)."""
    yield from chromium()


def _assert_quiet(opened: Opened, root: Path) -> None:
    """No console message, no script error, no request but the site's own files."""
    assert opened.console == [], f"the console logged: {opened.console}"
    assert opened.errors == [], f"a script ran and failed: {opened.errors}"
    outside = [r for r in opened.requests if not r.startswith(root.as_uri() + "/")]
    assert outside == [], f"requests left the site: {outside}"


# -- the runs and the site on disk ------------------------------------------------------------


def test_the_runs_are_what_the_site_is_expected_to_show(site: Site) -> None:
    outcomes = {
        name: {r["id"]: r["outcome"] for r in _report(path)["requirements"]}
        for name, path in site.runs.items()
    }
    assert outcomes["alpha-clean"] == {"PORT-015": "pass", "C-005": "pass"}
    assert outcomes["alpha-faulty"] == {"PORT-015": "fail", "C-005": "pass"}
    assert set(outcomes["beta"].values()) == {"pass"} and len(outcomes["beta"]) == 5
    assert "published 3 run(s) of 2 platform(s)" in site.published
    assert "every signed run verifies" in site.published


def test_every_run_is_published_as_sealed_and_verifies_where_the_site_serves_it(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in site.runs.values():
        copy = site.page(layout.run_files(path.name))
        for name in ("report.json", "evidence.jsonl", "index.html", "manifest.json"):
            assert (copy / name).read_bytes() == (path / name).read_bytes()
        assert main(["verify", str(copy)]) == 0
    assert "VERIFIED" in capsys.readouterr().out


def test_every_page_has_its_json_and_every_link_stays_in_the_site(site: Site) -> None:
    pages = sorted(site.root.rglob("*.html"))
    own = [
        p for p in pages if p.parent.name in ("platforms", "runs") or p == site.page("index.html")
    ]
    assert len(own) == 1 + 2 + 3  # the matrix, two platforms, three runs
    for page in own:
        text = page.read_text(encoding="utf-8")
        hrefs = re.findall(r'href="([^"]*)"', text)
        assert hrefs, page
        for href in hrefs:
            assert not re.match(r"[a-z]+:", href), f"{page}: a link out of the site: {href}"
            if href.startswith("#"):
                continue
            target = (page.parent / href.split("#")[0]).resolve()
            assert target.is_file(), f"{page}: a broken link: {href}"
            assert site.root.resolve() in target.parents
        data = re.search(r'href="([^"]*\.json)">the data behind this page', text)
        assert data is not None, page
        json.loads((page.parent / data.group(1)).read_text(encoding="utf-8"))
        assert "<script" not in text and "<i>" not in text
    index = json.loads(site.page(layout.INDEX_DATA).read_text(encoding="utf-8"))
    assert [p["name"] for p in index["platforms"]] == ["alpha", BETA]
    rows = {r["id"]: r["outcomes"] for r in index["requirements"]}
    assert set(rows) == {"C-001", "C-002", "C-003", "C-004", "C-005", "PORT-015"}
    assert rows["PORT-015"]["alpha"]["outcome"] == "fail"
    assert BETA not in rows["PORT-015"]
    assert rows["C-005"][BETA]["outcome"] == rows["C-005"]["alpha"]["outcome"] == "pass"
    alpha = json.loads(
        site.page(layout.platform_data(platform_slug("alpha"))).read_text(encoding="utf-8")
    )
    assert [r["state"] for r in alpha["runs"]] == ["partial", "not-conformant"]
    assert {s["standard"]: s["state"] for s in alpha["standards"]} == {
        "COMMON": "partial",
        "PORT": "not-conformant",
    }


def test_badges_are_standalone_svg_files_that_say_the_state(site: Site) -> None:
    beta = platform_slug(BETA)
    assert re.fullmatch(r"beta-i-amp-i-[0-9a-f]{6}", beta), "the slug keeps no markup"
    expected = {
        layout.badge(platform_slug("alpha"), "PORT"): "PORT 1.0: not conformant",
        layout.badge(platform_slug("alpha"), "COMMON"): "COMMON 1.0: partial",
        layout.badge(beta, "COMMON"): "COMMON 1.0: partial",
    }
    assert sorted(p.name for p in site.page("badges").iterdir()) == sorted(
        Path(p).name for p in expected
    )
    for path, label in expected.items():
        svg = ET.parse(site.page(path)).getroot()
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        assert svg.attrib["aria-label"] == label
        assert not any(e.tag.endswith("script") for e in svg.iter())


def test_a_run_that_no_longer_verifies_is_shown_so_and_fails_the_publish(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tampered = tmp_path / "runs" / site.runs["beta"].name
    shutil.copytree(site.runs["beta"], tampered)
    report = _report(tampered)
    report["requirements"][0]["reason"] = "changed after the run"
    (tampered / "report.json").write_text(json.dumps(report), encoding="utf-8")
    out = tmp_path / "site"
    assert main(["publish", str(tampered), "--out", str(out)]) == EXIT_NOT_VERIFIED
    printed = capsys.readouterr().out
    assert f"NOT VERIFIED: {tampered.name}" in printed and "changed since the run sealed" in printed
    page = out / layout.run_page(tampered.name)
    text = page.read_text(encoding="utf-8")
    assert 'class="seal not-verified"' in text and "changed since the run sealed it" in text
    assert str(tmp_path) not in text, "the site names its own files, not the publisher's paths"
    badge = out / layout.badge(platform_slug(BETA), "COMMON")
    assert ET.parse(badge).getroot().attrib["aria-label"] == "COMMON 1.0: not verified"
    # Publishing again into the same site replaces it; a folder it did not write is refused.
    assert main(["publish", str(site.runs["alpha-clean"]), "--out", str(out)]) == EXIT_PUBLISHED
    assert not (out / layout.run_page(tampered.name)).exists()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["publish", str(site.runs["beta"]), "--out", str(tmp_path / "other")]) == 2
    assert (tmp_path / "other" / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert main(["publish", str(site.runs["beta"]), "--out", str(site.reports)]) == 2
    assert main(["publish", str(tmp_path / "nothing-here"), "--out", str(tmp_path / "x")]) == 2
    errors = capsys.readouterr().err
    assert "holds files this command did not write" in errors
    assert "lies in --out" in errors, "a folder to publish inside the output is refused"
    assert "does not exist" in errors and "Traceback" not in errors


# -- in the browser ---------------------------------------------------------------------------


def test_the_matrix_renders_and_its_filters_keep_the_failing_row(
    browser: Any, site: Site, tmp_path: Path
) -> None:
    document = site.page("index.html")
    opened = open_page(browser, document)
    page = opened.page
    heads = page.locator("table.matrix th.platform")
    assert [heads.nth(i).inner_text() for i in range(heads.count())] == ["alpha", BETA]
    assert page.locator("i").count() == 0, "a platform's markup became an element"
    rows = page.locator("table.matrix tr.r")
    assert rows.count() == 6
    failing = page.locator("table.matrix tr#x-PORT-015")
    passing = page.locator("table.matrix tr#x-C-001")
    assert failing.locator("td.o-fail").inner_text() == "fail"
    assert failing.locator("td.o-none").count() == 1, "beta never judged PORT-015"
    badges = page.locator("table.platforms svg.badge")
    labels = [badges.nth(i).get_attribute("aria-label") for i in range(badges.count())]
    assert labels == ["COMMON 1.0: partial", "PORT 1.0: not conformant", "COMMON 1.0: partial"]
    page.screenshot(path=str(screenshot_path("site.png", tmp_path)), full_page=True)
    # Outcome: fail keeps the failing row and hides every passing one.
    page.locator('#filter-outcome label:text-is("fail")').click()
    assert failing.is_visible() and passing.is_hidden()
    assert sum(rows.nth(i).is_visible() for i in range(rows.count())) == 1
    page.locator('#filter-outcome label:text-is("all")').click()
    assert passing.is_visible()
    # Standard and level combine: COMMON's SHOULD is C-004 alone.
    page.locator('#filter-standard label:text-is("COMMON 1.0")').click()
    assert failing.is_hidden() and passing.is_visible()
    page.locator('#filter-level label:text-is("SHOULD")').click()
    visible = [
        rows.nth(i).get_attribute("id") for i in range(rows.count()) if rows.nth(i).is_visible()
    ]
    assert visible == ["x-C-004"]
    _assert_quiet(opened, site.root)


def test_a_failure_leads_from_the_matrix_to_its_run_and_its_evidence(
    browser: Any, site: Site
) -> None:
    opened = open_page(browser, site.page("index.html"))
    page = opened.page
    page.locator("table.matrix tr#x-PORT-015 td.o-fail a").click()
    faulty = site.runs["alpha-faulty"].name
    assert page.url.endswith(f"runs/{faulty}.html#x-PORT-015")
    assert "claimed MUST failed: PORT-015" in page.locator("#headline").inner_text()
    assert page.locator("#seal").inner_text().startswith("Signature: verified")
    assert "not conformant" in page.locator(".badges").inner_html()
    page.locator("#full-report").click()
    assert page.url.endswith(f"runs/{faulty}/index.html")
    failure = page.locator("section.req.o-fail")
    assert failure.count() == 1 and failure.locator("h3").inner_text().startswith("PORT-015")
    evidence = failure.locator("details.evidence")
    exchange = evidence.locator("details.exchange").first
    assert not exchange.is_visible()
    evidence.locator("summary").first.click()
    assert exchange.is_visible()
    _assert_quiet(opened, site.root)


def test_a_platform_page_draws_its_history_and_badges(browser: Any, site: Site) -> None:
    document = site.page(layout.platform_page(platform_slug("alpha")))
    opened = open_page(browser, document)
    page = opened.page
    assert page.locator("h1").inner_text() == "alpha"
    history = page.locator("#history svg.plot")
    assert history.count() == 1
    assert history.locator("a").count() == 2, "one column per run"
    assert history.locator("rect.st-not-conformant").count() == 2  # the run and its PORT lane
    assert page.locator("#badges svg.badge").count() == 2
    assert page.locator("#runs tr").count() == 3  # a header and two runs
    assert "verified" in page.locator("#runs").inner_text()
    history.locator("a").last.locator("rect").first.click()
    assert page.url.endswith(f"runs/{site.runs['alpha-faulty'].name}.html")
    _assert_quiet(opened, site.root)
