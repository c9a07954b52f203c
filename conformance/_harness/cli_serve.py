"""``conformance serve-reference``: the reference platform on loopback, with a named fault if asked.

Without ``--fault`` it is ``python -m conformance.reference``. With
``--fault NAME`` (one of ``fixtures/faults/*.yaml``) the reference runs on
free ports behind a ``FaultProxy`` that serves the fault on ``--port``, and
the target file written names the proxy for the surface the fault stands
in front of (the API, or CLOUD's S3 surface or registry): a run against it
shows what the fault breaks, without writing any code. The data folder
(target file, 0600 env file of ``export`` lines) is temporary unless
``--data DIR`` is given.
"""

from __future__ import annotations

import argparse
import difflib
import os
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import yaml

from conformance._harness.errors import UsageError
from conformance._harness.target import origin_of
from conformance.faults.catalog import Fault, load_faults
from conformance.faults.proxy import FaultProxy
from conformance.reference.__main__ import describe_files, until_stopped
from conformance.reference.__main__ import main as reference_main
from conformance.reference.choices import ChoiceSet, choice_set
from conformance.reference.cloud_s3 import advertised_addressing
from conformance.reference.identities import Identities
from conformance.reference.identities_env import identities_from_env
from conformance.reference.server import ReferencePlatform
from conformance.reference.target_files import write_target_files


def add_serve_options(serve: argparse.ArgumentParser) -> None:
    """The options of ``serve-reference``."""
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument(
        "--port", type=int, default=8800, help="where it answers (with --fault: the fault's proxy)"
    )
    serve.add_argument(
        "--data",
        metavar="DIR",
        help="keep the storage, target file and env file in DIR (default: a new temporary "
        "folder, removed when it stops)",
    )
    serve.add_argument(
        "--choices",
        default="default",
        metavar="NAME",
        help="which conformant platform to be: default, alt, strict or seed:N (docs/CHOICES.md)",
    )
    serve.add_argument(
        "--fault",
        metavar="NAME",
        help="serve it with this named fault (fixtures/faults/*.yaml; `conformance specs ID` "
        "lists the faults of a requirement) through a fault proxy, to see a failing run",
    )
    serve.add_argument(
        "--identities-from-env",
        action="store_true",
        help="take users, tokens and S3 keys from INTEROP_REFERENCE_* variables instead of "
        "making new ones, so a target file written before it starts works (a container)",
    )


def serve_reference(args: argparse.Namespace) -> int:
    """Serve the reference (behind ``args.fault`` if given) until stopped."""
    choices = _choices(args.choices)  # a usage error before anything starts
    given = _given(args)
    if not args.fault:
        argv = ["--host", args.host, "--port", str(args.port), "--choices", args.choices]
        argv += ["--identities-from-env"] if args.identities_from_env else []
        return reference_main(argv + (["--data", args.data] if args.data else []))
    fault = find_fault(args.fault)
    with ExitStack() as stack:
        data = Path(args.data).resolve() if args.data else None
        platform = stack.enter_context(
            ReferencePlatform(data, args.host, 0, choices=choices, s3_port=0, identities=given)
        )
        upstream = platform.s3_endpoint if fault.front == "s3" else platform.base_url
        proxy = stack.enter_context(FaultProxy(upstream, fault, host=args.host, port=args.port))
        stack.enter_context(until_stopped())  # its wait comes when the block ends
        target, env = write_target_files(
            platform.data_dir,
            platform.base_url,
            platform.identities,
            s3_endpoint=platform.s3_endpoint,
            s3_addressing=advertised_addressing(platform.choices),
        )
        document = yaml.safe_load(target.read_text(encoding="utf-8"))
        document["name"] = f"reference-with-{fault.name}"
        target.write_text(
            yaml.safe_dump(behind_fault(document, fault.front, proxy.base_url), sort_keys=False),
            encoding="utf-8",
        )
        print(f"reference platform serving at {platform.base_url}", flush=True)
        print(f"fault {fault.name} served at {proxy.base_url} (in front of {upstream})", flush=True)
        print(f"  {fault.description or '(no description)'}", flush=True)
        print(f"  it must break: {', '.join(fault.breaks) or '(nothing named)'}", flush=True)
        if fault.as_of is not None:
            when = fault.as_of.isoformat().replace("+00:00", "Z")
            print(f"  it bites as of {when}: run with --as-of {when}", flush=True)
        describe_files(target, env, temporary=data is None)
    return 0


def find_fault(name: str) -> Fault:
    """The named fault, or a usage error with the names nearest to it."""
    faults = {f.name: f for f in load_faults()}
    if name in faults:
        return faults[name]
    near = difflib.get_close_matches(name, faults, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(near)}?" if near else ""
    raise UsageError(
        f"--fault: no fault is named {name!r}.{hint} The faults are declared in "
        "fixtures/faults/*.yaml; `conformance specs ID` lists those of a requirement"
    )


def behind_fault(document: dict[str, Any], front: str, proxy_url: str) -> dict[str, Any]:
    """A target document whose fronted surface is reached through the proxy (as ``fronts``)."""
    cloud = document.get("cloud") or {}
    if front == "api":
        old = origin_of(document["base_url"])
        document["base_url"] = proxy_url
        for surface in cloud.values():  # a surface at the API's origin is one server with it
            if origin_of(surface["endpoint"]) == old:
                surface["endpoint"] = proxy_url
    elif front in cloud:
        cloud[front]["endpoint"] = proxy_url
    return document


def _given(args: argparse.Namespace) -> Identities | None:
    """The identities ``--identities-from-env`` reads, or None to make new ones."""
    if not args.identities_from_env:
        return None
    try:
        return identities_from_env(os.environ)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _choices(name: str) -> ChoiceSet:
    try:
        return choice_set(name)
    except ValueError as exc:
        raise UsageError(f"--choices: {exc}") from None
