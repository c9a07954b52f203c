"""Every hostile behaviour of ``fixtures/hostile``, survived: one ``conformance run`` each.

Each behaviour misbehaves in one area of an otherwise conformant platform (the
reference behind a hostile front). A run narrowed to the requirement(s) it
affects and one it does not, in a child process, must:

- end within the run budget (plus the slack of starting up and writing reports);
- keep its peak memory under ``MEMORY_BOUND`` whatever the platform sends;
- exit with a code the README documents for that outcome, never a traceback;
- write report.json, junit.xml, evidence.jsonl and the manifest, which verify;
- end the affected requirement ``fail`` or ``error`` with a reason, and pass the other;
- send nothing to another origin (a listener on 127.0.0.2 records any connection);
- write no configured secret, in any encoding, anywhere;
- print no raw terminal control (ESC, BEL, CR, C1 CSI, bidi override) on the console.

Every assertion is checked and the failures are reported together, named, so one
run says everything that is wrong with a behaviour's handling.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from echo_platform import leaks

from conformance._harness.target import Limits

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures"))

from hostile import BEHAVIOURS, CONTROL, LIMITS, Arrival, Behaviour, HostilePlatform

SEED = 20261205

RUN_BUDGET = 60.0
"""The run budget the target file sets (``limits.run_budget``, when the harness has it)."""

SLACK = 60.0
"""Starting Python and pytest, collecting the checks, writing and sealing the reports,
on a loaded 2-core machine."""

WALL_BOUND = RUN_BUDGET + SLACK
KILLED_AFTER = 300.0
"""A run still going then is killed (and fails the wall-clock bound, named)."""

MEMORY_BOUND = 1024 * 1024 * 1024
"""Peak RSS of the run's process (1 GiB), whatever the platform sends, at the default
64 MiB size cap: about a 16th of what a 40 MiB discovery document once took per MiB."""

DOCUMENTED_EXITS = frozenset({0, 1, 2, 3, 4, 5, 70})
REPORT_FILES = ("report.json", "junit.xml", "evidence.jsonl", "manifest.json", "manifest.sig")

RAW_CONTROLS = {
    "ESC": b"\x1b",
    "BEL": b"\x07",
    "CR": b"\r",
    "C1 CSI": "\x9b".encode(),
    "RLO (bidi override)": "\u202e".encode(),
}


def target_limits() -> dict[str, float]:
    """The hostile platform's short limits, with the run budget and the Retry-After cap
    where the harness knows those keys (a target file naming an unknown key is refused)."""
    known = Limits.__dataclass_fields__
    extra = {"run_budget": RUN_BUDGET, "max_retry_after": 20.0}
    return LIMITS | {key: value for key, value in extra.items() if key in known}


@dataclass
class Run:
    """What one ``conformance run`` did, seen from outside."""

    code: int
    wall: float
    peak_rss: int
    killed: bool
    stdout: bytes
    stderr: bytes
    run_dir: Path | None


def conformance_run(platform: HostilePlatform, requirements: tuple[str, ...], out: Path) -> Run:
    """``conformance run`` in a child process; its peak RSS from ``wait4`` (its own rusage,
    not the maximum over every child this test process ever had)."""
    reports = out / "reports"
    selection = [arg for rid in requirements for arg in ("--requirement", rid)]
    command = [
        sys.executable,
        "-m",
        "conformance._harness.cli",
        "run",
        "--target",
        str(platform.target_file),
        "--report-dir",
        str(reports),
        "--seed",
        str(SEED),
        *selection,
    ]
    env = os.environ | platform.environment() | {"PYTHONDONTWRITEBYTECODE": "1"}
    with open(out / "stdout", "wb") as stdout, open(out / "stderr", "wb") as stderr:
        started = time.monotonic()
        child = subprocess.Popen(
            command, stdout=stdout, stderr=stderr, env=env, start_new_session=True
        )
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            os.killpg(child.pid, signal.SIGKILL)

        timer = threading.Timer(KILLED_AFTER, kill)
        timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        timer.cancel()
        wall = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    runs = sorted(reports.iterdir()) if reports.is_dir() else []
    return Run(
        code=child.returncode,
        wall=wall,
        peak_rss=usage.ru_maxrss * 1024,  # KiB on Linux
        killed=killed.is_set(),
        stdout=(out / "stdout").read_bytes(),
        stderr=(out / "stderr").read_bytes(),
        run_dir=runs[-1] if runs else None,
    )


def verify(run_dir: Path) -> tuple[int, str]:
    """``conformance verify <dir>``: its exit code and output."""
    done = subprocess.run(
        [sys.executable, "-m", "conformance._harness.cli", "verify", str(run_dir)],
        capture_output=True,
        timeout=300,
        check=False,
    )
    return done.returncode, (done.stdout + done.stderr).decode("utf-8", "replace")


def outcomes(run_dir: Path | None) -> dict[str, tuple[str, str]]:
    """Requirement id → (outcome, reason), from report.json ({} if there is none)."""
    try:
        report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))  # type: ignore[operator]
    except (OSError, TypeError, ValueError):
        return {}
    return {r["id"]: (r["outcome"], r["reason"]) for r in report.get("requirements", [])}


def problems_of(
    behaviour: Behaviour, run: Run, arrivals: list[Arrival], secrets: list[str]
) -> Iterator[str]:
    """Every assertion the run breaks, named (none: the behaviour was survived).

    ``arrivals`` are the connections the other origin saw; ``secrets`` every configured one.
    """
    tail = run.stdout[-1500:].decode("utf-8", "replace")
    if run.killed or run.wall > WALL_BOUND:
        yield f"wall-clock: ran {run.wall:.0f} s (bound {WALL_BOUND:.0f} s; killed: {run.killed})"
    if run.peak_rss > MEMORY_BOUND:
        yield f"memory: peak RSS {run.peak_rss / 2**20:.0f} MiB (bound {MEMORY_BOUND / 2**20:.0f} MiB)"
    if b"Traceback (most recent call last)" in run.stdout + run.stderr:
        yield f"exit: a traceback on the console: {run.stderr[-800:]!r}"
    if run.code not in DOCUMENTED_EXITS:
        yield f"exit: {run.code} is not a documented exit code"
    elif run.code not in behaviour.exits:
        yield f"exit: {run.code}, expected one of {sorted(behaviour.exits)}; console:\n{tail}"
    yield from _reports(run)
    yield from _outcomes(behaviour, run)
    for arrival in arrivals:
        yield f"origin: reached the other origin: {arrival}"
    written = {"stdout": run.stdout, "stderr": run.stderr}
    if run.run_dir is not None:
        written |= {p.name: p.read_bytes() for p in run.run_dir.rglob("*") if p.is_file()}
    for name, data in written.items():
        for leak in leaks(name, data, secrets):
            yield f"secrets: {leak}"
    for stream in ("stdout", "stderr"):
        data = written[stream]
        for name, raw in RAW_CONTROLS.items():
            if raw in data:
                at = data.index(raw)
                yield f"console: raw {name} on {stream}: …{data[max(0, at - 60) : at + 20]!r}…"


def _reports(run: Run) -> Iterator[str]:
    if run.run_dir is None:
        yield "reports: no run directory was written"
        return
    missing = [f for f in REPORT_FILES if not (run.run_dir / f).is_file()]
    empty = [f for f in REPORT_FILES if f not in missing and not (run.run_dir / f).stat().st_size]
    if missing or empty:
        yield f"reports: missing {missing}, empty {empty}"
    if not missing:
        code, said = verify(run.run_dir)
        if code != 0:
            yield f"verify: exit {code}: {said[-1500:]}"


def _outcomes(behaviour: Behaviour, run: Run) -> Iterator[str]:
    seen = outcomes(run.run_dir)
    for rid in behaviour.affects:
        outcome, reason = seen.get(rid, ("absent", ""))
        if outcome not in ("fail", "error") or not reason.strip():
            yield f"affected: {rid} ended {outcome!r} (want fail or error with a reason): {reason[:600]!r}"
    if behaviour.unaffected is not None:
        outcome, reason = seen.get(behaviour.unaffected, ("absent", ""))
        if outcome != "pass":
            yield f"unaffected: {behaviour.unaffected} ended {outcome!r}: {reason[:600]!r}"
    for rid in behaviour.undecidable:
        outcome, reason = seen.get(rid, ("absent", ""))
        if outcome not in ("skip", "error") or not reason.strip():
            yield f"undecidable: {rid} ended {outcome!r} (want skip or error, saying why): {reason[:600]!r}"


FAST_SAMPLE = frozenset(
    {"discovery-lone-surrogate", "items-token-echo", "items-redirect-lookalike", "items-gzip-bomb"}
)
"""The behaviours the fast tier (``-m "not slow"``) keeps, one of each kind of harm (a crash,
a leak, a bypass, a bomb); every behaviour runs in the full test command."""


@pytest.fixture
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HostilePlatform]:
    """The behaviour named by the test's parameter, served in front of a fresh reference."""
    behaviour: Behaviour = request.param
    with HostilePlatform(behaviour, tmp_path / "platform", limits=target_limits()) as platform:
        yield platform


