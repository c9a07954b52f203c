"""PORT imports: read an archive line by line, decide each line, apply.

Three steps, so each rule of the draft has one place:

1. :func:`parse_archive` — every line on its own: framing, JSON, record
   schema, the manifest (pure; no storage);
2. :func:`plan_import` — lines against each other and the account: duplicate
   ids, one Profile, uploaded media bytes, references (to the same archive,
   earlier or later, or to ids an earlier import mapped), and rejection
   spreading to every line that refers to a rejected one;
3. :func:`apply_import` — new ids, remapped references, the records and
   their feed entries, the persisted id mapping.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .clock import new_id
from .port_records import (
    InvalidRecord,
    JsonObject,
    Reference,
    media_url,
    reference_targets,
    references,
    remap_references,
    validate_manifest,
    validate_record,
)
from .problems import ProblemCode
from .store import Tx


@dataclass(frozen=True)
class Rejection:
    """A rejected line: its number (from 1), a COMMON code and why."""

    line: int
    code: ProblemCode
    detail: str
    archive_id: str | None = None
    """The id the rejected line gave its record, when it gave one."""

    def to_json(self) -> dict[str, object]:
        """Render the entry of an import's ``rejected`` list."""
        return {"line": self.line, "code": self.code, "detail": self.detail}


@dataclass(frozen=True)
class ArchiveLine:
    """A line that is a valid record on its own, with the archive's ids."""

    number: int
    record: JsonObject

    @property
    def archive_id(self) -> str:
        """The id the archive gives the record."""
        return str(self.record["id"])


@dataclass
class ImportPlan:
    """What an import will add and what it rejects."""

    accepted: list[ArchiveLine]
    rejected: list[Rejection]
    prior_ids: dict[str, str] = field(default_factory=dict)
    """Archive ids that earlier imports mapped, used by this archive's references."""


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are Python extensions, not JSON.
    raise ValueError(f"{name} is not JSON")


def parse_archive(body: bytes) -> tuple[list[ArchiveLine], list[Rejection]]:
    """Split an NDJSON body into lines and check each line on its own.

    Lines are numbered from 1, counting every line of the body; the body's
    final newline starts no line, so ``b"a\\n"`` is one line and ``b"\\n"``
    is one empty line (which is rejected).
    """
    pieces = body.split(b"\n")
    if pieces[-1] == b"":
        pieces.pop()
    lines: list[ArchiveLine] = []
    rejected: list[Rejection] = []
    for number, raw in enumerate(pieces, start=1):
        value: object = None
        try:
            value = _decode_line(raw)
            if isinstance(value, dict) and value.get("type") == "Manifest":
                if number != 1:
                    raise InvalidRecord("a manifest may only be the first line")
                validate_manifest(value)
                continue
            lines.append(ArchiveLine(number, validate_record(value)))
        except InvalidRecord as exc:
            archive_id = value.get("id") if isinstance(value, dict) else None
            rejected.append(
                Rejection(
                    number,
                    exc.code,
                    str(exc),
                    archive_id if isinstance(archive_id, str) else None,
                )
            )
    return lines, rejected


