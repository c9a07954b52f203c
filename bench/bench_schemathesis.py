"""A peer side by side: schemathesis and the suite against the same faulty platforms.

For each named fault (``fixtures/faults/*.yaml``), a fresh reference platform
(``default`` choices) is put behind :class:`conformance.faults.proxy.FaultProxy`
with that fault, exactly as tests/test_sensitivity.py does, and each tool is
pointed at the proxy:

- **the suite** runs the checks of the requirements the fault ``breaks``
  (fixed seed, as the sensitivity test). It detected the fault when one of
  them ends ``fail``. ``requests`` is the number of the latest exchange the
  first failing check cites (the request after which the failure was
  established), ``seconds`` the time from the run's start to the end of
  that exchange; ``run_requests`` / ``run_seconds`` are the whole run's.
- **schemathesis** (its Python API) generates requests from the same specs
  (COMMON and the fault's standard; operations on CLOUD's own S3/OCI surfaces
  left out, as tests/test_schemathesis.py does), round-robin over the
  operations, at most ``max_examples`` per operation, with the checks
  tests/test_schemathesis.py uses (no 5xx, documented status, media type,
  headers, body schema), each request carrying a real token in turn. It
  detected the fault at its first failing check: ``requests`` and
  ``seconds`` up to that request. It stops there, or at the per-fault time
  cap. A control run against the reference with no fault shows whether
  schemathesis flags the conformant platform (a detection then means less).

Faults on CLOUD's S3 or OCI surface (``front: s3|oci``) are run by the suite
only: schemathesis has no spec of those protocols' requests here.

    python bench/bench_schemathesis.py [--quick]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from schemathesis import Case

from bench._child import emit, in_child
from bench._table import table
from conformance._harness.catalogue import Catalogue
from conformance._harness.options import Options
from conformance._harness.results import Outcome, RunResult
from conformance._harness.runner import run
from conformance.faults.catalog import Fault, load_faults
from conformance.faults.fronts import behind, upstream
from conformance.faults.proxy import FaultProxy
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

# How schemathesis reads the specs, shared with tests/test_schemathesis.py (which pytest
# imports from tests/); appended, so nothing installed is shadowed.
sys.path.append(str(Path(__file__).resolve().parent.parent / "tests"))
from schemathesis_support import CHECKS, USERS_BY_PATH

SEED = 20261205
QUICK_FAULTS = ("plain-text-errors", "discovery-without-standards", "hidden-zone-surcharge")
"""Quick mode: a handful of faults whose checks are short (names missing from the
catalogue are skipped, the first faults of each file stand in)."""
QUICK = {"max_examples": 3, "cap_s": 8.0}
FULL = {"max_examples": 10, "cap_s": 20.0}
TIMEOUT = 10.0
STANDARD_OF_FILE = {"port": "PORT", "fair": "FAIR", "link": "LINK", "disc": "DISC"}
STANDARD_OF_FILE |= {"cloud": "CLOUD", "cloud_s3": "CLOUD"}


def measure(quick: bool) -> dict[str, Any]:
    """Every selected fault, both tools, in one child process (pytest runs in-process)."""
    return in_child("bench.bench_schemathesis", ["--quick"] if quick else [], 6 * 3600.0)


def selected_faults(quick: bool) -> list[Fault]:
    """All faults, or quick mode's handful."""
    faults = load_faults()
    if not quick:
        return faults
    named = [f for f in faults if f.name in QUICK_FAULTS]
    return named or faults[:3]


def headline(result: dict[str, Any]) -> str:
    """How many faults each tool detected, and whether schemathesis flags the plain reference."""
    counts = result["detected"]
    clean = not any(c["detected"] for c in result["control"].values())
    return (
        f"{counts['of']} faults: the suite detected {counts['suite']}, schemathesis "
        f"{counts['schemathesis']} (on the reference without fault: "
        f"{'nothing flagged' if clean else 'flags found'})"
    )


def details(result: dict[str, Any]) -> str:
    """Per fault: which tool detected it, after how many requests and seconds."""
    return table(
        f"Schemathesis against the faults ({'quick' if result['quick'] else 'full'}: "
        f"{result['settings']['max_examples']} examples per operation, "
        f"{result['settings']['cap_s']:.0f} s per fault at most):",
        ("fault", "breaks", "the suite", "schemathesis"),
        (
            (
                f"`{row['fault']}`",
                ", ".join(row["breaks"]),
                _found(row["suite"]),
                _found(row["schemathesis"]),
            )
            for row in result["faults"]
        ),
    )