@pytest.mark.timeout(900)
@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param(b, id=b.name, marks=[] if b.name in FAST_SAMPLE else [pytest.mark.slow])
        for b in BEHAVIOURS
    ],
    indirect=True,
)
def test_hostile_behaviour_is_survived(hostile: HostilePlatform, tmp_path: Path) -> None:
    behaviour = hostile.behaviour
    run = conformance_run(hostile, behaviour.requirements, tmp_path)
    print(f"{behaviour.name}: exit {run.code}, {run.wall:.1f} s, peak RSS {run.peak_rss >> 20} MiB")
    problems = list(problems_of(behaviour, run, hostile.recorder.arrivals, hostile.secrets()))
    assert not problems, f"{behaviour.name}: {behaviour.description}\n- " + "\n- ".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("hostile", [pytest.param(CONTROL, id=CONTROL.name)], indirect=True)
def test_the_front_alone_is_conformant(hostile: HostilePlatform, tmp_path: Path) -> None:
    """Behind the front with no behaviour, every requirement a behaviour selects passes: what
    fails above is the behaviour's doing, not the front's."""
    selected = sorted({rid for b in BEHAVIOURS for rid in b.requirements})
    run = conformance_run(hostile, tuple(selected), tmp_path)
    seen = outcomes(run.run_dir)
    assert {rid: seen.get(rid, ("absent", ""))[0] for rid in selected} == dict.fromkeys(
        selected, "pass"
    ), run.stdout[-2000:].decode("utf-8", "replace")
    assert run.code == 0
    assert not hostile.recorder.arrivals


