"""The order ``--longest-first`` hands out work in (tests/longest_first.py)."""

from __future__ import annotations

from pathlib import Path

from longest_first import UNKNOWN, from_junit, nodeid_of, scope_of, units

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
        'time="561.99"/><testcase classname="tests.test_a" name="test_fast" time="0.01"/>'
        "</testsuite></testsuites>",
        encoding="utf-8",
    )
    assert from_junit(junit) == {"tests/test_a.py::test_run[strict]": 562.0}
