"""Throughput and CPU cost of a validated, recorded exchange against raw ``requests``.

Both clients call the same reference platform on loopback (served in this
process, on its own threads), in interleaved rounds whose order alternates
(raw first, then the probe first) so that drift in the machine's load hits
both alike. Reported per client: requests per second (median of the
rounds) and the CPU time of the calling thread per exchange
(``time.thread_time``: the client's own work, not the server's, so a slow
server cannot flatter the ratio). ``probe_own_cpu_ms`` is the probe's CPU
per exchange beyond raw's: validation, evidence, redaction, hashing, guards.
``validation`` times one response check for a small and a 1000-item body,
openapi-core alone against the compiled plans (``fast_responses``).
``profile`` says where the probe's time goes: both clients run again under
``cProfile`` (timed by the thread's CPU clock) and each part of an exchange
(requests itself, the body read, validation, the evidence record, …) gets its
share of the probed exchange, and an estimate in milliseconds (its share of
the unprofiled CPU per exchange: the profiler slows Python calls more than C,
so these are estimates, the shares are what the profile shows).

    python bench/bench_probe_overhead.py [--requests 2000] [--rounds 10] [--quick] [--engine core]

``--engine core`` validates with openapi-core alone (as before the compiled plans).

``measure(quick)`` returns the same figures as a dict (``bench/run_all.py``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._table import table
from conformance._harness.catalogue import Catalogue
from conformance._harness.evidence import EvidenceLog
from conformance._harness.probe import Probe, Transport
from conformance._harness.secrets import Redactor
from conformance._harness.validation import OpenApiCoreValidator
from conformance.common.roles import ALICE
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

PATH = "/port/v1/exports"


TARGET_RATIO = 0.9
"""The issue's target: the probe's throughput against raw ``requests``."""


def measure(
    quick: bool = False, requests_per_client: int = 2000, rounds: int = 10, engine: str = "fast"
) -> dict[str, Any]:
    """The figures as a dict; ``quick`` sends 300 requests per client in 6 rounds.

    ``engine``: the probe's validator, ``fast`` (the suite's) or ``core`` (openapi-core alone).
    """
    if quick:
        requests_per_client, rounds = 300, 6
    per_round = max(1, requests_per_client // rounds)
    catalogue = Catalogue.load()
    fast, core = OpenApiCoreValidator(catalogue), OpenApiCoreValidator(catalogue, fast=False)
    with tempfile.TemporaryDirectory() as data, ReferencePlatform(data_dir=Path(data)) as platform:
        target = reference_target(platform)
        token = target.token(ALICE).reveal()
        session = requests.Session()
        session.trust_env = False
        log = EvidenceLog(Path(data) / "evidence.jsonl", Redactor(target.credentials.values()))
        probe = Probe(Transport(target, fast if engine == "fast" else core, log), check="bench")
        probe.deadline = time.monotonic() + 86_400.0

        def raw() -> None:
            response = session.get(
                target.base_url + PATH, headers={"Authorization": f"Bearer {token}"}
            )
            response.json()

        def probed() -> None:
            probe.get(PATH, role=ALICE).json()

        for call in (raw, probed):  # warm both: connections, compiled plans
            for _ in range(20):
                call()
        profiled = {"raw": _profile(raw, per_round), "probe": _profile(probed, per_round)}
        runs: dict[str, list[tuple[float, float]]] = {"raw": [], "probe": []}
        for n in range(rounds):
            order = [("raw", raw), ("probe", probed)]
            for name, call in order if n % 2 == 0 else order[::-1]:
                runs[name].append(_batch(call, per_round))
        log.close()
    raw_rps = statistics.median(r for r, _ in runs["raw"])
    probe_rps = statistics.median(r for r, _ in runs["probe"])
    raw_cpu = statistics.median(c for _, c in runs["raw"])
    probe_cpu = statistics.median(c for _, c in runs["probe"])
    # The probe's own time per exchange that a 0.9 ratio leaves it (raw's wall time is the rest).
    allowed_ms = (1 / TARGET_RATIO - 1) * 1000 / raw_rps
    return {
        "engine": engine,
        "requests_per_client": per_round * rounds,
        "rounds": rounds,
        "raw_rps": round(raw_rps, 1),
        "probe_rps": round(probe_rps, 1),
        "ratio": round(probe_rps / raw_rps, 3),
        "raw_cpu_ms": round(raw_cpu, 3),
        "probe_cpu_ms": round(probe_cpu, 3),
        "probe_own_cpu_ms": round(probe_cpu - raw_cpu, 3),
        "cpu_ratio": round(raw_cpu / probe_cpu, 3),
        "allowed_own_ms": round(allowed_ms, 3),
        "validation": _validation(fast, core, 20 if quick else 100),
        "profile": _shares(profiled, probe_cpu, raw_cpu),
        "target": f"throughput >= {TARGET_RATIO} of raw requests",
        "met": probe_rps / raw_rps >= TARGET_RATIO,
    }


def _batch(call: Callable[[], None], count: int) -> tuple[float, float]:
    """Requests per second and CPU milliseconds of this thread per call, over ``count`` calls."""
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(count):
        call()
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    return count / wall, cpu * 1000 / count


PARTS: tuple[tuple[str, str, str], ...] = (
    ("requests itself (prepare, send, status line and headers)", "requests/sessions.py", "request"),
    (
        "the body read (cap, deadline; raw: inside requests)",
        "conformance/_harness/probe.py",
        "_read_all",
    ),
    ("the JSON parse (bounded)", "conformance/_harness/probe.py", "json"),
    ("the JSON parse (bounded)", "requests/models.py", "json"),
    (
        "response validation (compiled plans)",
        "conformance/_harness/validation.py",
        "check_response",
    ),
    (
        "the evidence record (redaction, JSON, hash, write)",
        "conformance/_harness/evidence.py",
        "write",
    ),
    (
        "the answer's record and COMMON's screen (C-002, C-003)",
        "conformance/_harness/probe.py",
        "_complete",
    ),
    ("the destination guard", "conformance/_harness/probe.py", "_guard"),
    ("quota pacing (RateLimit fields parsed)", "conformance/common/ratelimits.py", "observe"),
    ("quota pacing (RateLimit fields parsed)", "conformance/common/ratelimits.py", "wait"),
    ("quota pacing (RateLimit fields parsed)", "conformance/common/ratelimits.py", "sent"),
)
"""Parts of an exchange: (what it is, the file it is in, its function), cumulative time."""

_REST = "the rest (records, deadlines, headers, budget)"


def _profile(call: Callable[[], None], count: int) -> dict[str, float]:
    """Profiled CPU milliseconds per call, in all and per part of :data:`PARTS`."""
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    for _ in range(count):
        call()
    profiler.disable()
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in stats.values())  # every function's own time
    parts: dict[str, float] = {}
    for (file, _, function), row in stats.items():
        for label, suffix, name in PARTS:
            if function == name and file.replace("\\", "/").endswith(suffix):
                parts[label] = parts.get(label, 0.0) + row[3] * 1000 / count
    parts[_REST] = total * 1000 / count - sum(parts.values())
    parts["total"] = total * 1000 / count
    return parts


def _shares(
    profiled: dict[str, dict[str, float]], probe_cpu: float, raw_cpu: float
) -> list[dict[str, Any]]:
    """Per part: its share of each client's profiled time, and estimated milliseconds."""
    rows = []
    labels = dict.fromkeys(label for label, _, _ in PARTS)
    for label in [*labels, _REST]:
        row: dict[str, Any] = {"part": label}
        for client, cpu in (("raw", raw_cpu), ("probe", probe_cpu)):
            share = profiled[client].get(label, 0.0) / profiled[client]["total"]
            row[f"{client}_share"] = round(share, 3)
            row[f"{client}_ms"] = round(share * cpu, 3)
        rows.append(row)
    return rows


