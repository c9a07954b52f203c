"""The command line for target files: ``conformance init`` and ``conformance check-target``.

``init`` writes a commented starter for the standards chosen (``starter``);
``check-target`` tries a file against its platform and reports every
problem at once, judging no requirement (``target_check``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance._harness.starter import env_names, standards_of, starter, write_new
from conformance._harness.target_check import check_target

EXIT_OK = 0
EXIT_PROBLEMS = 2


def add_target_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``init`` and ``check-target``."""
    init = sub.add_parser(
        "init",
        help="write a commented starter target file for the standards chosen (never overwrites)",
    )
    init.add_argument(
        "--standard",
        action="append",
        default=[],
        metavar="ID",
        help="a standard the platform implements (repeatable; default: all); COMMON comes along",
    )
    init.add_argument(
        "--out",
        default="target.yaml",
        metavar="FILE",
        help="where to write it (default: target.yaml; `-` prints it)",
    )
    init.add_argument(
        "--name", default="my-platform", help="the platform's name; its variables begin with it"
    )
    init.set_defaults(command=_init)

    check = sub.add_parser(
        "check-target",
        help="try a target file: every problem at once (keys, environment variables, the "
        "base URL, discovery, each credential, S3 keys, the registry login); judges nothing",
        description="Exit codes: 0 no problem found; 2 problems (each printed with its fix).",
    )
    check.add_argument("file", metavar="FILE", help="the target file (YAML)")
    check.set_defaults(command=_check_target)


def _init(args: argparse.Namespace) -> int:
    standards = standards_of(args.standard)  # an unknown one is a usage error
    text = starter(standards, args.name)
    if args.out == "-":
        sys.stdout.write(text)
        return EXIT_OK
    out = Path(args.out)
    write_new(out, text)
    print(f"wrote {out}: a starter target file for {', '.join(standards)}")
    print("next: fill in base_url, the user ids and every <...> value, then set the variables")
    print("  " + "\n  ".join(f"export {name}=..." for name in env_names(text)))
    print(f"and try it: conformance check-target {out}")
    return EXIT_OK


def _check_target(args: argparse.Namespace) -> int:
    found = check_target(Path(args.file))
    print(found.render())
    return EXIT_PROBLEMS if found.problems else EXIT_OK
