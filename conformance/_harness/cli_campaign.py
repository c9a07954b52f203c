"""``conformance campaign``: one suite run per target, at most N at once, in one folder.

``cli.py`` registers it; the work lives in ``campaign`` (plan, unit, pool,
summary). Its exit codes are in ``campaign.summary``'s docstring and the
README.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance._harness.campaign.container import container_command
from conformance._harness.campaign.container import remove as remove_container
from conformance._harness.campaign.history import last_durations
from conformance._harness.campaign.plan import CampaignTarget, plan_targets
from conformance._harness.campaign.pool import run_all
from conformance._harness.campaign.summary import (
    SUMMARY_FILE,
    Campaign,
    line,
    render,
    write_summary,
)
from conformance._harness.campaign.unit import Outcome, Settings, suite_command
from conformance._harness.catalogue import Catalogue
from conformance._harness.errors import UsageError
from conformance._harness.options import RUN_OPTIONS, options_from
from conformance._harness.signing import load_signing_key

# Each target is its own --target and --report-dir; a second target is per pair, not per campaign.
_PER_TARGET = frozenset({"--target", "--second-target", "--report-dir"})
DEFAULT_TIMEOUT = 7200.0


def add_campaign_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``campaign``."""
    campaign = sub.add_parser(
        "campaign",
        help="run the suite against many targets, each in its own process, at most N at once, "
        "and gather their reports in one folder (for conformance publish)",
        description="Exit codes: 0 every target's run gave a verdict (whatever it is); "
        "1 with --require-pass, some run did not pass; 2 usage error; 6 INCOMPLETE: some "
        "target's run gave no verdict (crash, timeout, malformed target file); 130 Ctrl-C.",
    )
    campaign.add_argument(
        "targets",
        nargs="+",
        metavar="TARGET",
        help="target files, or folders of them (*.yaml, *.yml); run in path order. A target's "
        "secrets may sit beside it in <stem>.env (NAME=value lines), for its run only",
    )
    campaign.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="where each target's runs and logs (DIR/<name>/) and campaign.json go",
    )
    campaign.add_argument(
        "--parallel",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="runs at once (default: the number of CPUs)",
    )
    campaign.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"stop a target's run after this long (default {DEFAULT_TIMEOUT:g}); it is "
        "interrupted as by Ctrl-C, then killed after --grace",
    )
    campaign.add_argument(
        "--grace",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="after an interruption, how long a run may take to write its reports (default 30)",
    )
    campaign.add_argument(
        "--index",
        type=int,
        metavar="I",
        help="run only the I-th target (from 0, in path order) and write campaign-I.json: "
        "one pod of a Kubernetes Indexed Job (JOB_COMPLETION_INDEX; deploy/kubernetes/)",
    )
    campaign.add_argument(
        "--in-container",
        metavar="IMAGE",
        help="run each target's suite in this image (the suite image, docker/build-images.sh) "
        "with host networking, the target file and its report folder mounted, instead of a "
        "local process; the variables the target names are passed by name",
    )
    campaign.add_argument(
        "--container-label",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="with --in-container: a label on each container (repeatable)",
    )
    campaign.add_argument(
        "--require-pass",
        action="store_true",
        help="exit 1 unless every run exited 0 (a gate on the platforms, not on the campaign)",
    )
    for flags, settings in RUN_OPTIONS:
        if flags[0] not in _PER_TARGET:
            campaign.add_argument(*flags, **settings)
    campaign.set_defaults(
        command=_campaign, target=None, second_target=None, report_dir=None, quiet=True
    )


def _campaign(args: argparse.Namespace) -> int:
    """Every usage error first (nothing written), then the runs, the summary, the exit code."""
    targets, summary_name = _plan(args)
    run_args = run_arguments(args)
    out = Path(args.out)
    settings = Settings(out, suite_command(run_args), args.timeout, args.grace)
    if args.in_container:
        command = container_command(args.in_container, run_args, _labels(args.container_label))
        settings = replace(settings, command=command, cleanup=remove_container)
    out.mkdir(parents=True, exist_ok=True)
    parallel = min(args.parallel, len(targets))
    print(
        f"conformance: campaign of {len(targets)} target(s), {parallel} at once, into {out}",
        flush=True,  # before the runs: whoever reads a pipe sees the campaign start
    )
    started = datetime.now(UTC)
    finished: list[Outcome] = []

    def report(outcome: Outcome) -> None:
        finished.append(outcome)
        print(line(outcome, len(finished), len(targets)), flush=True)

    last = last_durations(out / summary_name)  # a campaign run again: longest first
    outcomes, interrupted = run_all(targets, settings, parallel, report, last)
    campaign = Campaign(
        out,
        outcomes,
        started,
        datetime.now(UTC),
        parallel,
        args.timeout,
        run_args,
        interrupted,
        args.require_pass,
    )
    write_summary(campaign, summary_name)
    print(render(campaign, summary_name))
    return campaign.exit_code()


def _plan(args: argparse.Namespace) -> tuple[list[CampaignTarget], str]:
    """The targets to run (one with ``--index``) and the summary's file name."""
    if args.parallel < 1:
        raise UsageError(f"--parallel {args.parallel}: give 1 or more")
    if args.timeout <= 0 or args.grace < 0:
        raise UsageError("--timeout must be above 0 and --grace 0 or more (seconds)")
    options = options_from(args)
    Catalogue.load().select(options.standards, options.profiles, options.requirements)
    if options.signing_key is not None:
        load_signing_key(options.signing_key)  # refused once here, not once per target
    targets = plan_targets([Path(t) for t in args.targets])
    if args.index is None:
        return targets, SUMMARY_FILE
    if not 0 <= args.index < len(targets):
        raise UsageError(
            f"--index {args.index}: the plan has {len(targets)} target(s), "
            f"indexed 0 to {len(targets) - 1}"
        )
    return [targets[args.index]], f"campaign-{args.index}.json"


def _labels(given: list[str]) -> dict[str, str]:
    labels = {}
    for item in given:
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise UsageError(f"--container-label {item!r}: give KEY=VALUE")
        labels[key] = value
    return labels


def run_arguments(args: argparse.Namespace) -> list[str]:
    """The run options given to the campaign, as ``conformance run`` arguments for each target."""
    words: list[str] = []
    for flags, settings in RUN_OPTIONS:
        if flags[0] in _PER_TARGET:
            continue
        value = getattr(args, flags[0].lstrip("-").replace("-", "_"))
        words += _words(flags[0], value, settings)
    return words


def _words(flag: str, value: Any, settings: dict[str, Any]) -> list[str]:
    if settings.get("action") == "store_true":
        return [flag] if value else []
    if settings.get("action") == "append":
        return [w for item in value for w in (flag, str(item))]
    if value is None or value == settings.get("default"):
        return []
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return [flag, text]
