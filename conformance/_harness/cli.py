"""The command line: ``conformance run | specs | serve-reference | verify``.

Exit codes of ``conformance run`` (also in the README):

==  =====================================================================
0   CONFORMANT: every claimed MUST requirement passed; or PARTIAL (a
    narrowed run) in which every selected claimed MUST passed
1   NOT CONFORMANT: at least one claimed MUST requirement failed (also
    in a PARTIAL run)
2   usage or CONFIGURATION ERROR (unknown option value, malformed target
    file, a token the platform refuses); no requirement was judged
3   UNREACHABLE: nothing answered at the base URL
4   NO DISCOVERY: the target answered, but not with a usable discovery
    document
5   UNDECIDED: no claimed MUST failed, but some ended error or skip
    (also in a PARTIAL run)
70  internal error of the suite (a bug: please report it)
==  =====================================================================
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import jsonschema

from conformance._harness.catalogue import Catalogue
from conformance._harness.checklist import checks_by_requirement, coverage, find_checks
from conformance._harness.errors import ConfigError, ConformanceError, UsageError
from conformance._harness.evidence import verify_chain
from conformance._harness.options import add_run_options, options_from
from conformance._harness.report.json_report import schema
from conformance._harness.results import RequirementInfo, RunResult, Verdict
from conformance._harness.runner import run
from conformance._harness.target import Target, load_target
from conformance._version import __version__
from conformance.reference.__main__ import main as reference_main
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``conformance`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.command(args))
    except (ConfigError, UsageError) as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ConformanceError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("conformance: interrupted", file=sys.stderr)
        return 130


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
        "--choices",
        default="default",
        metavar="NAME",
        help="with no --target: the built-in reference's choice set "
        "(default, alt, strict or seed:N; see docs/CHOICES.md)",
    )
    run.set_defaults(command=_run)

    specs = sub.add_parser("specs", help="list standards, profiles and requirements")
    specs.add_argument("--standard", action="append", default=[], metavar="ID")
    specs.add_argument(
        "--checks",
        action="store_true",
        help="under each requirement, the checks that hold it (module::function, file:line); "
        "needs no target and runs nothing",
    )
    specs.set_defaults(command=_specs)

    serve = sub.add_parser("serve-reference", help="serve the reference platform on loopback")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8800)
    serve.add_argument(
        "--data", metavar="DIR", help="storage directory (default: a new temporary one)"
    )
    serve.add_argument(
        "--choices",
        default="default",
        metavar="NAME",
        help="which conformant platform to be: default, alt, strict or seed:N (docs/CHOICES.md)",
    )
    serve.set_defaults(command=_serve)

    verify = sub.add_parser("verify", help="verify a report directory: schema and evidence chain")
    verify.add_argument("report_dir", metavar="DIR")
    verify.set_defaults(command=_verify)
    return parser


def _run(args: argparse.Namespace) -> int:
    options = options_from(args)
    Catalogue.load().select(
        options.standards, options.profiles, options.requirements
    )  # usage errors first
    with ExitStack() as stack:
        if args.target:
            target: Target = load_target(args.target)
            second = load_target(args.second_target) if args.second_target else None
        else:
            target, second = _start_reference(stack, _choices(args.choices))
        result = run(target, options=options, second=second, quiet=not args.verbose)
    verdict = result.verdict()
    if verdict is Verdict.CONFIGURATION_ERROR:
        print(f"conformance: error: {result.configuration_error}", file=sys.stderr)
    elif verdict is Verdict.UNREACHABLE:
        print(f"conformance: target unreachable: {result.unreachable}", file=sys.stderr)
    elif verdict is Verdict.NO_DISCOVERY:
        print(
            f"conformance: the target answered, but not with a usable discovery document: "
            f"{result.discovery_problem}",
            file=sys.stderr,
        )
    return exit_code(result)


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


def _serve(args: argparse.Namespace) -> int:
    argv = ["--host", args.host, "--port", str(args.port), "--choices", args.choices] + (
        ["--data", args.data] if args.data else []
    )
    return reference_main(argv)


def _verify(args: argparse.Namespace) -> int:
    directory = Path(args.report_dir)
    report = json.loads((directory / "report.json").read_text(encoding="utf-8"))
    try:
        jsonschema.validate(report, schema())
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        print(
            f"{directory / 'report.json'}: does not match the report schema "
            f"{schema()['properties']['schema_version']['const']} at {where}: {exc.message}"
        )
        return 1
    count = verify_chain(directory / "evidence.jsonl")
    known = set()
    with (directory / "evidence.jsonl").open(encoding="utf-8") as f:
        known = {json.loads(line)["id"] for line in f}
    dangling = {e for r in report["requirements"] for e in r["evidence"]} - known
    if dangling:
        print(
            f"report.json refers to exchanges missing from evidence.jsonl: {sorted(dangling)[:5]}"
        )
        return 1
    print(f"{directory}: report.json valid, {count} exchanges, hash chain intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
