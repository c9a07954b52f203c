"""C-002 and C-004 as PORT provokes them: problem details, rate-limit headers."""

from __future__ import annotations

import pytest

from conformance import (
    ALICE,
    BOB,
    Finding,
    Harness,
    Mismatch,
    Response,
    Role,
    ordinary,
    origin_of,
    problem_mismatches,
    valid_pair,
)
from conformance.port.client import PortClient

from .conftest import Baseline


@pytest.mark.requirement("C-002")
def test_provoked_errors_are_problem_details(
    port: PortClient, baseline: Baseline, harness: Harness
) -> None:
    """401, 404, 409, 400/422 and 416 answers carry RFC 9457 bodies with a C-002 code."""
    probe = port.probe
    made = ordinary(harness.seed, "C-002", "PORT")  # a token and an id no one issued
    archive = baseline.export.archive
    profile = next(
        (r for r in (archive.records if archive else []) if r.get("type") == "Profile"), None
    )
    provoked: list[tuple[str, Response]] = [
        ("no credentials", probe.get("/port/v1/exports", validate=False)),
        (
            "a token nobody issued",
            probe.get(
                "/port/v1/exports",
                validate=False,
                headers={"Authorization": f"Bearer {made.token()}"},
            ),
        ),
        (
            "an unknown export",
            probe.get(f"/port/v1/exports/{made.uuid()}", role=ALICE, validate=False),
        ),
        ("another user's export", probe.get(baseline.export.location, role=BOB, validate=False)),
        (
            "media bytes that do not match",
            probe.put(
                f"/port/v1/media/{made.data(32).hex()}",  # a digest no bytes below have
                role=ALICE,
                content=made.data(17),
                content_type="application/octet-stream",
                validate=False,
            ),
        ),
    ]
    if profile is not None:
        provoked.append(("deleting the Profile", port.delete_record(ALICE, str(profile.get("id")))))
    part = baseline.export.parts[0] if baseline.export.parts else None
    if part is not None and part.status == 200 and origin_of(part.url) == probe.target.origin:
        provoked.append(
            (
                "a byte range past the end of a part",
                probe.get(
                    part.url, role=ALICE, headers={"Range": f"bytes={part.size}-"}, validate=False
                ),
            )
        )
    mismatches = [m for label, response in provoked for m in problem_mismatches(label, response)]
    if mismatches:
        raise Finding(
            "error responses are not RFC 9457 problem details with a C-002 code",
            mismatches=mismatches,
        )


@pytest.mark.requirement("C-004")
def test_authenticated_responses_state_rate_limits(port: PortClient) -> None:
    """RateLimit-Policy and RateLimit on authenticated answers (draft-07 or structured syntax)."""
    mismatches = []
    roles: tuple[Role, ...] = (ALICE, BOB)
    for role in roles:
        for path in ("/port/v1/exports", "/port/v1/changes?limit=1"):
            response = port.probe.get(path, role=role, validate=False)
            policy, state = (
                response.headers.get("RateLimit-Policy"),
                response.headers.get("RateLimit"),
            )
            if not valid_pair(policy, state):
                mismatches.append(
                    Mismatch(
                        f"GET {path} as {role} ({response.exchange})",
                        "RateLimit-Policy and RateLimit headers",
                        {"RateLimit-Policy": policy, "RateLimit": state},
                    )
                )
    if mismatches:
        raise Finding(
            "authenticated responses do not state their rate limits", mismatches=mismatches
        )
