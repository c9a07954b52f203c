"""Where CI looks for a run's reports: copies at paths it names, and ``reports/latest``.

``conformance run --junit PATH --json PATH --html PATH`` copies the run's
junit.xml, report.json and index.html there (the run's own directory, as
sealed, stays the one ``verify`` checks). ``<report dir>/latest`` names the
newest run: a relative symlink to its directory, or, where symlinks cannot
be made, a one-line text file holding the directory's name.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

LATEST = "latest"


def copy_outputs(run_dir: Path, wanted: Mapping[str, Path | None]) -> list[str]:
    """Copy each run file in ``wanted`` (file name -> destination); what could not be, said."""
    problems = []
    for name, destination in wanted.items():
        if destination is None:
            continue
        source = run_dir / name
        if not source.is_file():
            problems.append(f"{destination}: not written: this run wrote no {name}")
            continue
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
        except OSError as exc:
            problems.append(f"{destination}: not written ({exc.strerror or exc})")
    return problems


def point_latest(run_dir: Path) -> str:
    """Make ``<report dir>/latest`` name ``run_dir``; returns a problem ("" when it worked).

    The link is replaced atomically (made under a temporary name, then
    renamed over the old one); a real directory called ``latest`` is never
    touched.
    """
    latest = run_dir.parent / LATEST
    if latest.is_dir() and not latest.is_symlink():
        return f"{latest} is a directory, not the link to the newest run: left as it is"
    scratch = run_dir.parent / f".{LATEST}-{os.getpid()}"
    try:
        scratch.unlink(missing_ok=True)
        try:
            scratch.symlink_to(run_dir.name, target_is_directory=True)
        except (OSError, NotImplementedError):  # no symlinks here (some Windows and mounts)
            scratch.write_text(run_dir.name + "\n", encoding="utf-8")
        scratch.replace(latest)
    except OSError as exc:
        scratch.unlink(missing_ok=True)
        return f"{latest}: not updated ({exc.strerror or exc})"
    return ""


def resolve_latest(report_dir: Path) -> Path | None:
    """The run directory ``<report dir>/latest`` names (a link or a file), or None."""
    latest = report_dir / LATEST
    if latest.is_symlink() or latest.is_dir():
        return latest.resolve() if latest.exists() else None
    if latest.is_file():
        named = report_dir / latest.read_text(encoding="utf-8").strip()
        return named if named.is_dir() else None
    return None


def run_dirs(report_dir: Path) -> list[Path]:
    """The run directories under a report directory, without ``latest``, in name (time) order."""
    return sorted(
        p for p in report_dir.iterdir() if p.name != LATEST and p.is_dir() and not p.is_symlink()
    )
