"""The command line: ``conformance run | specs | serve-reference | serve-peer | verify | keygen``,
and ``diff | certify`` (``cli_results``), ``publish | monitor`` (``cli_site``),
``init | check-target`` (``cli_target``), ``campaign`` (``cli_campaign``);
``serve-reference`` is ``cli_serve``.

Exit codes of ``conformance run`` (also in the README):

==  =====================================================================
0   CONFORMANT: every claimed MUST requirement passed; or PARTIAL (a
    narrowed run) in which every selected claimed MUST passed
1   NOT CONFORMANT: at least one claimed MUST requirement failed (also
    in a PARTIAL run)
2   usage or CONFIGURATION ERROR (unknown option value, malformed target
    file, a token the platform refuses, a ``launch`` container that did not
    start or become healthy); no requirement was judged
3   UNREACHABLE: nothing answered at the base URL
4   NO DISCOVERY: the target answered, but not with a usable discovery
    document
5   UNDECIDED: no claimed MUST failed, but some ended error or skip
    (also in a PARTIAL run)
70  INTERNAL ERROR of the suite (a bug: please report it); the reports
    are written as far as the error allowed
130 INTERRUPTED (Ctrl-C): the reports of what ran are written, and say so
==  =====================================================================

Every command: a reader that stops early (``conformance specs | head``)
ends the output quietly, not the command (``pipes``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import traceback
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from conformance._harness.catalogue import Catalogue
from conformance._harness.checklist import checks_by_requirement, coverage, find_checks
from conformance._harness.cli_campaign import add_campaign_commands
from conformance._harness.cli_results import add_output_options, add_result_commands, after_run
from conformance._harness.cli_serve import add_serve_options, serve_reference
from conformance._harness.cli_site import add_site_commands
from conformance._harness.cli_target import add_target_commands
from conformance._harness.errors import ConfigError, ConformanceError, LaunchError, UsageError
from conformance._harness.launch.launcher import launched
from conformance._harness.options import add_run_options, options_from
from conformance._harness.pipes import pipe_safe_stdout
from conformance._harness.replay import prepare as prepare_replay
from conformance._harness.report import console
from conformance._harness.report.outputs import run_dirs
from conformance._harness.report.progress import Progress
from conformance._harness.results import RequirementInfo, RunResult, Verdict
from conformance._harness.runner import RunInterrupted, run
from conformance._harness.safe_text import console_text
from conformance._harness.signing import keygen, load_signing_key
from conformance._harness.specs_view import describe
from conformance._harness.target import Target, load_target
from conformance._harness.verify import verify_run
from conformance._version import __version__
from conformance.faults.catalog import load_faults
from conformance.peers.serve import PEER_NAMES, serve_peer
from conformance.reference.choices import ChoiceSet, choice_set
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

EXIT_CONFORMANT = 0
EXIT_NOT_CONFORMANT = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_GARBAGE = 4
EXIT_UNDECIDED = 5
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``conformance`` command."""
    with pipe_safe_stdout():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.command(args))
    except (ConfigError, UsageError, LaunchError) as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ConformanceError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("conformance: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:  # a bug of the suite: its documented exit code, and what to report
        print(
            "conformance: internal error (a bug of the suite; please report it with this):\n"
            + console_text(traceback.format_exc()),
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conformance", description="Interoperability conformance suite"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(title="commands")

    run = sub.add_parser(
        "run", help="run the checks against a target (default: the built-in reference)"
    )
    add_run_options(run.add_argument)
    run.set_defaults(report_dir="reports")
    run.add_argument(
        "--verbose", "-v", action="store_true", help="show each check as pytest runs it"
    )
    run.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="progress as plain lines (one per requirement), not a live line; also so in CI "
        "(CI=true) and when stdout is not a terminal",
    )
    run.add_argument(
        "--choices",
        default="default",
        metavar="NAME",
        help="with no --target: the built-in reference's choice set "
        "(default, alt, strict or seed:N; see docs/CHOICES.md)",
    )
    run.add_argument(
        "--replay",
        metavar="RUN_DIR",
        help="run again with the seed, selection, options and target of the run in RUN_DIR "
        "(its report.json), sending the same requests in the same order; refused for a run "
        "of another suite version",
    )
    add_output_options(run)
    run.set_defaults(command=_run)

    specs = sub.add_parser(
        "specs",
        help="list standards, profiles and requirements; `specs ID` shows one whole "
        "(text, level, profile, source, checks, faults)",
    )
    specs.add_argument("ids", nargs="*", metavar="ID", help="show these requirements whole")
    specs.add_argument("--standard", action="append", default=[], metavar="ID")
    specs.add_argument(
        "--checks",
        action="store_true",
        help="under each requirement, the checks that hold it (module::function, file:line); "
        "needs no target and runs nothing",
    )
    specs.set_defaults(command=_specs)

    serve = sub.add_parser(
        "serve-reference",
        help="serve the reference platform on loopback (with --fault NAME: a failing one)",
    )
    add_serve_options(serve)
    serve.set_defaults(command=serve_reference)

    peer = sub.add_parser(
        "serve-peer",
        help="serve an independent implementation on loopback (moto's S3 server, "
        "the distribution registry) and write a target file for it",
    )
    peer.add_argument("peer", choices=PEER_NAMES)
    peer.add_argument(
        "--dir",
        metavar="DIR",
        help="where the target file, the 0600 secrets env file, its log and its data go "
        "(default: ./<peer>-peer)",
    )
    peer.set_defaults(command=_serve_peer)

    verify = sub.add_parser(
        "verify",
        help="verify a run's directory: signature, file hashes, evidence chain, outcomes",
    )
    verify.add_argument("report_dir", metavar="DIR")
    verify.add_argument(
        "--key",
        metavar="PUBLIC_KEY",
        help="the signer's public key (PEM) you trust; without it the key in DIR is used, "
        "which shows that nothing changed, not who signed",
    )
    verify.set_defaults(command=_verify)

    keys = sub.add_parser(
        "keygen", help="make an Ed25519 key pair to sign runs with (run --signing-key)"
    )
    keys.add_argument(
        "--out", required=True, metavar="DIR", help="where signing-key.pem (0600) and .pub.pem go"
    )
    keys.set_defaults(command=_keygen)
    add_result_commands(sub)
    add_target_commands(sub)
    add_site_commands(sub)
    add_campaign_commands(sub)
    return parser


def _run(args: argparse.Namespace) -> int:
    options = options_from(args)
    if args.replay:  # the run's seed, selection, options and target (replay.py)
        options = prepare_replay(args, options)
    Catalogue.load().select(
        options.standards, options.profiles, options.requirements
    )  # usage errors first
    if options.signing_key is not None:
        load_signing_key(options.signing_key)
    with ExitStack() as stack:
        plugins: list[object] = []
        if args.target:
            target: Target = load_target(args.target)
            second = load_target(args.second_target) if args.second_target else None
            # Their `launch` containers: started and healthy now, removed whatever happens.
            plugins.append(stack.enter_context(launched([target, second])))
        else:
            target, second = _start_reference(stack, _choices(args.choices))
            options = replace(options, choices=args.choices)  # kept for --replay
        progress = None if args.verbose else Progress.for_console(quiet=args.quiet)
        try:
            result = run(
                target,
                options=options,
                second=second,
                quiet=not args.verbose,
                progress=progress,
                plugins=plugins,
            )
        except RunInterrupted as stop:
            return _interrupted(args, stop.result, options.report_dir)
    run_dir = _run_dir(options.report_dir, result)
    after_run(args, result, run_dir)
    verdict = result.verdict()
    if not args.verbose and verdict not in console.NOTHING_JUDGED:
        print(console.render(result, run_dir))  # under --verbose pytest's summary showed it
    if verdict is Verdict.INTERNAL_ERROR:
        print(
            f"conformance: internal error (a bug of the suite; please report it): "
            f"{console_text(result.internal_error)}",
            file=sys.stderr,
        )
    elif verdict is Verdict.CONFIGURATION_ERROR:
        print(f"conformance: error: {console_text(result.configuration_error)}", file=sys.stderr)
    elif verdict is Verdict.UNREACHABLE:
        print(
            f"conformance: target unreachable: {console_text(result.unreachable)}", file=sys.stderr
        )
    elif verdict is Verdict.NO_DISCOVERY:
        print(
            f"conformance: the target answered, but not with a usable discovery document: "
            f"{console_text(result.discovery_problem)}",
            file=sys.stderr,
        )
    if verdict in console.NOTHING_JUDGED:  # the diagnosis first and alone, then where to look
        sys.stderr.flush()
        print(console.nothing_judged(result, run_dir))
    return exit_code(result)


def _run_dir(report_dir: Path | None, result: RunResult) -> Path | None:
    return report_dir / result.run_id if report_dir is not None else None


def _interrupted(args: argparse.Namespace, result: RunResult, report_dir: Path | None) -> int:
    """Ctrl-C during a run: what ran is reported (and linked as latest); exit 130."""
    run_dir = _run_dir(report_dir, result)
    after_run(args, result, run_dir)
    if not args.verbose:
        print(console.render(result, run_dir))
    where = f"; the reports of what ran are in {run_dir}" if run_dir and run_dir.is_dir() else ""
    print(f"conformance: interrupted (Ctrl-C){where}", file=sys.stderr)
    return EXIT_INTERRUPTED


def _choices(name: str) -> ChoiceSet:
    try:
        return choice_set(name)
    except ValueError as exc:
        raise UsageError(f"--choices: {exc}") from None


def _start_reference(stack: ExitStack, choices: ChoiceSet) -> tuple[Target, Target]:

    platforms = []
    for name in ("reference", "reference-b"):
        data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"{name}-")))
        platform = stack.enter_context(ReferencePlatform(data_dir=data, choices=choices))
        platforms.append(reference_target(platform, name))
    print(
        f"conformance: reference platform started at {platforms[0].base_url} "
        f"(second instance at {platforms[1].base_url})"
    )
    return platforms[0], platforms[1]


