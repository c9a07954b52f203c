"""The command line for many runs: ``conformance publish`` and ``conformance monitor``.

``cli.py`` registers these; the work lives in ``site`` (the results site)
and ``monitor`` (scheduled runs, history, feed, webhook).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance._harness.catalogue import Catalogue
from conformance._harness.errors import UsageError
from conformance._harness.monitor.history import open_history
from conformance._harness.monitor.loop import Plan, monitor
from conformance._harness.monitor.schedule import parse_interval
from conformance._harness.monitor.webhook import checked
from conformance._harness.options import add_run_options, options_from
from conformance._harness.safe_text import console_text
from conformance._harness.signing import load_signing_key
from conformance._harness.site.publish import publish
from conformance._harness.target import load_target
from conformance._harness.tolerate import load_tolerations


def add_site_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``publish`` and ``monitor``."""
    site = sub.add_parser(
        "publish",
        help="write a static results site from many runs: a matrix of platforms x "
        "requirements, a page per platform and run, badges, histories, the JSON behind each",
        description="Exit codes: 0 written, every signed run verifies; 1 written, but a "
        "signed run does not verify (the site says which); 2 usage error.",
    )
    site.add_argument(
        "sources",
        nargs="+",
        metavar="DIR",
        help="run directories (reports/<run-id>), report directories (reports/), "
        "or monitor histories (conformance monitor --history DIR)",
    )
    site.add_argument("--out", required=True, metavar="DIR", help="the site's folder")
    site.add_argument(
        "--key",
        metavar="PUBLIC_KEY",
        help="verify every run's signature against this public key (PEM), as verify --key",
    )
    site.set_defaults(command=_publish)

    watch = sub.add_parser(
        "monitor",
        help="run against one platform on a schedule, keep a history of verdicts and "
        "timings, and alert on a regression (Atom feed, webhook, exit code)",
        description="Exit codes: 0 no alert was raised; 1 an alert was raised (a regression, "
        "or a run that judged nothing after one that did); 2 usage error; 130 Ctrl-C.",
    )
    add_run_options(_without_report_dir(watch))
    watch.set_defaults(report_dir=None)  # the runs go to --history DIR/runs
    watch.add_argument(
        "--every",
        required=True,
        type=parse_interval,
        metavar="INTERVAL",
        help="time between the starts of two runs: 30s, 15m, 6h, 1h30m",
    )
    watch.add_argument(
        "--history",
        required=True,
        metavar="DIR",
        help="where history.json, feed.xml and the runs (DIR/runs/<run-id>) are kept",
    )
    watch.add_argument(
        "--runs", type=int, metavar="N", help="stop after N runs (default: until Ctrl-C)"
    )
    watch.add_argument(
        "--webhook",
        metavar="URL",
        help="POST each alert as JSON to URL (loopback, or a host named with --webhook-allow)",
    )
    watch.add_argument(
        "--webhook-allow",
        action="append",
        default=[],
        metavar="HOST",
        help="a host off this machine the webhook may go to (repeatable)",
    )
    watch.add_argument(
        "--tolerate",
        metavar="FILE",
        help="accepted failures (as conformance diff --tolerate): they raise no alert",
    )
    watch.set_defaults(command=_monitor)


def _without_report_dir(parser: argparse.ArgumentParser) -> Callable[..., Any]:
    """The run options' ``add`` for ``monitor``, which keeps its runs in ``--history DIR/runs``."""

    def add(*flags: str, **settings: Any) -> Any:
        return None if flags == ("--report-dir",) else parser.add_argument(*flags, **settings)

    return add


def _publish(args: argparse.Namespace) -> int:
    found = publish(
        [Path(s) for s in args.sources], Path(args.out), Path(args.key) if args.key else None
    )
    for note in found.notes:
        print(console_text(f"  note: {note}"))
    for run in found.not_verified():
        print(console_text(f"  NOT VERIFIED: {run.run_id}: {run.seal.problems[0]}"))
    print(console_text(found.summary()))
    return found.exit_code()


def _monitor(args: argparse.Namespace) -> int:
    """Every usage error before the first run: target, interval, webhook, tolerate file."""
    if not args.target:
        raise UsageError("monitor needs --target FILE: the platform to run against")
    if args.runs is not None and args.runs < 1:
        raise UsageError(f"--runs {args.runs}: give 1 or more (or leave it out to run on)")
    options = options_from(args)
    Catalogue.load().select(options.standards, options.profiles, options.requirements)
    if options.signing_key is not None:
        load_signing_key(options.signing_key)
    webhook = checked(args.webhook, args.webhook_allow) if args.webhook else None
    tolerations = (
        load_tolerations(Path(args.tolerate), [r.id for r in Catalogue.load()])
        if args.tolerate
        else []
    )
    target = load_target(args.target)
    second = load_target(args.second_target) if args.second_target else None
    history = open_history(Path(args.history), target.name, target.base_url, args.every)
    plan = Plan(target, options, args.every, args.runs, second, webhook, tolerations)
    return monitor(plan, history)