def _found(figures: dict[str, Any]) -> str:
    if figures.get("detected") is None:
        return f"not run ({figures.get('why', '')})"
    if not figures["detected"]:
        return f"missed ({figures['run_requests']} requests, {figures['run_seconds']} s)"
    return f"detected after {figures['requests']} requests, {figures['seconds']} s"


# -- the suite -----------------------------------------------------------------------------


def suite_on(fault: Fault, work: Path) -> dict[str, Any]:
    """Run the fault's requirements through the suite against the faulty reference."""
    with (
        ReferencePlatform(data_dir=work / "suite-first", part_size=4096) as first,
        ReferencePlatform(data_dir=work / "suite-second", part_size=4096) as second_platform,
    ):
        platform = reference_target(first)
        second = reference_target(second_platform, "reference-b")
        with FaultProxy(upstream(platform, fault.front), fault) as proxy:
            faulty = dataclasses.replace(
                behind(platform, fault.front, proxy.base_url), name=f"fault-{fault.name}"
            )
            options = Options(
                requirements=fault.breaks,
                seed=SEED,
                shrink=False,
                as_of=fault.as_of,
                report_dir=work / "runs",
            )
            started_wall, started = time.time(), time.perf_counter()
            result = run(faulty, second=second, options=options)
            elapsed = time.perf_counter() - started
    evidence = _evidence(work / "runs" / result.run_id / "evidence.jsonl")
    return _suite_figures(fault, result, evidence, started_wall, elapsed)


