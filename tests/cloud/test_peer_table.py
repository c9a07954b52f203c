"""The README's CLOUD table is what the committed reports say, and the command renders it.

Nothing here runs a peer: the table is held to the run directories committed
under reports/cloud-peers/, which ``python -m conformance.peers.table``
wrote, and those directories are held to their own signed manifests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance._harness.verify import verify_run
from conformance.peers import PeerUnavailable
from conformance.peers.table import (
    BEGIN,
    COLUMNS,
    END,
    REPORTS,
    STANDARD,
    main,
    render,
    rewrite,
    section,
)

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
COMMITTED = ROOT / REPORTS


def test_the_readme_table_is_rendered_from_the_committed_reports() -> None:
    text = README.read_text(encoding="utf-8")
    assert section(text) == render(COMMITTED, README.parent), (
        "README.md's CLOUD table differs from reports/cloud-peers/: rerun "
        "`.venv/bin/python -m conformance.peers.table --write README.md` "
        "(or --render-only, if the reports are the ones meant)"
    )


@pytest.mark.parametrize("column", COLUMNS, ids=[c.peer for c in COLUMNS])
def test_each_committed_run_verifies_against_its_manifest(column: Any) -> None:
    found = verify_run(COMMITTED / column.peer)
    assert found.ok, found.problems


def test_the_committed_runs_are_whole_cloud_runs_and_the_reference_passes() -> None:
    reports = {
        c.peer: json.loads((COMMITTED / c.peer / "report.json").read_text(encoding="utf-8"))
        for c in COLUMNS
    }
    for peer, report in reports.items():
        assert report["selection"]["standards"] == [STANDARD], peer
        cloud = [r for r in report["requirements"] if r["standard"] == STANDARD]
        assert len(cloud) == 18, peer
    reference = [r for r in reports["reference"]["requirements"] if r["standard"] == STANDARD]
    assert {r["outcome"] for r in reference} == {"pass"}
    moto = {r["id"]: r["outcome"] for r in reports["moto"]["requirements"]}
    registry = {r["id"]: r["outcome"] for r in reports["registry"]["requirements"]}
    # Each peer claims one profile: the others are not claimed, and none ends `error`.
    assert all(moto[f"CLOUD-{n:03d}"] == "not-claimed" for n in (1, 2, 3, 4, 5, 6, 201, 204))
    assert all(registry[f"CLOUD-{n:03d}"] == "not-claimed" for n in (1, 6, 101, 108))
    assert "error" not in set(moto.values()) | set(registry.values())


def _report(tmp_path: Path, peer: str, outcomes: dict[str, str]) -> None:
    requirements = [
        {
            "id": rid,
            "standard": "CLOUD",
            "profile": "s3",
            "outcome": outcome,
            "reason": "a | b *c*\nReplay: conformance run" if outcome == "fail" else "",
            "evidence": ["ex-000001", "ex-000002"] if outcome == "fail" else [],
        }
        for rid, outcome in outcomes.items()
    ] + [{"id": "C-001", "standard": "COMMON", "profile": "core", "outcome": "pass"}]
    report = {
        "run_id": f"run-{peer}",
        "seed": 7,
        "suite_version": "9.9",
        "summary": {"verdict": "partial"},
        "requirements": requirements,
    }
    (tmp_path / "reports" / peer).mkdir(parents=True)
    (tmp_path / "reports" / peer / "report.json").write_text(json.dumps(report))


def test_render_shows_each_outcome_and_links_the_evidence_of_a_fail(tmp_path: Path) -> None:
    _report(tmp_path, "reference", {"CLOUD-101": "pass", "CLOUD-103": "pass"})
    _report(tmp_path, "moto", {"CLOUD-101": "pass", "CLOUD-103": "fail"})
    _report(tmp_path, "registry", {"CLOUD-101": "not-claimed"})
    table = render(tmp_path / "reports", tmp_path)
    lines = table.splitlines()
    assert lines[0].startswith("| requirement | profile | [reference](reports/reference/) |")
    assert "| CLOUD-101 | `s3` | pass | pass | not-claimed |" in lines
    row = next(line for line in lines if line.startswith("| CLOUD-103 "))
    # The fail's headline (markup and pipes escaped), a link to its run and the exchanges;
    # a requirement a report lacks is a dash. COMMON's are not CLOUD's table.
    assert row == (
        "| CLOUD-103 | `s3` | pass | **fail**: a \\| b \\*c\\* "
        "([evidence](reports/moto/), 2 exchange(s)) | — |"
    )
    assert "C-001" not in table
    assert "Seed 7, suite 9.9" in table


def test_rewrite_replaces_only_the_marked_section() -> None:
    text = f"intro\n{BEGIN}\nold table\n{END}\nafter\n"
    rewritten = rewrite(text, "| new |\n")
    assert rewritten == f"intro\n{BEGIN}\n| new |\n{END}\nafter\n"
    assert section(rewritten) == "| new |\n"
    with pytest.raises(ValueError, match="section"):
        rewrite("no markers here", "| new |\n")


def test_the_command_runs_the_collector_then_writes_the_readme(tmp_path: Path) -> None:
    for peer, outcome in (("reference", "pass"), ("moto", "fail"), ("registry", "pass")):
        _report(tmp_path, peer, {"CLOUD-101": outcome})
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{BEGIN}\n{END}\n", encoding="utf-8")
    ran: list[tuple[Path, int]] = []
    code = main(
        ["--write", str(readme), "--reports", str(tmp_path / "reports"), "--seed", "3"],
        collector=lambda reports, seed: ran.append((reports, seed)),
    )
    assert code == 0 and ran == [(tmp_path / "reports", 3)]
    assert section(readme.read_text(encoding="utf-8")) == render(tmp_path / "reports", tmp_path)
    ran.clear()
    assert (
        main(
            ["--write", str(readme), "--reports", str(tmp_path / "reports"), "--render-only"],
            collector=lambda reports, seed: ran.append((reports, seed)),
        )
        == 0
    )
    assert not ran


def test_a_missing_peer_is_exit_2_and_leaves_the_readme_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"{BEGIN}\nkept\n{END}\n", encoding="utf-8")

    def missing(reports: Path, seed: int) -> None:
        raise PeerUnavailable("/usr/bin/docker-registry is not installed")

    assert main(["--write", str(readme)], collector=missing) == 2
    assert "docker-registry is not installed" in capsys.readouterr().err
    assert section(readme.read_text(encoding="utf-8")) == "kept\n"
