"""C-002 as FAIR, LINK, DISC and CLOUD provoke it: errors are problem details with a C-002 code.

PORT's errors are provoked in ``checks/port/test_errors.py`` (they need its
baseline export). Besides these, every error answer any check provokes is
held to C-002 by the probe and charged here when it breaks it. CLOUD is
probed through its switching API only, when that profile is claimed.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance import (
    ALICE,
    Finding,
    Harness,
    Mismatch,
    Probe,
    not_applicable,
    ordinary,
    problem_mismatches,
)

UNKNOWN = "{unknown}"
"""Stands for an id no resource has: an ordinary UUID made up for the run (no fixed marker)."""

# standard → (label, method, operationId, path parameters, JSON body, authenticated);
# paths come from the catalogue, so this check names no other standard's module
PROVOKED: dict[str, tuple[tuple[str, str, str, dict[str, str], Any, bool], ...]] = {
    "FAIR": (
        ("an unknown item", "GET", "getItem", {"id": UNKNOWN}, None, True),
        ("a malformed quote", "POST", "createQuote", {}, {"item_id": 7, "quantity": "many"}, True),
        ("no token", "GET", "listItems", {}, None, False),
    ),
    "LINK": (
        ("an unknown message", "GET", "getMessage", {"id": UNKNOWN}, None, True),
        ("a malformed resolve request", "POST", "resolveLink", {}, {"url": 7}, True),
        ("no token", "POST", "resolveLink", {}, {"url": "https://example.org/"}, False),
    ),
    "DISC": (
        (
            "an unknown disclosure version",
            "GET",
            "getDisclosureVersion",
            {"version": UNKNOWN},
            None,
            False,
        ),
        ("an unknown decision", "GET", "getExplanation", {"id": UNKNOWN}, None, True),
        ("a malformed pay quote", "POST", "createPayQuote", {}, {"distance_m": "far"}, True),
        ("no token", "GET", "listDecisions", {}, None, False),
    ),
    "CLOUD": (
        ("an unknown switch-export", "GET", "getSwitchExport", {"exportId": UNKNOWN}, None, True),
        ("no token", "GET", "listInventory", {}, None, False),
    ),
}
# A standard whose operations above belong to one profile: probed only when it is
# claimed (CLOUD's s3 and oci surfaces answer in their own protocols, not C-002's).
PROFILE: dict[str, str] = {"CLOUD": "switching"}


@pytest.mark.requirement("C-002")
def test_errors_of_every_claimed_standard_are_problem_details(
    probe: Probe, harness: Harness
) -> None:
    """404, 400/422 and 401 of FAIR, LINK, DISC and CLOUD (as claimed) carry C-002 problem bodies."""
    profiles = harness.claims().profiles
    claimed = [
        s for s in PROVOKED if s in profiles and (s not in PROFILE or PROFILE[s] in profiles[s])
    ]
    if not claimed:
        not_applicable(
            "the platform claims none of FAIR, LINK, DISC and CLOUD switching, "
            "through which it probes"
        )
    mismatches: list[Mismatch] = []
    errors = 0
    unknown = ordinary(harness.seed, "C-002").uuid()
    for standard in claimed:
        spec = harness.catalogue.spec(standard)
        for label, method, operation, params, body, authenticated in PROVOKED[standard]:
            filled = {k: unknown if v == UNKNOWN else v for k, v in params.items()}
            path = spec.path_of(operation, **filled)
            answer = probe.request(
                method, path, role=ALICE if authenticated else None, json_body=body, validate=False
            )
            if answer.status < 400:
                continue  # not an error: what the status should be is the standard's business
            errors += 1
            mismatches += problem_mismatches(f"{standard}: {label} ({method} {path})", answer)
    if mismatches:
        raise Finding(
            "error responses are not RFC 9457 problem details with a C-002 code",
            mismatches=mismatches,
        )
    if not errors:
        not_applicable(f"no request provoked an error on {', '.join(claimed)}")
    harness.verified(
        f"{errors} error answer(s) provoked on {', '.join(claimed)} are problem details "
        "with a C-002 code"
    )