def _evidence(path: Path) -> dict[str, dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return {r["id"]: r for r in map(json.loads, handle) if isinstance(r, dict) and "id" in r}


def _suite_figures(
    fault: Fault,
    result: RunResult,
    evidence: dict[str, dict[str, Any]],
    started: float,
    elapsed: float,
) -> dict[str, Any]:
    failing = [
        check
        for r in result.requirements
        if r.info.id in fault.breaks
        for check in r.checks
        if check.outcome is Outcome.FAIL
    ]
    figures: dict[str, Any] = {
        "detected": bool(failing),
        "run_requests": len(evidence),
        "run_seconds": round(elapsed, 2),
        "requests": None,
        "seconds": None,
    }
    cited = [
        max((evidence[e] for e in check.evidence if e in evidence), key=lambda r: r["n"])
        for check in failing
        if any(e in evidence for e in check.evidence)
    ]
    if cited:
        first = min(cited, key=lambda r: r["n"])
        ended = datetime.fromisoformat(first["started_at"]).timestamp() + first["duration_s"]
        figures["requests"] = int(first["n"])
        figures["seconds"] = round(max(0.0, ended - started), 2)
    elif failing:
        figures["requests"], figures["seconds"] = len(evidence), round(elapsed, 2)
    return figures


# -- schemathesis --------------------------------------------------------------------------


class Callers:
    """Round-robin over the (client, user) credentials that may call each path."""

    def __init__(self, platform: ReferencePlatform) -> None:
        self._identities = platform.identities
        self._turns: dict[tuple[str, ...], Iterator[tuple[str, str]]] = {}

    def headers(self, path: str) -> dict[str, str]:
        """The next credential's headers for ``path``."""
        users = next(
            (u for prefix, u in USERS_BY_PATH.items() if path.startswith(prefix)),
            tuple(self._identities.users),
        )
        if users not in self._turns:
            roles = [(c, u) for u in users for c in self._identities.clients]
            self._turns[users] = itertools.cycle(roles)
        client, user = next(self._turns[users])
        return {
            **self._identities.clients[client],
            "Authorization": f"Bearer {self._identities.token(client, user)}",
        }


@dataclass
class Search:
    """One bounded schemathesis search: stops at the first failure or the time cap."""

    base_url: str
    callers: Callers
    cap_s: float
    started: float = field(default_factory=time.perf_counter)
    sent: int = 0
    found: str | None = None
    found_at: tuple[int, float] | None = None
    session: requests.Session = field(default_factory=requests.Session)

    def over(self) -> bool:
        """Found, or out of time: later examples send nothing."""
        return self.found is not None or time.perf_counter() - self.started > self.cap_s

    def send(self, case: Case) -> None:
        """Send one generated case and hold the answer to the checks."""
        if self.over():
            return
        self.sent += 1
        try:
            response = case.call(
                base_url=self.base_url,
                headers=self.callers.headers(case.operation.path),
                session=self.session,
                timeout=TIMEOUT,
            )
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # any failure of a check is a finding
            first = exc.exceptions[0] if isinstance(exc, BaseExceptionGroup) else exc
            title = getattr(first, "title", None) or str(first).strip().split("\n", 1)[0]
            self.found = f"{case.operation.method.upper()} {case.operation.path}: {title}"[:200]
            self.found_at = (self.sent, time.perf_counter() - self.started)


def schemathesis_on(
    standard: str, fault: Fault | None, work: Path, settings: dict[str, Any]
) -> dict[str, Any]:
    """Search the faulty (or, with None, the plain) reference with schemathesis."""
    with ReferencePlatform(data_dir=work / "schemathesis", part_size=4096) as platform:
        target = reference_target(platform)
        proxy = FaultProxy(upstream(target, "api"), fault) if fault is not None else None
        base_url = proxy.__enter__().base_url if proxy is not None else target.base_url
        try:
            search = Search(base_url, Callers(platform), float(settings["cap_s"]))
            for operation in _operations(standard):
                if search.over():
                    break
                _explore(operation, search, int(settings["max_examples"]))
        finally:
            if proxy is not None:
                proxy.__exit__(None, None, None)
    elapsed = time.perf_counter() - search.started
    return {
        "detected": search.found is not None,
        "requests": search.found_at[0] if search.found_at else None,
        "seconds": round(search.found_at[1], 2) if search.found_at else None,
        "run_requests": search.sent,
        "run_seconds": round(elapsed, 2),
        "finding": search.found,
    }


def _operations(standard: str) -> list[Any]:
    catalogue = Catalogue.load()
    out = []
    for name in dict.fromkeys(("COMMON", standard)):
        loaded = schemathesis.openapi.from_path(catalogue.specs[name].path).exclude(
            func=lambda ctx: "x-surface" in ctx.operation.definition.raw
        )
        loaded.config.seed = SEED
        out += [op.ok() for op in loaded.get_all_operations()]
    return out


def _explore(operation: Any, search: Search, max_examples: int) -> None:
    @hypothesis.settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy())
    def explore(case: Case) -> None:
        search.send(case)

    explore()


# -- the comparison ------------------------------------------------------------------------


def compare(quick: bool, names: tuple[str, ...] = ()) -> dict[str, Any]:
    """Both tools on every selected fault (or those ``names``), and schemathesis's control run."""
    settings = QUICK if quick else FULL
    faults = [f for f in load_faults() if f.name in names] if names else selected_faults(quick)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-schemathesis-") as scratch:
        work = Path(scratch)
        standards = sorted({_standard(f) for f in faults})
        control = {s: schemathesis_on(s, None, work / f"control-{s}", settings) for s in standards}
        for index, fault in enumerate(faults):
            here = work / f"fault-{index}"
            row: dict[str, Any] = {"fault": fault.name, "breaks": list(fault.breaks)}
            row["suite"] = suite_on(fault, here)
            if fault.front == "api":
                row["schemathesis"] = schemathesis_on(_standard(fault), fault, here, settings)
            else:
                row["schemathesis"] = {"detected": None, "why": f"front: {fault.front}"}
            rows.append(row)
    return {
        "benchmark": "schemathesis",
        "quick": quick,
        "settings": settings,
        "control": control,
        "faults": rows,
        "detected": {
            "suite": sum(1 for r in rows if r["suite"]["detected"]),
            "schemathesis": sum(1 for r in rows if r["schemathesis"]["detected"]),
            "of": len(rows),
        },
    }


def _standard(fault: Fault) -> str:
    return STANDARD_OF_FILE.get(Path(fault.source).stem, "PORT")


def main(argv: list[str] | None = None) -> int:
    """The CLI: print the comparison as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a handful of faults, shorter caps")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        emit(compare(args.quick))
    else:
        print(json.dumps(measure(args.quick), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
