"""``conformance campaign``: one run per target, at most N at once, failures kept apart.

The end-to-end test runs 8 reference platforms, each in its own process
(``campaign.fleet``): default, alt, strict, seed:3, seed:17 and a second
default, and two behind named faults. To stay affordable in CI it narrows
every run to ``--requirement DISC-001 --requirement DISC-004``, the two
requirements those faults break (disclosure-without-ranking: DISC-001,
commission-above-published: DISC-004): so each verdict is PARTIAL, and
"conformant" here means exit 0 with both requirements passed, "not
conformant" exit 1 with the broken one failed (the site says
not-conformant). Crashes, hangs and bad env files are tested on stand-in
commands, cheaply and deterministically.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from interruptible import interruptible

from conformance._harness.campaign.container import container_command
from conformance._harness.campaign.fleet import Member, ReferenceFleet
from conformance._harness.campaign.plan import CampaignTarget, plan_targets, read_env_file
from conformance._harness.campaign.pool import run_all
from conformance._harness.campaign.summary import (
    EXIT_COMPLETE,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_NOT_ALL_PASSED,
    Campaign,
    write_summary,
)
from conformance._harness.campaign.unit import Settings
from conformance._harness.cli import _parser, main
from conformance._harness.cli_campaign import run_arguments
from conformance._harness.errors import ConfigError, UsageError

ROOT = Path(__file__).resolve().parent.parent
NARROW = ["--requirement", "DISC-001", "--requirement", "DISC-004"]
BROKEN = {"fault-no-ranking": "DISC-001", "fault-commission": "DISC-004"}
MEMBERS = [
    Member("ref-default"),
    Member("ref-alt", "alt"),
    Member("ref-strict", "strict"),
    Member("ref-seed-3", "seed:3"),
    Member("ref-seed-17", "seed:17"),
    Member("ref-default-b"),
    Member("fault-no-ranking", fault="disclosure-without-ranking"),
    Member("fault-commission", fault="commission-above-published"),
]


# --- the plan: names, order, env files ---------------------------------------------------


def test_targets_are_named_by_their_name_distinctly_and_run_in_path_order(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("name: acme\n", encoding="utf-8")
    (tmp_path / "a.yaml").write_text("name: acme\n", encoding="utf-8")
    (tmp_path / "c.yml").write_text("name: [unclosed\n", encoding="utf-8")  # named by its file
    (tmp_path / "d.yaml").write_text("name: 'x/../../etc'\n", encoding="utf-8")
    (tmp_path / "a.env").write_text("export T='1'\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a target\n", encoding="utf-8")
    planned = plan_targets([tmp_path, tmp_path / "a.yaml"])  # a file given twice runs once
    assert [(t.name, t.file.name) for t in planned] == [
        ("acme", "a.yaml"),
        ("acme-2", "b.yaml"),
        ("c", "c.yml"),
        ("x-..-..-etc", "d.yaml"),
    ]
    assert planned[0].env_file == tmp_path / "a.env" and planned[1].env_file is None
    assert plan_targets(list(reversed([t.file for t in planned]))) == planned


@pytest.mark.parametrize("make", ["missing", "empty-folder"])
def test_a_target_that_is_not_there_is_a_usage_error(tmp_path: Path, make: str) -> None:
    path = tmp_path / make
    if make == "empty-folder":
        path.mkdir()
    with pytest.raises(UsageError, match=make):
        plan_targets([path])


def test_env_files_take_export_and_plain_lines(tmp_path: Path) -> None:
    env = tmp_path / "t.env"
    env.write_text(
        "# tokens\nexport A='it'\\''s'\nB=plain\n\nexport C=\"two words\"  # note\n",
        encoding="utf-8",
    )
    assert read_env_file(env) == {"A": "it's", "B": "plain", "C": "two words"}
    env.write_text("A=1\nrm -rf /\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2: not a NAME=value line"):
        read_env_file(env)


def test_run_options_pass_through_to_each_run() -> None:
    given = "--standard DISC --requirement DISC-001 --requirement DISC-004 --seed 7"
    given += " --examples 5 --shuffle --as-of 2027-02-01T00:00:00Z --read-only"
    args = _parser().parse_args(["campaign", "t", "--out", "o", *given.split()])
    assert run_arguments(args) == [
        "--standard",
        "DISC",
        "--requirement",
        "DISC-001",
        "--requirement",
        "DISC-004",
        "--seed",
        "7",
        "--as-of",
        "2027-02-01T00:00:00+00:00",
        "--shuffle",
        "--read-only",
    ]  # --examples 5 is the default: left out


@pytest.mark.parametrize(
    "argv",
    [["--parallel", "0"], ["--timeout", "0"], ["--index", "2"], ["--requirement", "NOPE-1"]],
)
def test_campaign_usage_errors_come_before_any_run(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.yaml").write_text("name: a\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("name: b\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["campaign", str(tmp_path), "--out", str(out), *argv]) == 2
    assert "conformance: error:" in capsys.readouterr().err
    assert not out.exists()


# --- isolation: crash, hang, bad env file -------------------------------------------------

# Stand-ins for `conformance run`: one writes a run directory as a run does; the others
# die by a signal, hang ignoring Ctrl-C, or print and exit 70 without a report.
_GOOD = """
import json, pathlib, sys
run = pathlib.Path(sys.argv[1]) / "20270101T000000Z-stand-in"
run.mkdir()
summary = {"verdict": "conformant", "headline": "CONFORMANT: stand-in"}
(run / "report.json").write_text(json.dumps({"summary": summary}))
print("ran")
"""
_CRASH = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
_HANG = """
import os, pathlib, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
pathlib.Path(sys.argv[1], "pid").write_text(str(os.getpid()))
print("hanging", file=sys.stderr, flush=True)
time.sleep(120)
"""
_BUG = "import sys; print('Traceback: boom', file=sys.stderr); sys.exit(70)"


def _stand_in(target: CampaignTarget, report_dir: Path) -> list[str]:
    script = {"crash": _CRASH, "hang": _HANG, "bug": _BUG}.get(target.name, _GOOD)
    return [sys.executable, "-c", script, str(report_dir)]


def test_a_crash_a_hang_a_bug_and_a_bad_env_file_leave_the_others_reported(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "targets"
    folder.mkdir()
    for name in ("good-1", "crash", "hang", "bug", "bad-env", "good-2"):
        (folder / f"{name}.yaml").write_text(f"name: {name}\n", encoding="utf-8")
    (folder / "bad-env.env").write_text("export A='unclosed\n", encoding="utf-8")
    out = tmp_path / "out"
    settings = Settings(out, _stand_in, timeout=2.0, grace=1.0)
    started = time.monotonic()
    outcomes, interrupted = run_all(plan_targets([folder]), settings, parallel=2)
    took = time.monotonic() - started
    by_name = {o.target.name: o for o in outcomes}
    assert [o.target.name for o in outcomes] == sorted(by_name)  # plan (path) order
    assert not interrupted
    for good in ("good-1", "good-2"):
        assert by_name[good].judged and by_name[good].verdict == "conformant"
        assert (out / good / "stdout.log").read_text(encoding="utf-8") == "ran\n"
    assert by_name["crash"].state == "crashed" and "SIGKILL" in by_name["crash"].problem
    hang = by_name["hang"]
    assert hang.state == "timed-out" and "after 2 s" in hang.problem and "hanging" in hang.problem
    assert 2.0 <= hang.duration < 2.0 + 1.0 + 10  # timeout, grace, slack
    pid = int((out / "hang" / "pid").read_text(encoding="utf-8"))
    with pytest.raises(ProcessLookupError):  # killed with its group, not left running
        os.kill(pid, 0)
    assert by_name["bug"].exit_code == 70 and by_name["bug"].problem == "Traceback: boom"
    assert by_name["bad-env"].state == "not-started" and "bad-env.env" in by_name["bad-env"].problem
    assert took < 60
    campaign = Campaign(out, outcomes, *_moments(), 2, 2.0, [])
    assert campaign.exit_code() == EXIT_INCOMPLETE
    written = json.loads(write_summary(campaign).read_text(encoding="utf-8"))
    rows = {t["name"]: t for t in written["targets"]}
    assert rows["good-1"]["run_dir"] == "good-1/20270101T000000Z-stand-in"
    assert rows["hang"]["judged"] is False and rows["hang"]["stderr"] == "hang/stderr.log"
    assert written["complete"] is False and written["exit_code"] == EXIT_INCOMPLETE


def test_exit_code_is_zero_when_every_run_gave_a_verdict_unless_a_pass_is_required(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.yaml").write_text("name: a\n", encoding="utf-8")
    outcomes, _ = run_all(plan_targets([tmp_path]), Settings(tmp_path / "o", _stand_in, 30), 1)
    assert Campaign(tmp_path, outcomes, *_moments(), 1, 30, []).exit_code() == EXIT_COMPLETE
    failed = [replace(outcomes[0], exit_code=1)]
    assert Campaign(tmp_path, failed, *_moments(), 1, 30, []).exit_code() == EXIT_COMPLETE
    strict = Campaign(tmp_path, failed, *_moments(), 1, 30, [], require_pass=True)
    assert strict.exit_code() == EXIT_NOT_ALL_PASSED


def test_index_runs_only_that_target_of_the_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One pod of the Indexed Job: the I-th target in path order, its own summary file."""
    for name in ("alpha", "beta"):
        (tmp_path / f"{name}.yaml").write_text(f"name: {name}\nbase_url: [\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["campaign", str(tmp_path), "--out", str(out), "--index", "1"]) == EXIT_INCOMPLETE
    summary = json.loads((out / "campaign-1.json").read_text(encoding="utf-8"))
    assert [t["name"] for t in summary["targets"]] == ["beta"]
    assert "not valid YAML" in summary["targets"][0]["problem"]
    assert not (out / "alpha").exists() and not (out / "campaign.json").exists()
    assert "beta" in capsys.readouterr().out


def test_in_container_passes_secrets_by_name_and_mounts_the_target_and_its_folder(
    tmp_path: Path,
) -> None:
    target = tmp_path / "acme.yaml"
    target.write_text(
        "name: acme\ncredentials: {first_party: {alice: {token_env: ACME_ALICE}}}\n"
        "cloud: {oci: {password_env: ACME_OCI}}\n",
        encoding="utf-8",
    )
    (tmp_path / "acme.env").write_text("export ACME_ALICE='s3cret-token'\n", encoding="utf-8")
    (planned,) = plan_targets([target])
    argv = container_command("suite:1", ["--standard", "DISC"], {"team": "x"})(
        planned, tmp_path / "out" / "acme"
    )
    assert "s3cret-token" not in " ".join(argv)
    assert [argv[i + 1] for i, w in enumerate(argv) if w == "--env"] == ["ACME_ALICE", "ACME_OCI"]
    assert f"{target}:/work/target.yaml:ro" in argv
    assert f"{tmp_path / 'out' / 'acme'}:/reports" in argv
    assert "team=x" in argv and "org.interop-conformance.campaign-target=acme" in argv
    assert argv[argv.index("suite:1") + 1 :] == [
        "run",
        "--target",
        "/work/target.yaml",
        "--report-dir",
        "/reports",
        "--quiet",
        "--standard",
        "DISC",
    ]
    assert argv[:4] == ["docker", "run", "--rm", "--name"] and "host" in argv


@pytest.mark.slow
def test_ctrl_c_stops_every_run_and_still_writes_the_summary(tmp_path: Path) -> None:
    """A platform that accepts connections and never answers; Ctrl-C to the campaign:
    the run is interrupted as Ctrl-C would, the summary says so, exit 130."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections complete in the kernel; no request is ever answered
        text = (ROOT / "examples" / "conformance" / "target.yaml").read_text(encoding="utf-8")
        port = silent.getsockname()[1]
        target = tmp_path / "stuck.yaml"
        target.write_text(text.replace("127.0.0.1:8080", f"127.0.0.1:{port}"), encoding="utf-8")
        names = re.findall(r"token_env: ([A-Z0-9_]+)", text)
        (tmp_path / "stuck.env").write_text("".join(f"{n}=t\n" for n in names), "utf-8")
        out = tmp_path / "out"
        argv = [sys.executable, "-m", "conformance._harness.cli", "campaign", str(target)]
        campaign = subprocess.Popen(
            [*argv, "--out", str(out), *NARROW],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=interruptible,
        )
        assert campaign.stdout is not None
        first = campaign.stdout.readline()  # the campaign has started its run
        time.sleep(3)
        campaign.send_signal(signal.SIGINT)
        said, _ = campaign.communicate(timeout=90)
        said = first + said
    assert campaign.returncode == EXIT_INTERRUPTED, said
    summary = json.loads((out / "campaign.json").read_text(encoding="utf-8"))
    assert summary["interrupted"] is True and summary["exit_code"] == EXIT_INTERRUPTED
    assert summary["targets"][0]["state"] == "interrupted"


def _moments() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now, now


# --- end to end: 8 reference platforms, two faulty, one malformed target, one site ---------


@pytest.mark.slow
def test_campaign_of_eight_reference_targets_gives_eight_reports_and_one_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets, out, site = tmp_path / "targets", tmp_path / "out", tmp_path / "site"
    with ReferenceFleet(MEMBERS, targets):
        (targets / "malformed.yaml").write_text("name: malformed\nbase_url: [\n", encoding="utf-8")
        code = main(["campaign", str(targets), "--out", str(out), "--parallel", "2", *NARROW])
    printed = capsys.readouterr().out
    assert code == EXIT_INCOMPLETE  # the malformed target gave no verdict; the 8 others did
    summary = json.loads((out / "campaign.json").read_text(encoding="utf-8"))
    rows = {t["name"]: t for t in summary["targets"]}
    assert sorted(rows) == sorted([m.name for m in MEMBERS] + ["malformed"])
    assert rows.pop("malformed")["judged"] is False
    for name, row in rows.items():
        assert row["judged"] is True, (name, row["problem"])
        report = json.loads((out / row["run_dir"] / "report.json").read_text(encoding="utf-8"))
        outcomes = {r["id"]: r["outcome"] for r in report["requirements"]}
        if name in BROKEN:
            assert row["exit_code"] == 1 and outcomes[BROKEN[name]] == "fail", (name, outcomes)
        else:
            assert row["exit_code"] == 0, (name, row["headline"])
            assert outcomes["DISC-001"] == outcomes["DISC-004"] == "pass", (name, outcomes)
    for name in rows:
        assert f"\n{name} " in printed  # one row of the table each
    assert main(["publish", str(out), "--out", str(site)]) == 0
    index = json.loads((site / "data" / "index.json").read_text(encoding="utf-8"))
    states = {p["name"]: p["latest_state"] for p in index["platforms"]}
    assert sorted(states) == sorted(rows)
    assert {n for n, s in states.items() if s == "not-conformant"} == set(BROKEN)
    assert (site / "index.html").is_file()