def test_every_behaviour_is_named_once_and_selects_what_it_affects() -> None:
    names = [b.name for b in BEHAVIOURS]
    assert len(names) == len(set(names)) >= 20
    for b in BEHAVIOURS:
        assert b.affects, b.name
        assert b.unaffected not in b.affects, b.name
        assert b.exits <= DOCUMENTED_EXITS, b.name
        assert b.description, b.name


def test_each_assertion_can_fail(tmp_path: Path) -> None:
    """A run that broke everything is told so, assertion by assertion."""
    behaviour = next(b for b in BEHAVIOURS if b.unaffected)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    passed = {"id": behaviour.affects[0], "outcome": "pass", "reason": "ok"}  # the other: absent
    (run_dir / "report.json").write_text(json.dumps({"requirements": [passed]}))
    (run_dir / "evidence.jsonl").write_text('{"token": "sEcReT-tOkEn-0123456789"}\n')
    run = Run(
        code=1,
        wall=WALL_BOUND + 1,
        peak_rss=MEMORY_BOUND + 1,
        killed=False,
        stdout=b"\x1b[2J CONFORMANT\r\x07",
        stderr=b"Traceback (most recent call last):\n",
        run_dir=run_dir,
    )
    arrival = Arrival("127.0.0.1", b"GET / HTTP/1.1\r\nAuthorization: Bearer x\r\n\r\n")
    broken = list(problems_of(behaviour, run, [arrival], ["sEcReT-tOkEn-0123456789"]))
    named = {problem.split(":", 1)[0] for problem in broken}
    assert named == {
        "wall-clock",
        "memory",
        "exit",
        "reports",
        "affected",
        "unaffected",
        "origin",
        "secrets",
        "console",
    }, broken
    assert any("Authorization" in p for p in broken if p.startswith("origin"))
    assert {p.split(" on ")[0] for p in broken if p.startswith("console")} >= {
        "console: raw ESC",
        "console: raw BEL",
        "console: raw CR",
    }