def headline(result: dict[str, Any]) -> str:
    """Throughputs, the ratio, and the probe's own CPU against what the target leaves it."""
    return (
        f"raw requests {result['raw_rps']:.0f}/s, the probe {result['probe_rps']:.0f}/s: ratio "
        f"{result['ratio']}; the probe's own CPU {result['probe_own_cpu_ms']} ms per exchange "
        f"(raw requests' {result['raw_cpu_ms']} ms; 0.9 leaves it "
        f"{result.get('allowed_own_ms', '?')} ms); one response validated in "
        f"{result['validation']['1_items']['fast_ms']} ms (openapi-core "
        f"{result['validation']['1_items']['openapi_core_ms']} ms), 1000 items in "
        f"{result['validation']['1000_items']['fast_ms']} ms "
        f"({result['validation']['1000_items']['openapi_core_ms']} ms)"
    )


def details(result: dict[str, Any]) -> str:
    """Where an exchange's CPU goes, raw and probed (the profile ``measure`` took)."""
    if "profile" not in result:
        return ""
    return table(
        "Where an exchange's CPU goes (benchmark 1, cProfile by thread CPU time; "
        "milliseconds are each part's share of the unprofiled CPU per exchange, estimates):",
        ("part", "raw requests", "the probe"),
        (
            (
                row["part"],
                _part(row["raw_share"], row["raw_ms"]),
                _part(row["probe_share"], row["probe_ms"]),
            )
            for row in result["profile"]
        ),
    )


def _part(share: float, ms: float) -> str:
    return "—" if share == 0 else f"{share:.0%}, {ms:.3f} ms"


def _validation(
    fast: OpenApiCoreValidator, core: OpenApiCoreValidator, repeat: int
) -> dict[str, dict[str, float]]:
    """Milliseconds per response check (ExportList of 1 and of 1000 exports), per engine."""
    op = fast.find("GET", PATH)
    assert op is not None
    headers = {"Content-Type": "application/json"}
    export = {"id": "e1", "status": "ready", "created_at": "2026-12-05T10:00:00Z"}
    out: dict[str, dict[str, float]] = {}
    for items in (1, 1000):
        body = json.dumps({"exports": [export] * items}).encode()
        timings = {}
        for name, engine in (("openapi_core_ms", core), ("fast_ms", fast)):
            assert engine.check_response(op, PATH, 200, headers, body) == []
            started = time.perf_counter()
            for _ in range(repeat):
                engine.check_response(op, PATH, 200, headers, body)
            timings[name] = round((time.perf_counter() - started) * 1000 / repeat, 3)
        out[f"{items}_items"] = timings
    return out


def main() -> None:
    """Print ``measure``'s figures as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="requests per client in all")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="300 requests per client, 6 rounds")
    parser.add_argument("--engine", choices=("fast", "core"), default="fast")
    args = parser.parse_args()
    print(json.dumps(measure(args.quick, args.requests, args.rounds, args.engine)))


if __name__ == "__main__":
    main()
