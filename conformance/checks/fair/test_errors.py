"""FAIR-009: provoked errors are C-002 problem details, alike for every client."""

from __future__ import annotations

from typing import Any

import pytest

from conformance import Finding, Harness, Mismatch, Probe, Response, ordinary, problem_mismatches
from conformance.fair.client import ITEMS_PATH, QUOTES_PATH, roles

UNKNOWN = "{unknown}"
"""Stands for an item id that does not exist: an ordinary UUID made up for the run."""

# (label, method, path, JSON body, authenticated, statuses the draft allows)
PROVOKED: tuple[tuple[str, str, str, Any, bool, frozenset[int]], ...] = (
    ("an unknown item", "GET", f"{ITEMS_PATH}/{UNKNOWN}", None, True, frozenset({404})),
    (
        "a malformed quote",
        "POST",
        QUOTES_PATH,
        {"item_id": 7, "quantity": "many"},
        True,
        frozenset({400, 422}),
    ),
    ("no token", "GET", ITEMS_PATH, None, False, frozenset({401})),
)


@pytest.mark.requirement("FAIR-009")
def test_errors_are_problem_details_alike_for_every_client(probe: Probe, harness: Harness) -> None:
    """404, 400/422 and 401 as each client: problem+json with a code, the same as first_party's."""
    mismatches: list[Mismatch] = []
    unknown = ordinary(harness.seed, "FAIR-009").uuid()
    for label, method, template, body, authenticated, allowed in PROVOKED:
        path = template.replace(UNKNOWN, unknown)
        answers: dict[str, Response] = {}
        for role in roles():
            answers[role.client] = probe.request(
                method,
                path,
                role=role if authenticated else None,
                client=None if authenticated else role.client,
                json_body=body,
                validate=False,
            )
        base = answers["first_party"]
        for client, answer in answers.items():
            where = f"{label} as {client} ({answer.exchange})"
            if answer.status not in allowed:
                mismatches.append(
                    Mismatch(
                        f"{where} status", " or ".join(map(str, sorted(allowed))), answer.status
                    )
                )
            mismatches += problem_mismatches(f"{label} as {client}", answer)
            if (answer.status, _code(answer)) != (base.status, _code(base)):
                mismatches.append(
                    Mismatch(
                        f"{where} status and code",
                        (base.status, _code(base)),
                        (answer.status, _code(answer)),
                        "what first_party got",
                    )
                )
    if mismatches:
        raise Finding(
            "errors are not C-002 problem details alike for every client", mismatches=mismatches
        )


def _code(response: Response) -> Any:
    try:
        body = response.json()
    except Finding:
        return None
    return body.get("code") if isinstance(body, dict) else None
