"""``--shuffle`` orders checks by the seed; ``--replay <run dir>`` sends the same requests again.

Two runs against two fresh references: the original, shuffled, and its
replay. The sequence of requests (check, method, operation or path) of the
replay equals the original's once what the platform assigns is normalised
(``reference_runs.sequence``: the reference's ports, job, part and record ids,
signed URLs' query values); bodies still differ where they hold the
platform's user ids or the clock (an archive's ``generated_at``).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from reference_runs import args_for, check_order, report, run_reference, sequence

from conformance._harness.cli import EXIT_USAGE, main
from conformance._harness.ordering import shuffled
from conformance._version import __version__

# Checks that make up values, write, read, and belong to four standards.
REQUIREMENTS = ("C-002", "C-005", "DISC-005", "LINK-004", "PORT-010", "PORT-015")
SEED = 4242


def _items(*names: str) -> list[SimpleNamespace]:
    return [SimpleNamespace(nodeid=n) for n in names]


def test_a_shuffle_depends_on_the_seed_only() -> None:
    names = [f"conformance/checks/x/test_{i}.py::test_{i}" for i in range(30)]
    order = [i.nodeid for i in shuffled(_items(*names), 7)]
    again = [i.nodeid for i in shuffled(_items(*reversed(names)), 7)]
    other = [i.nodeid for i in shuffled(_items(*names), 8)]
    assert order == again, "the collection order changed the shuffle"
    assert sorted(order) == sorted(names)
    assert order != sorted(names) and order != other


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("original")
    return run_reference(out, *args_for(REQUIREMENTS, "--seed", str(SEED), "--shuffle"))


@pytest.fixture(scope="module")
def replayed(original: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_reference(tmp_path_factory.mktemp("replay"), "--replay", str(original))


def test_the_checks_ran_in_the_order_the_seed_draws(original: Path) -> None:
    ran = [c["check"] for r in report(original)["requirements"] for c in r["checks"]]
    ran = [c for c in dict.fromkeys(ran) if "::" in c and "(charged)" not in c]
    sent = check_order(original)
    expected = [i.nodeid for i in shuffled(_items(*ran), SEED) if i.nodeid in sent]
    assert len(sent) >= 6
    assert sent == expected
    assert sent != sorted(sent), "the checks ran in collection order"
    assert report(original)["options"]["shuffle"] is True


def test_a_replay_sends_the_same_requests_in_the_same_order(original: Path, replayed: Path) -> None:
    first, again = sequence(original), sequence(replayed)
    assert len(first) > 100
    assert first == again


def test_a_replay_records_the_runs_settings(original: Path, replayed: Path) -> None:
    was, now = report(original), report(replayed)
    assert now["seed"] == was["seed"] == SEED
    assert now["suite_version"] == was["suite_version"] == __version__
    for key in ("standards", "profiles", "requirements", "read_only"):
        assert now["selection"][key] == was["selection"][key]
    assert {k: v for k, v in now["options"].items() if k != "replay_of"} == {
        k: v for k, v in was["options"].items() if k != "replay_of"
    }
    assert now["options"]["replay_of"] == was["run_id"]
    assert now["options"]["choices"] == "default"
    assert now["summary"]["verdict"] == was["summary"]["verdict"] == "partial"
    assert not now["summary"]["counts"]["fail"] and not now["summary"]["counts"]["error"]


def test_a_folder_that_is_not_a_run_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--replay", str(tmp_path)]) == EXIT_USAGE
    assert "is not a run's folder: it has no report.json" in capsys.readouterr().err
    (tmp_path / "report.json").write_text('{"run_id": "x"}')
    assert main(["run", "--replay", str(tmp_path)]) == EXIT_USAGE
    assert "records no seed" in capsys.readouterr().err


def test_a_run_of_another_suite_version_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "report.json").write_text(
        json.dumps({"seed": 1, "suite_version": "0.0.1", "options": {}, "selection": {}})
    )
    assert main(["run", "--replay", str(tmp_path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"made by suite version 0.0.1, this is {__version__}" in err
    assert "replay it with suite version 0.0.1" in err


def test_options_the_run_decides_cannot_be_given_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "report.json").write_text(
        json.dumps({"seed": 1, "suite_version": __version__, "options": {}, "selection": {}})
    )
    code = main(["run", "--replay", str(tmp_path), "--seed", "2", "--read-only"])
    assert code == EXIT_USAGE
    assert "--replay takes --seed, --read-only from the run" in capsys.readouterr().err


def test_another_seed_sends_another_sequence(original: Path, tmp_path: Path) -> None:
    """The comparison above can fail: another seed draws another order (and other inputs)."""
    other = run_reference(tmp_path, *args_for(REQUIREMENTS, "--seed", str(SEED + 1), "--shuffle"))
    assert check_order(other) != check_order(original)
    assert sequence(other) != sequence(original)
