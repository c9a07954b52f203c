"""The order ``--longest-first`` hands out work in (tests/longest_first.py)."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from longest_first import (
    UNKNOWN,
    from_junit,
    load_cpu,
    load_durations,
    nodeid_of,
    scope_of,
    units,
    waits,
)
from longest_first_scheduler import LongestFirst

DURATIONS = {
    "tests/test_a.py::test_run[strict]": 500.0,
    "tests/test_a.py::test_run[default]": 100.0,
    "tests/test_a.py::test_quick[x]": 1.0,
    "tests/test_b.py::test_setup_heavy": 300.0,
}


def test_a_long_parametrised_test_is_a_unit_and_a_module_keeps_the_rest_together() -> None:
    assert scope_of("tests/test_a.py::test_run[strict]", DURATIONS) == (
        "tests/test_a.py::test_run[strict]"
    )
    assert scope_of("tests/test_a.py::test_quick[x]", DURATIONS) == "tests/test_a.py"
    # Not parametrised: its module-scoped fixtures stay with the module's other tests.
    assert scope_of("tests/test_b.py::test_setup_heavy", DURATIONS) == "tests/test_b.py"


def test_units_come_longest_first() -> None:
    nodeids = [
        "tests/test_a.py::test_quick[x]",
        "tests/test_a.py::test_run[default]",
        "tests/test_a.py::test_run[strict]",
        "tests/test_a.py::test_other",
        "tests/test_b.py::test_setup_heavy",
        "tests/test_b.py::test_after",
        "tests/test_c.py::test_new",
    ]
    got = units(nodeids, DURATIONS)
    assert list(got) == [
        "tests/test_a.py::test_run[strict]",
        "tests/test_b.py",
        "tests/test_a.py::test_run[default]",
        "tests/test_a.py",
        "tests/test_c.py",
    ]
    assert got["tests/test_b.py"] == [
        "tests/test_b.py::test_setup_heavy",
        "tests/test_b.py::test_after",
    ]
    assert got["tests/test_a.py"] == [
        "tests/test_a.py::test_quick[x]",
        "tests/test_a.py::test_other",
    ]
    assert UNKNOWN < 1.0


def test_junit_cases_become_node_ids(tmp_path: Path) -> None:
    assert (
        nodeid_of("tests.docker.test_e2e", "test_x[alt]") == "tests/docker/test_e2e.py::test_x[alt]"
    )
    assert nodeid_of("tests.test_cli.TestRun", "test_y") == "tests/test_cli.py::TestRun::test_y"
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite><testcase classname="tests.test_a" name="test_run[strict]" '
        'time="561.99"><properties><property name="cpu" value="40.04"/></properties>'
        '</testcase><testcase classname="tests.test_a" name="test_old" time="3"/>'
        '<testcase classname="tests.test_a" name="test_fast" time="0.01"/>'
        "</testsuite></testsuites>",
        encoding="utf-8",
    )
    assert from_junit(junit) == {
        "tests/test_a.py::test_old": [3.0],
        "tests/test_a.py::test_run[strict]": [562.0, 40.0],
    }


def test_the_recorded_file_gives_seconds_and_cpu_where_known(tmp_path: Path) -> None:
    recorded = tmp_path / "durations.json"
    recorded.write_text('{"a": [500.0, 20.0], "b": 3.5, "c": [2.0]}', encoding="utf-8")
    assert load_durations(recorded) == {"a": 500.0, "b": 3.5, "c": 2.0}
    assert load_cpu(recorded) == {"a": 20.0}


def test_a_unit_waits_when_it_used_little_cpu_for_long() -> None:
    durations = {"run[strict]": 500.0, "fast": 1.0, "busy": 400.0}
    cpu = {"run[strict]": 60.0, "fast": 0.9, "busy": 390.0}
    assert waits(["run[strict]"], durations, cpu)
    assert not waits(["busy"], durations, cpu)
    assert not waits(["fast"], durations, cpu)  # too short to matter
    assert not waits(["run[strict]", "busy"], durations, cpu)
    assert not waits(["run[strict]"], durations, {})  # CPU unknown: not assumed to wait


def _scheduler(workers: int, cores: int, queue: list[str], waiting: set[str]) -> LongestFirst:
    scheduler = LongestFirst.__new__(LongestFirst)
    scheduler.assigned_work = {object(): {} for _ in range(workers)}  # its nodes
    scheduler.cores = cores
    scheduler.waiting = waiting
    scheduler.workqueue = OrderedDict((scope, {f"{scope}::t": False}) for scope in queue)
    return scheduler


def _hand_out(scheduler: LongestFirst, worker: int) -> str:
    scope = scheduler._next_scope(shortest=False)
    scheduler.assigned_work[scheduler.nodes[worker]][scope] = scheduler.workqueue.pop(scope)
    return scope


def _finish(scheduler: LongestFirst, worker: int) -> None:
    for unit in scheduler.assigned_work[scheduler.nodes[worker]].values():
        unit.update(dict.fromkeys(unit, True))


def test_workers_beyond_the_cores_take_the_waiting_units_the_others_keep_the_cores_busy() -> None:
    queue = ["strict", "signed", "engines", "seed", "sensitivity", "cli"]
    scheduler = _scheduler(4, 2, queue, {"strict", "signed", "seed"})
    assert [_hand_out(scheduler, w) for w in range(3)] == ["strict", "signed", "engines"]
    assert scheduler._next_scope(shortest=True) == "cli"
    assert _hand_out(scheduler, 3) == "sensitivity"  # two wait already: the rest compute
    _finish(scheduler, 1)
    assert _hand_out(scheduler, 1) == "seed"  # a waiting slot came free
    _finish(scheduler, 2)
    assert _hand_out(scheduler, 2) == "cli"
    assert not scheduler.workqueue


def test_when_one_kind_runs_out_the_longest_of_the_other_goes() -> None:
    scheduler = _scheduler(4, 2, ["strict", "signed", "seed"], {"strict", "signed", "seed"})
    assert [_hand_out(scheduler, w) for w in range(3)] == ["strict", "signed", "seed"]


def test_with_a_core_per_worker_it_is_longest_first() -> None:
    queue = ["strict", "seed", "engines"]
    scheduler = _scheduler(2, 2, queue, {"strict", "seed"})
    assert [_hand_out(scheduler, w) for w in range(2)] == ["strict", "seed"]
