"""The command line for results: ``conformance diff``, ``conformance certify``, and what a run
leaves for CI (``--junit/--json/--html PATH``, ``reports/latest``, GitHub annotations).

``cli.py`` registers these; each command's logic lives in its own module
(``diff``, ``tolerate``, ``certify``, ``report.outputs``, ``report.github``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from conformance._harness.catalogue import Catalogue
from conformance._harness.certify import EXIT_CERTIFIED, EXIT_REFUSED, certify
from conformance._harness.diff import compare, load_report, render
from conformance._harness.report import github
from conformance._harness.report.outputs import copy_outputs, point_latest
from conformance._harness.results import RunResult
from conformance._harness.safe_text import console_text, json_bytes
from conformance._harness.tolerate import load_tolerations


def add_output_options(run: argparse.ArgumentParser) -> None:
    """``--junit``, ``--json``, ``--html``: where CI wants the run's reports (copies)."""
    for flag, name in (
        ("--junit", "junit.xml"),
        ("--json", "report.json"),
        ("--html", "index.html"),
    ):
        run.add_argument(
            flag,
            metavar="PATH",
            type=Path,
            help=f"also copy the run's {name} to PATH (the run's directory keeps the sealed one)",
        )


def after_run(
    args: argparse.Namespace,
    result: RunResult,
    run_dir: Path | None,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Leave the run where CI looks: the copies asked for, ``latest``, GitHub's annotations."""
    environ = os.environ if environ is None else environ
    problems: list[str] = []
    if run_dir is not None and run_dir.is_dir():
        wanted = {"junit.xml": args.junit, "report.json": args.json, "index.html": args.html}
        problems += copy_outputs(run_dir, wanted)
        problems.append(point_latest(run_dir))
    if github.active(environ):
        for line in github.workflow_commands(result):
            print(line)
        summary = environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            try:
                github.append_summary(result, Path(summary), run_dir)
            except OSError as exc:
                problems.append(f"$GITHUB_STEP_SUMMARY {summary}: not written ({exc.strerror})")
    for problem in filter(None, problems):
        print(f"conformance: warning: {console_text(problem)}", file=sys.stderr)


def add_result_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``diff`` and ``certify``."""
    diff = sub.add_parser(
        "diff",
        help="compare two runs: regressions, fixes, unchanged failures (exit 1 only on a "
        "regression, for gating CI on no new failures)",
        description="Exit codes: 0 no new failure (or every one tolerated); 1 a regression; "
        "2 usage error; 3 the new run decided nothing to compare.",
    )
    diff.add_argument("baseline", metavar="BASELINE", help="a run's directory or its report.json")
    diff.add_argument("new", metavar="NEW", help="a run's directory or its report.json")
    diff.add_argument(
        "--tolerate",
        metavar="FILE",
        help="YAML list of accepted failures, each {requirement, reason, expires: YYYY-MM-DD}; "
        "one accepts a regression of its requirement before its expiry date",
    )
    diff.add_argument("--json", metavar="FILE", help="also write the comparison as JSON to FILE")
    diff.set_defaults(command=_diff)

    cert = sub.add_parser(
        "certify",
        help="build a certification package from a run, only if it verifies and every "
        "claimed MUST passed",
        description="Exit codes: 0 the package was written; 1 refused (the reasons are "
        "printed, nothing is written); 2 usage error.",
    )
    cert.add_argument("run_dir", metavar="RUN_DIR", help="the run's directory (reports/<run-id>)")
    cert.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="a new folder for the package, or a file name ending in .zip",
    )
    cert.add_argument(
        "--key",
        metavar="PUBLIC_KEY",
        help="the run signer's public key (PEM) to verify the run against (as verify --key)",
    )
    cert.add_argument(
        "--signing-key",
        metavar="FILE",
        help="sign certificate.json with this Ed25519 private key (from conformance keygen)",
    )
    cert.set_defaults(command=_certify)


def _diff(args: argparse.Namespace) -> int:
    tolerations = []
    if args.tolerate:
        tolerations = load_tolerations(
            Path(args.tolerate), [r.id for r in Catalogue.load()]
        )  # usage errors before anything is read
    baseline = load_report(Path(args.baseline), "baseline")
    new = load_report(Path(args.new), "new")
    found = compare(baseline, new, tolerations)
    print(render(found, args.tolerate or ""))
    if args.json:
        Path(args.json).write_bytes(json_bytes(found.to_json(), indent=2) + b"\n")
    return found.exit_code()


def _certify(args: argparse.Namespace) -> int:
    found = certify(
        Path(args.run_dir),
        Path(args.out),
        key_file=Path(args.key) if args.key else None,
        signing_key=Path(args.signing_key) if args.signing_key else None,
    )
    for reason in found.refusals:
        print(console_text(f"  {reason}"))
    print(console_text(found.summary()))
    return EXIT_CERTIFIED if found.ok else EXIT_REFUSED