def _decode_line(raw: bytes) -> object:
    if raw == b"":
        raise InvalidRecord("empty line")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRecord(f"not UTF-8: byte {exc.start + 1} of the line") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InvalidRecord(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    except (ValueError, RecursionError) as exc:
        raise InvalidRecord(f"not valid JSON: {exc}") from None


def plan_import(
    tx: Tx, account: str, lines: list[ArchiveLine], rejected: list[Rejection]
) -> ImportPlan:
    """Decide which schema-valid lines the account accepts."""
    failures: dict[int, tuple[ProblemCode, str]] = {}
    by_id = _index_lines(tx, account, lines, failures)
    # Ids of lines rejected on their own: referring to one is referring to a
    # rejected line, even if an earlier import mapped the same id.
    rejected_ids: dict[str, int] = {}
    for rejection in rejected:
        if rejection.archive_id is not None and rejection.archive_id not in by_id:
            rejected_ids.setdefault(rejection.archive_id, rejection.line)
    outside = {
        target
        for line in by_id.values()
        for target in reference_targets(line.record)
        if target not in by_id and target not in rejected_ids
    }
    prior = tx.mapped_ids(account, outside)
    referrers: dict[str, list[ArchiveLine]] = defaultdict(list)
    for line in by_id.values():
        if line.number in failures:
            continue
        for reference in references(line.record):
            target_line = by_id.get(reference.target)
            if target_line is not None:
                referrers[reference.target].append(line)
            problem = _reference_problem(tx, account, reference, target_line, rejected_ids, prior)
            if problem is not None:
                failures[line.number] = problem
                break

    _spread_rejections(by_id, referrers, failures)
    all_rejected = rejected + [Rejection(n, code, detail) for n, (code, detail) in failures.items()]
    all_rejected.sort(key=lambda rejection: rejection.line)
    accepted = [line for line in lines if line.number not in failures]
    return ImportPlan(accepted, all_rejected, prior)


def _index_lines(
    tx: Tx, account: str, lines: list[ArchiveLine], failures: dict[int, tuple[ProblemCode, str]]
) -> dict[str, ArchiveLine]:
    """Map each archive id to its first line; fail duplicates, extra Profiles, absent bytes."""
    by_id: dict[str, ArchiveLine] = {}
    profile_line: int | None = None
    for line in lines:
        first = by_id.get(line.archive_id)
        if first is not None:
            failures[line.number] = (
                "CONFLICT",
                f"duplicate id {line.archive_id!r}, first on line {first.number}",
            )
            continue
        if line.record["type"] == "Profile":
            if profile_line is not None:
                failures[line.number] = (
                    "CONFLICT",
                    f"a second Profile; an archive holds exactly one (line {profile_line})",
                )
                continue
            profile_line = line.number
        by_id[line.archive_id] = line
        if line.record["type"] == "Media":
            problem = _media_problem(tx, account, line.record)
            if problem is not None:
                failures[line.number] = problem
    return by_id


def _reference_problem(
    tx: Tx,
    account: str,
    reference: Reference,
    target_line: ArchiveLine | None,
    rejected_ids: dict[str, int],
    prior: dict[str, str],
) -> tuple[ProblemCode, str] | None:
    """Say why one reference cannot be kept, or None if it can.

    A target line of this archive that is rejected later is handled by
    :func:`_spread_rejections`; here only its type matters.
    """
    if target_line is not None:
        found_type: str | None = str(target_line.record["type"])
    elif reference.target in rejected_ids:
        return (
            "CONFLICT",
            f"refers to {reference.target!r} on line {rejected_ids[reference.target]}, "
            "which was rejected",
        )
    else:
        found_type = _prior_type(tx, account, prior.get(reference.target))
        if found_type is None:
            return (
                "NOT_FOUND",
                f"{reference.field} refers to {reference.target!r}, which is neither a "
                "record of this archive nor an id an earlier import mapped",
            )
    if found_type != reference.target_type:
        return (
            "INVALID",
            f"{reference.field} refers to {reference.target!r}, a {found_type}, "
            f"where a {reference.target_type} is expected",
        )
    return None


def _media_problem(tx: Tx, account: str, record: JsonObject) -> tuple[ProblemCode, str] | None:
    sha = str(record["sha256"]).lower()
    held = tx.media(account, sha)
    if held is None:
        return (
            "NOT_FOUND",
            f"no bytes with sha256 {sha} were uploaded with PUT /port/v1/media/{sha}",
        )
    if held.size != record["size"]:
        # Accepting it would export a Media record whose bytes do not match.
        return "INVALID", f"size is {record['size']} but the uploaded bytes are {held.size} long"
    return None


def _prior_type(tx: Tx, account: str, platform_id: str | None) -> str | None:
    # A mapped record deleted since then is gone: referring to it would
    # store a dangling reference, so it counts as not mapped.
    if platform_id is None:
        return None
    record = tx.record(account, platform_id)
    return None if record is None else str(record["type"])


def _spread_rejections(
    by_id: dict[str, ArchiveLine],
    referrers: dict[str, list[ArchiveLine]],
    failures: dict[int, tuple[ProblemCode, str]],
) -> None:
    """Reject, transitively, every line that refers to a rejected line."""
    queue = deque(line for line in by_id.values() if line.number in failures)
    while queue:
        bad = queue.popleft()
        for holder in referrers.get(bad.archive_id, []):
            if holder.number not in failures:
                failures[holder.number] = (
                    "CONFLICT",
                    f"refers to {bad.archive_id!r} on line {bad.number}, which was rejected",
                )
                queue.append(holder)


def apply_import(
    tx: Tx, account: str, plan: ImportPlan, make_id: Callable[[str], str] = new_id
) -> tuple[dict[str, int], dict[str, str]]:
    """Store the accepted lines; return (imported counts by type, id_map).

    ``make_id`` gives a fresh id for a record type (in lower case).
    """
    profiles = tx.records(account, "Profile")
    id_map: dict[str, str] = {}
    for line in plan.accepted:
        if line.record["type"] == "Profile":
            id_map[line.archive_id] = str(profiles[0]["id"])
        else:
            id_map[line.archive_id] = make_id(str(line.record["type"]).lower())
    mapping = {**plan.prior_ids, **id_map}
    imported: dict[str, int] = {}
    for line in plan.accepted:
        record = remap_references(line.record, mapping)
        record["id"] = id_map[line.archive_id]
        if record["type"] == "Media":
            record["url"] = media_url(str(record["sha256"]))
        if record["type"] == "Profile":
            tx.replace_record(account, record, reference_targets(record))
        else:
            tx.insert_record(account, record, reference_targets(record))
        imported[record["type"]] = imported.get(record["type"], 0) + 1
    tx.save_mapping(account, id_map)
    return imported, id_map
