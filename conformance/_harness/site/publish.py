"""``conformance publish``: a static results site from many runs (the layout: ``layout``).

Each run's sealed files are copied unchanged (regular files only; a link
is never followed out of the run's folder), then verified where the site
serves them (``verify_run``), so what a page says of a signature holds for
the copy a reader downloads. The pages are made from the runs' reports
alone: no network, no script, every string escaped.

Exit codes: 0 the site was written and every signed run verifies; 1 the
site was written but a signed run does not verify (its pages say so, and
its badges say "not verified"); 2 a usage error (nothing to publish, a
path that holds no run, an output folder this command did not write).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance._harness.catalogue import Catalogue
from conformance._harness.errors import ConformanceError, UsageError
from conformance._harness.manifest import MANIFEST_FILE, SEALED_FILES, SIGNATURE_FILE, run_files
from conformance._harness.safe_text import json_bytes
from conformance._harness.signing import load_public_key
from conformance._harness.site import layout, matrix, platform_page, run_page
from conformance._harness.site.collect import (
    Platform,
    Seal,
    SiteRun,
    find_sources,
    group,
    read_runs,
)
from conformance._harness.site.status import latest_statuses
from conformance._harness.site.svg import badge
from conformance._harness.verify import verify_run

EXIT_PUBLISHED = 0
EXIT_NOT_VERIFIED = 1
RUN_FILES = (*SEALED_FILES, MANIFEST_FILE, SIGNATURE_FILE)


@dataclass
class Published:
    """What a publish wrote."""

    out: Path
    platforms: list[Platform] = field(default_factory=list)
    runs: list[SiteRun] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def not_verified(self) -> list[SiteRun]:
        """Signed runs whose published copy does not verify."""
        return [r for r in self.runs if r.seal.state == "not-verified"]

    def exit_code(self) -> int:
        """The documented exit code (module docstring)."""
        return EXIT_NOT_VERIFIED if self.not_verified() else EXIT_PUBLISHED

    def summary(self) -> str:
        """The last line ``conformance publish`` prints."""
        bad = self.not_verified()
        tail = (
            f"; NOT VERIFIED: {', '.join(r.run_id for r in bad)}"
            if bad
            else "; every signed run verifies"
        )
        return (
            f"published {len(self.runs)} run(s) of {len(self.platforms)} platform(s): "
            f"{self.out / layout.INDEX}{tail}"
        )


def publish(
    paths: Sequence[Path], out: Path, key_file: Path | None = None, now: datetime | None = None
) -> Published:
    """Write the site for the runs and histories under ``paths`` into ``out``."""
    if key_file is not None:
        load_public_key(key_file)  # a usage error before anything is written
    sources = find_sources(paths)
    runs, notes = read_runs(sources.runs)
    _prepare(out, paths)
    found = Published(out, notes=notes)
    for run in runs:
        found.notes += _copy(run, out)
        run.seal = _seal(out / layout.run_files(run.slug), out, key_file)
    found.runs = runs
    found.platforms = group(runs, sources.histories)
    generated = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _write_site(found, generated)
    (out / layout.MARKER).write_text(
        "written by conformance publish; publishing again replaces "
        + ", ".join(layout.OWNED)
        + "\n",
        encoding="utf-8",
    )
    return found


def _prepare(out: Path, sources: Sequence[Path]) -> None:
    """Make ``out`` ready: new, empty, or a site this command wrote (its parts replaced)."""
    resolved = out.resolve()
    for source in sources:
        where = source.resolve()
        if where == resolved or resolved in where.parents:
            raise UsageError(
                f"{source} lies in --out {out}, which publishing replaces. "
                "Fix: publish to another folder"
            )
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file. Fix: give a new or empty folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / layout.MARKER).is_file():
            raise UsageError(
                f"--out {out} holds files this command did not write. "
                "Fix: give a new or empty folder, or a site conformance publish wrote"
            )
        for name in layout.OWNED:
            part = out / name
            if part.is_dir() and not part.is_symlink():
                shutil.rmtree(part)
            elif part.exists() or part.is_symlink():
                part.unlink()
    for folder in ("platforms", "runs", "badges", "data"):
        (out / folder).mkdir(parents=True, exist_ok=True)


def _copy(run: SiteRun, out: Path) -> list[str]:
    """The run's sealed files into ``runs/<run>/``; regular files only (said when one is not)."""
    target = out / layout.run_files(run.slug)
    target.mkdir(parents=True, exist_ok=True)
    notes = []
    for name in dict.fromkeys((*RUN_FILES, *run_files(run.source))):  # and container logs
        source = run.source / name
        if source.is_symlink():
            notes.append(f"{source}: a link, not copied (the site publishes the run's own files)")
        elif source.is_file():
            shutil.copyfile(source, target / name)
    run.full_report = (target / "index.html").is_file()
    return notes


def _seal(copy: Path, out: Path, key_file: Path | None) -> Seal:
    if not (copy / SIGNATURE_FILE).is_file():
        return Seal("unsigned")
    found = verify_run(copy, key_file)
    if found.ok:
        return Seal("verified", found.signer, found.pinned)
    prefix = f"{out}/"
    return Seal("not-verified", problems=tuple(p.replace(prefix, "") for p in found.problems))


def _write_site(found: Published, generated: str) -> None:
    out = found.out
    catalogue = Catalogue.load()
    published = {r.run_id for r in found.runs}

    def text_of(rid: str) -> str:
        try:
            return catalogue.requirement(rid).text
        except ConformanceError:  # a requirement of another suite version
            return ""

    html, data = matrix.build(found.platforms, text_of, generated)
    _write(out, layout.INDEX, html, layout.INDEX_DATA, data)
    for platform in found.platforms:
        html, data = platform_page.build(platform, published)
        _write(
            out,
            layout.platform_page(platform.slug),
            html,
            layout.platform_data(platform.slug),
            data,
        )
        for status in latest_statuses(platform):
            (out / layout.badge(platform.slug, status.standard)).write_bytes(
                badge(status.label, status.state).encode("utf-8", "backslashreplace") + b"\n"
            )
        for run in platform.runs:
            html, data = run_page.build(run, platform.slug)
            _write(out, layout.run_page(run.slug), html, layout.run_data(run.slug), data)


def _write(out: Path, page: str, html: str, data_path: str, data: dict[str, Any]) -> None:
    (out / page).write_bytes(html.encode("utf-8", "backslashreplace"))
    (out / data_path).write_bytes(json_bytes(data, indent=2) + b"\n")
