"""PORT-010 and PORT-016: partial imports, and a content-addressed media store."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import pytest
from hypothesis import strategies as st

from conformance.errors import Finding, Mismatch
from conformance.examples import Examples
from conformance.port.archive import serialize
from conformance.port.client import PortClient
from conformance.port.invalid_lines import invalid_lines
from conformance.port.roundtrip import cleanup
from conformance.port.strategies import GeneratedArchive, archives
from conformance.problems import problem_codes
from conformance.roles import ALICE


@pytest.mark.requirement("PORT-010")
def test_partially_invalid_import_keeps_valid_lines_and_names_invalid_ones(
    port: PortClient, examples: Examples
) -> None:
    """Invalid lines interleaved with valid ones: all valid imported, each invalid named by line."""

    @examples.given(
        archives(min_records=1, max_records=40, with_profile=False),
        st.lists(invalid_lines(), min_size=1, max_size=6),
        st.randoms(use_true_random=False),
    )
    def partial(generated: GeneratedArchive, bad: list[tuple[bytes, str]], rnd: object) -> None:
        valid = serialize(generated.records, with_manifest=False).split(b"\n")[:-1]
        lines: list[tuple[bytes, str | None]] = [(v, None) for v in valid]
        for raw, why in bad:
            lines.insert(rnd.randrange(len(lines) + 1), (raw, why))  # type: ignore[attr-defined]
        body = b"\n".join(raw for raw, _ in lines) + b"\n"
        expected_bad = {n: why for n, (_, why) in enumerate(lines, 1) if why is not None}
        port.put_media(ALICE, generated.media)
        job = port.import_archive(ALICE, body)
        id_map = job.get("id_map") or {}
        cleanup(port, ALICE, generated.records, id_map)
        rejected: dict[int, Any] = {
            r["line"]: r
            for r in job.get("rejected") or []
            if isinstance(r, dict) and isinstance(r.get("line"), int)
        }
        mismatches = []
        for n, why in expected_bad.items():
            if n not in rejected:
                mismatches.append(Mismatch(f"line {n}", "rejected", "not rejected", why))
            elif rejected[n].get("code") not in problem_codes():
                mismatches.append(
                    Mismatch(f"line {n} code", "a COMMON C-002 code", rejected[n].get("code"))
                )
        for n in sorted(set(rejected) - set(expected_bad)):
            mismatches.append(Mismatch(f"line {n}", "imported (a valid record)", rejected[n]))
        missing = [r["id"] for r in generated.records if r["id"] not in id_map]
        if missing:
            mismatches.append(
                Mismatch("id_map", "every valid record mapped", f"missing {missing[:5]}")
            )
        if mismatches:
            raise Finding(
                "a partially invalid import was not handled line by line", mismatches=mismatches
            )

    partial()


@pytest.mark.requirement("PORT-016")
def test_media_store_is_content_addressed(port: PortClient) -> None:
    """A PUT whose bytes do not hash to the path is refused and stores nothing; repeats are harmless.

    "Stores nothing" is observed through the standard's own operations: a
    Media record naming either digest must then be rejected by an import.
    """
    probe = port.probe
    claimed, sent, good = secrets.token_bytes(32), secrets.token_bytes(33), secrets.token_bytes(48)
    claimed_sha, sent_sha, good_sha = (hashlib.sha256(b).hexdigest() for b in (claimed, sent, good))
    refused = probe.put(
        f"/port/v1/media/{claimed_sha}",
        role=ALICE,
        content=sent,
        content_type="application/octet-stream",
    )
    mismatches: list[Mismatch] = []
    if refused.status not in (400, 422):
        mismatches.append(
            Mismatch(
                f"PUT with bytes of another hash ({refused.exchange})", "400 or 422", refused.status
            )
        )
    elif refused.json().get("code") != "INVALID":
        mismatches.append(
            Mismatch(
                f"PUT with bytes of another hash ({refused.exchange}) $.code",
                "INVALID",
                refused.json().get("code"),
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
        _media("claimed", claimed_sha, len(sent)),
        _media("sent", sent_sha, len(sent)),
        _media("good", good_sha, len(good)),
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
    if 3 in rejected or "good" not in id_map:
        mismatches.append(
            Mismatch("import of a Media record for bytes PUT twice", "imported", "rejected")
        )
    if mismatches:
        raise Finding("the media store is not content-addressed", mismatches=mismatches)


def _media(name: str, sha: str, size: int) -> dict[str, object]:
    stamp = "2024-01-02T03:04:05Z"
    return {
        "type": "Media",
        "id": name,
        "created_at": stamp,
        "updated_at": stamp,
        "media_type": "application/octet-stream",
        "size": size,
        "sha256": sha,
        "filename": f"{name}.bin",
        "url": "ignored",
    }
