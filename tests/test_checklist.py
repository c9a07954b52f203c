"""``conformance specs --checks``: which checks hold each requirement, read without running any."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance._harness.catalogue import Catalogue
from conformance._harness.checklist import CHECKS, checks_by_requirement, coverage, find_checks
from conformance._harness.cli import main
from conformance._harness.errors import ConformanceError
from conformance._harness.marks import requirement_ids

REPOSITORY = CHECKS.parent.parent


def _listing(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, list[str]]:
    """Requirement ID -> the lines printed under it."""
    assert main(["specs", "--checks", *args]) == 0
    blocks: dict[str, list[str]] = {}
    current: list[str] = []
    for line in capsys.readouterr().out.splitlines():
        head = re.match(r"  (\S+-\d+) ", line)
        if head:
            current = blocks.setdefault(head.group(1), [])
        elif line.startswith(" " * 13):
            current.append(line.strip())
    return blocks


def test_port_004s_checks_are_listed_with_where_they_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocks = _listing(capsys, "--standard", "PORT")
    first = blocks["PORT-004"][0]
    name, location = first.split()
    assert name == (
        "conformance.checks.port.test_fidelity::test_export_contains_every_imported_record"
    )
    path, line = location.rsplit(":", 1)
    assert path == "conformance/checks/port/test_fidelity.py"
    source = (REPOSITORY / path).read_text(encoding="utf-8").splitlines()
    assert source[int(line) - 1].startswith("def test_export_contains_every_imported_record(")
    assert not any(rid.startswith("C-") for rid in blocks)  # only the standard asked for


def test_every_requirement_of_the_catalogue_has_a_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = [r.id for r in Catalogue.load()]
    index = checks_by_requirement(find_checks())
    assert [rid for rid in ids if rid not in index] == []
    blocks = _listing(capsys)
    assert set(blocks) == set(ids)
    assert all(lines and "(no check" not in lines[0] for lines in blocks.values())


def test_every_check_names_a_requirement_the_specs_define() -> None:
    checks = find_checks()
    ids = [r.id for r in Catalogue.load()]
    assert coverage(ids, set(ids), checks) == [
        f"{len(checks)} checks hold {len(ids)} of {len(ids)} requirements"
    ]


class _Collected:
    """Records what pytest collects: (module, function) -> the requirements it names."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str], tuple[str, ...]] = {}

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            assert isinstance(item, pytest.Function)
            cls = f"{item.cls.__name__}::" if item.cls else ""
            key = (item.module.__name__, cls + item.originalname)
            self.found[key] = tuple(requirement_ids(item))


def test_reading_the_source_finds_what_pytest_collects(pytester: pytest.Pytester) -> None:
    collected = _Collected()
    result = pytester.runpytest_inprocess(
        "--collect-only",
        "-q",
        "--pyargs",
        "conformance.checks",
        "-p",
        "no:cacheprovider",
        plugins=[collected],
    )
    assert result.ret == pytest.ExitCode.OK
    read = {(c.module, c.function): c.requirements for c in find_checks()}
    assert len(read) > 50
    assert read == collected.found


_SAMPLE = """
import pytest
from pytest import mark

pytestmark = [pytest.mark.slow, pytest.mark.requirement("X-001")]


@mark.requirement("X-002")
def test_module_level():
    pass


@pytest.mark.requirement("X-003")
class TestGroup:
    @pytest.mark.requirement("X-004")
    def test_in_class(self):
        pass


def test_names_nothing_itself():
    pass


def helper_not_collected():
    pass
"""


def test_markers_on_functions_classes_and_the_module_are_all_read(tmp_path: Path) -> None:
    checks_dir = tmp_path / "conformance" / "checks" / "x"
    checks_dir.mkdir(parents=True)
    (checks_dir / "test_sample.py").write_text(_SAMPLE.lstrip(), encoding="utf-8")
    found = {c.function: (c.requirements, c.location) for c in find_checks(checks_dir, tmp_path)}
    assert found == {
        "test_module_level": (("X-001", "X-002"), "conformance/checks/x/test_sample.py:8"),
        "TestGroup::test_in_class": (
            ("X-001", "X-003", "X-004"),
            "conformance/checks/x/test_sample.py:15",
        ),
        "test_names_nothing_itself": (("X-001",), "conformance/checks/x/test_sample.py:19"),
    }


def test_the_summary_names_requirements_without_a_check_and_strays(tmp_path: Path) -> None:
    (tmp_path / "test_s.py").write_text(
        "import pytest\n\n@pytest.mark.requirement('X-009')\ndef test_a():\n    pass\n\n"
        "def test_b():\n    pass\n",
        encoding="utf-8",
    )
    lines = coverage(["X-001", "X-002"], {"X-001", "X-002"}, find_checks(tmp_path, tmp_path))
    assert lines == [
        "0 checks hold 0 of 2 requirements",
        "no check holds: X-001, X-002",
        "checks naming a requirement no spec defines: test_s::test_a (test_s.py:4) names X-009",
        "tests naming no requirement (never run): test_s::test_b (test_s.py:7)",
    ]


def test_an_id_that_is_not_a_literal_is_an_error_naming_the_line(tmp_path: Path) -> None:
    (tmp_path / "test_v.py").write_text(
        "import pytest\nID = 'X-1'\n\n@pytest.mark.requirement(ID)\ndef test_a():\n    pass\n",
        encoding="utf-8",
    )
    with pytest.raises(ConformanceError, match=r"test_v\.py:4: .*string literal"):
        find_checks(tmp_path, tmp_path)
