"""PORT-010 and PORT-016: partial imports, and a content-addressed media store."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

import pytest
from hypothesis import strategies as st

from conformance import (
    ALICE,
    Examples,
    Finding,
    Harness,
    Mismatch,
    Ordinary,
    ordinary,
    problem_body,
    problem_codes,
    unreadable,
)
from conformance.port.archive import serialize
from conformance.port.client import PortClient
from conformance.port.invalid_lines import invalid_lines
from conformance.port.properties import run_property
from conformance.port.roundtrip import cleanup
from conformance.port.strategies import GeneratedArchive, archives


@pytest.mark.requirement("PORT-010")
def test_partially_invalid_import_keeps_valid_lines_and_names_invalid_ones(
    port: PortClient, examples: Examples, harness: Harness
) -> None:
    """Invalid lines among valid ones, and lines referring to them: valid imported, each other named."""
    judged: list[int] = []

    def partial(
        generated: GeneratedArchive, bad: list[tuple[bytes, str]], rnd: random.Random
    ) -> None:
        valid = serialize(generated.records, with_manifest=False).split(b"\n")[:-1]
        lines: list[tuple[bytes, str | None]] = [(v, None) for v in valid]
        for raw, why in [*bad, *_dependents(bad, rnd)]:
            lines.insert(rnd.randrange(len(lines) + 1), (raw, why))
        port.put_media(ALICE, generated.media)
        judged.append(_judge_import(port, lines, generated.records))

    run_property(
        examples,
        (
            archives(min_records=1, max_records=20, with_profile=False),
            st.lists(invalid_lines(), min_size=1, max_size=6),
            st.randoms(use_true_random=False),
        ),
        partial,
        time_left=port.probe.remaining,
        describe=lambda generated, bad, _: (
            f"{len(generated.records)} valid record(s) and {len(bad)} invalid line(s): "
            + "; ".join(why for _, why in bad)
        ),
    )
    harness.verified(
        f"{len(judged)} import(s) mixing valid and invalid lines: {sum(judged)} line(s) "
        "rejected, each named by its number with a C-002 code; every valid line imported"
    )


@pytest.mark.requirement("PORT-010")
def test_rejections_name_lines_as_the_body_numbers_them(port: PortClient, harness: Harness) -> None:
    """Empty and blank lines count, numbering starts at 1, and lines referring to a rejected line go too."""
    made = ordinary(harness.seed, "PORT-010")  # ids and texts as a user's, new each run
    good = {name: _post(made) for name in ("p1", "p4", "p5", "p6", "p8")}
    good["p4"]["in_reply_to"] = good["p1"]["id"]  # backward, to a valid line
    good["p5"]["in_reply_to"] = good["p6"]["id"]  # forward, to a valid line
    missing_bytes = made.data(40)
    media = _media(made, hashlib.sha256(missing_bytes).hexdigest(), len(missing_bytes))
    orphan = _post(made) | {"media_ids": [media["id"]]}
    chained = _post(made) | {"in_reply_to": orphan["id"]}
    dangling = _post(made) | {"in_reply_to": made.id()}  # an id no line and no import has

    def line(record: dict[str, object]) -> bytes:
        return serialize([record], with_manifest=False).rstrip(b"\n")

    lines: list[tuple[bytes, str | None]] = [
        (serialize([], with_manifest=True).rstrip(b"\n"), None),
        (line(good["p1"]), None),
        (b"", "an empty line"),
        (line(good["p4"]), None),
        (line(media), "Media whose bytes were never uploaded"),
        (line(orphan), "refers to the rejected Media line"),
        (line(chained), "refers to a line that refers to a rejected line"),
        (b"   ", "a blank line"),
        (line(good["p5"]), None),
        (line(good["p6"]), None),
        (b"{", "not JSON"),
        (line(dangling), "refers to an id no line and no earlier import has"),
        (line(good["p8"]), None),
    ]
    rejected = _judge_import(port, lines, list(good.values()))
    harness.verified(
        f"a body of {len(lines)} lines (an empty and a blank one among them): the {rejected} "
        "invalid lines and those referring to them rejected by their numbers from 1, the "
        "others imported"
    )


def _judge_import(
    port: PortClient, lines: list[tuple[bytes, str | None]], records: list[dict[str, Any]]
) -> int:
    """Import the lines; every line with a reason must be rejected by number, every other kept."""
    body = b"\n".join(raw for raw, _ in lines) + b"\n"
    expected_bad = {n: why for n, (_, why) in enumerate(lines, 1) if why is not None}
    job = port.import_archive(ALICE, body)
    id_map = job.get("id_map") or {}
    cleanup(port, ALICE, records, id_map)
    reported = [r for r in job.get("rejected") or [] if isinstance(r, dict)]
    rejected: dict[int, list[Any]] = {}
    for entry in reported:
        if isinstance(entry.get("line"), int):
            rejected.setdefault(entry["line"], []).append(entry)
    mismatches = []
    for n, why in expected_bad.items():
        codes = [r.get("code") for r in rejected.get(n, [])]
        if not codes:
            mismatches.append(Mismatch(f"line {n}", "rejected", "not rejected", why))
        elif any(code not in problem_codes() for code in codes):
            mismatches.append(Mismatch(f"line {n} code", "a COMMON C-002 code", codes))
    for n in sorted(set(rejected) - set(expected_bad)):
        mismatches.append(
            Mismatch(
                f"line {n}",
                "imported (a valid line, and no rejected line is named by this number)",
                rejected[n],
            )
        )
    unnumbered = [r for r in reported if not isinstance(r.get("line"), int)]
    if unnumbered:
        mismatches.append(
            Mismatch("$.rejected", "each rejected line named by its number", unnumbered[:5])
        )
    missing = [r["id"] for r in records if r["id"] not in id_map]
    if missing:
        mismatches.append(Mismatch("id_map", "every valid record mapped", f"missing {missing[:5]}"))
    if mismatches:
        raise Finding(
            "a partially invalid import was not handled line by line", mismatches=mismatches
        )
    return len(expected_bad)


def _post(made: Ordinary) -> dict[str, Any]:
    """A valid Post as a user writes one: its id, text and time made up for the run."""
    stamp = made.timestamp()
    return {
        "type": "Post",
        "id": made.id(),
        "created_at": stamp,
        "updated_at": stamp,
        "content": made.sentence(),
        "visibility": "public",
        "media_ids": [],
        "in_reply_to": None,
    }


def _dependents(bad: list[tuple[bytes, str]], rnd: random.Random) -> list[tuple[bytes, str]]:
    """Valid-looking Posts that refer to invalid lines (and chains of them): rejected too."""
    out: list[tuple[bytes, str]] = []
    for raw, _ in bad:
        try:
            parsed = json.loads(raw)
        except ValueError:
            continue
        target = parsed.get("id") if isinstance(parsed, dict) else None
        if not isinstance(target, str) or rnd.random() < 0.3:
            continue
        head = _post(Ordinary(rnd))
        if parsed.get("type") == "Media":
            head["media_ids"] = [target]
        else:
            head["in_reply_to"] = target
        out.append(
            (serialize([head], with_manifest=False).rstrip(b"\n"), "refers to a rejected line")
        )
        if rnd.random() < 0.5:
            tail = _post(Ordinary(rnd)) | {"in_reply_to": head["id"]}
            out.append(
                (
                    serialize([tail], with_manifest=False).rstrip(b"\n"),
                    "refers to a line that refers to a rejected line",
                )
            )
    return out


@pytest.mark.requirement("PORT-016")
def test_media_store_is_content_addressed(port: PortClient, harness: Harness) -> None:
    """A PUT whose bytes do not hash to the path is refused and stores nothing; repeats are harmless.

    "Stores nothing" is observed through the standard's own operations: a
    Media record naming either digest must then be rejected by an import.
    """
    probe = port.probe
    made = ordinary(harness.seed, "PORT-016")
    claimed, sent, good = made.data(32), made.data(33), made.data(48)
    claimed_sha, sent_sha, good_sha = (hashlib.sha256(b).hexdigest() for b in (claimed, sent, good))
    refused = probe.put(
        f"/port/v1/media/{claimed_sha}",
        role=ALICE,
        content=sent,
        content_type="application/octet-stream",
    )
    mismatches: list[Mismatch] = []
    problem = problem_body(refused)  # None: not a problem body, charged to C-002
    if refused.status not in (400, 422):
        mismatches.append(
            Mismatch(
                f"PUT with bytes of another hash ({refused.exchange})", "400 or 422", refused.status
            )
        )
    elif problem is not None and problem.get("code") != "INVALID":
        mismatches.append(
            Mismatch(
                f"PUT with bytes of another hash ({refused.exchange}) $.code",
                "INVALID",
                problem.get("code"),
            )
        )
    for attempt in (1, 2):
        response = probe.put(
            f"/port/v1/media/{good_sha}",
            role=ALICE,
            content=good,
            content_type="application/octet-stream",
        )
        if response.status not in (200, 201):
            mismatches.append(
                Mismatch(
                    f"PUT #{attempt} of the same bytes ({response.exchange})",
                    "200 or 201",
                    response.status,
                )
            )
    records = [
        _media(made, claimed_sha, len(sent)),
        _media(made, sent_sha, len(sent)),
        _media(made, good_sha, len(good)),
    ]
    job = port.import_archive(ALICE, serialize(records, with_manifest=False))
    id_map = job.get("id_map") or {}
    cleanup(port, ALICE, records, id_map)
    rejected = {r.get("line") for r in job.get("rejected") or [] if isinstance(r, dict)}
    for line, name in ((1, "claimed"), (2, "sent")):
        if line not in rejected:
            mismatches.append(
                Mismatch(
                    f"import of a Media record naming the {name} digest",
                    "rejected",
                    "imported",
                    "the refused PUT stored bytes",
                )
            )
    if 3 in rejected or records[2]["id"] not in id_map:
        mismatches.append(
            Mismatch("import of a Media record for bytes PUT twice", "imported", "rejected")
        )
    if mismatches:
        raise Finding("the media store is not content-addressed", mismatches=mismatches)
    if problem is None:
        unreadable(refused, "code (PORT-016 requires INVALID)")


def _media(made: Ordinary, sha: str, size: int) -> dict[str, object]:
    """A Media record as a user's: its id, file name and time made up for the run."""
    stamp = made.timestamp()
    return {
        "type": "Media",
        "id": made.id(),
        "created_at": stamp,
        "updated_at": stamp,
        "media_type": "application/octet-stream",
        "size": size,
        "sha256": sha,
        "filename": f"{made.slug()}.bin",
        "url": f"/media/{made.id()}",
    }