def exit_code(result: RunResult) -> int:
    """The documented exit code for a finished run (its verdict, see the module docstring)."""
    verdict = result.verdict()
    fixed = {
        Verdict.INTERNAL_ERROR: EXIT_INTERNAL,
        Verdict.CONFIGURATION_ERROR: EXIT_USAGE,
        Verdict.UNREACHABLE: EXIT_UNREACHABLE,
        Verdict.NO_DISCOVERY: EXIT_GARBAGE,
    }
    if verdict in fixed:
        return fixed[verdict]
    if result.failed_musts():
        return EXIT_NOT_CONFORMANT
    if result.undecided_musts():
        return EXIT_UNDECIDED
    return EXIT_CONFORMANT


def _specs(args: argparse.Namespace) -> int:
    catalogue = Catalogue.load()
    if args.ids:
        infos = [catalogue.requirement(rid) for rid in args.ids]  # unknown: a usage error
        checks, faults = find_checks(), load_faults()
        blocks = [describe(catalogue, info.id, checks, faults) for info in infos]
        print("\n\n".join("\n".join(block) for block in blocks))
        return 0
    wanted = {catalogue.spec(s).standard for s in args.standard}  # an unknown one is a usage error
    checks = find_checks() if args.checks else []
    index = checks_by_requirement(checks)
    shown: list[RequirementInfo] = []  # in the specs' order
    for spec in catalogue.specs.values():
        if wanted and spec.standard not in wanted:
            continue
        print(
            f"{spec.standard} {spec.version}  profiles: {', '.join(spec.profiles)}  ({spec.path.name})"
        )
        for r in spec.requirements:
            print(f"  {r.id:<10} {r.level:<9} {r.profile:<12} {r.text[:70]}")
            shown.append(r)
            if args.checks:
                for check in index.get(r.id, []):
                    print(f"{'':13}{check.name}  {check.location}")
                if r.id not in index:
                    print(f"{'':13}(no check: nothing decides this requirement yet)")
    if args.checks:
        print("\n".join(coverage([r.id for r in shown], {r.id for r in catalogue}, checks)))
    return 0


def _serve_peer(args: argparse.Namespace) -> int:
    return serve_peer(args.peer, Path(args.dir or f"{args.peer}-peer"))


def _verify(args: argparse.Namespace) -> int:
    folder = Path(args.report_dir)
    runs = run_dirs(folder) if folder.is_dir() and not (folder / "report.json").exists() else []
    if runs:
        raise UsageError(
            f"{folder} holds {len(runs)} run(s), not one run's files. "
            f"Fix: verify one run, as `conformance verify {runs[-1]}`"
        )
    found = verify_run(Path(args.report_dir), Path(args.key) if args.key else None)
    for problem in found.problems:
        print(console_text(f"  {problem}"))
    print(console_text(found.summary()))
    return 0 if found.ok else 1


def _keygen(args: argparse.Namespace) -> int:
    private, public = keygen(Path(args.out))
    print(f"private key (keep it secret; 0600): {private}")
    print(f"public key (give it to whoever verifies your runs): {public}")
    print(f"sign runs with: conformance run --signing-key {private}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
