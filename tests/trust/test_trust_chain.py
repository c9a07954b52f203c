"""The evidence hash chain names the line that was changed, removed, added, duplicated or moved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance._harness.evidence import (
    GENESIS,
    Body,
    ChainBroken,
    EvidenceLog,
    Record,
    verify_chain,
)
from conformance._harness.secrets import Redactor

LINES = 6


def _log(path: Path) -> EvidenceLog:
    log = EvidenceLog(path, Redactor())
    for n in range(1, LINES + 1):
        log.write(
            Record(
                id=log.new_id(),
                check="check",
                requirement="C-001",
                role=None,
                method="GET",
                url=f"http://127.0.0.1:1/{n}",
                request_headers={},
                request_body=Body.of(b""),
                started_at="2026-01-01T00:00:00Z",
                status=200,
                response_body=Body.of(f"body {n}".encode()),
            )
        )
    log.close()
    return log


@pytest.fixture
def chain(tmp_path: Path) -> tuple[Path, EvidenceLog]:
    path = tmp_path / "evidence.jsonl"
    return path, _log(path)


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def _write(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def _broken_at(path: Path, log: EvidenceLog) -> int:
    with pytest.raises(ChainBroken) as caught:
        verify_chain(path, log.head, log.records)
    return caught.value.line


def test_an_intact_chain_gives_its_length_head_and_ids(chain: tuple[Path, EvidenceLog]) -> None:
    path, log = chain
    found = verify_chain(path, log.head, log.records)
    assert (found.records, found.head) == (LINES, log.head)
    assert found.ids == tuple(f"ex-{n:06d}" for n in range(1, LINES + 1))
    assert log.head != GENESIS


@pytest.mark.parametrize("line", range(1, LINES + 1))
def test_a_changed_line_is_named_itself_not_the_line_after(
    line: int, chain: tuple[Path, EvidenceLog]
) -> None:
    path, log = chain
    lines = _lines(path)
    lines[line - 1] = lines[line - 1].replace(b'"GET"', b'"PUT"')
    _write(path, lines)
    assert _broken_at(path, log) == line


@pytest.mark.parametrize("line", range(1, LINES + 1))
def test_a_changed_prev_is_named_at_its_line(line: int, chain: tuple[Path, EvidenceLog]) -> None:
    path, log = chain
    lines = _lines(path)
    record = json.loads(lines[line - 1])
    record["prev"] = "f" * 64
    lines[line - 1] = json.dumps(record, ensure_ascii=False).encode()
    _write(path, lines)
    assert _broken_at(path, log) == line


@pytest.mark.parametrize(
    ("edit", "line", "says"),
    [
        (lambda ls: [*ls[:2], *ls[3:]], 3, "removed"),
        (lambda ls: ls[:-1], LINES, "removed from its end"),
        (lambda ls: [*ls[:3], ls[2], *ls[3:]], 4, "duplicated"),
        (lambda ls: [*ls[:1], ls[2], ls[1], *ls[3:]], 2, "moved"),
        (lambda ls: [*ls, ls[-1]], LINES + 1, "added"),
        (lambda ls: [ls[0].replace(b'"n": 1', b'"n": 0'), *ls], 1, "added"),
    ],
    ids=["removed", "last removed", "duplicated", "reordered", "appended", "prepended"],
)
def test_removed_added_duplicated_and_moved_records_are_named(
    edit: object, line: int, says: str, chain: tuple[Path, EvidenceLog]
) -> None:
    path, log = chain
    assert callable(edit)
    _write(path, edit(_lines(path)))
    with pytest.raises(ChainBroken) as caught:
        verify_chain(path, log.head, log.records)
    assert caught.value.line == line
    assert says in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_a_line_that_is_not_json_is_named(chain: tuple[Path, EvidenceLog]) -> None:
    path, log = chain
    lines = _lines(path)
    lines[3] = lines[3][:-5]
    _write(path, lines)
    assert _broken_at(path, log) == 4
