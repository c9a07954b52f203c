"""FAIR-009: provoked errors are C-002 problem details, alike for every client."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.errors import Finding, Mismatch
from conformance.fair.client import ITEMS_PATH, QUOTES_PATH, roles
from conformance.probe import Probe, Response

CODES = frozenset(
    {
        "INVALID",
        "UNAUTHENTICATED",
        "DENIED",
        "NOT_FOUND",
        "UNSUPPORTED",
        "TOO_MANY_REQUESTS",
        "CONFLICT",
        "GONE",
        "TOO_LARGE",
        "INTERNAL",
        "UNAVAILABLE",
    }
)
# (label, method, path, JSON body, authenticated, statuses the draft allows)
PROVOKED: tuple[tuple[str, str, str, Any, bool, frozenset[int]], ...] = (
    ("an unknown item", "GET", f"{ITEMS_PATH}/conformance-unknown-0", None, True, frozenset({404})),
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
def test_errors_are_problem_details_alike_for_every_client(probe: Probe) -> None:
    """404, 400/422 and 401 as each client: problem+json with a code, the same as first_party's."""
    mismatches: list[Mismatch] = []
    for label, method, path, body, authenticated, allowed in PROVOKED:
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
            mismatches += problem_mismatches(where, answer)
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


def problem_mismatches(where: str, response: Response) -> list[Mismatch]:
    """What keeps an error answer from being a C-002 problem body."""
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media_type != "application/problem+json":
        return [Mismatch(f"{where} Content-Type", "application/problem+json", media_type)]
    try:
        body = response.json()
    except Finding as exc:
        return [Mismatch(f"{where} body", "a JSON object", exc.message)]
    if not isinstance(body, dict):
        return [Mismatch(f"{where} body", "a JSON object", type(body).__name__)]
    out = [
        Mismatch(f"{where} $.{k}", "a string", body.get(k))
        for k in ("type", "title")
        if not isinstance(body.get(k), str)
    ]
    if body.get("status") != response.status:
        out.append(Mismatch(f"{where} $.status", response.status, body.get("status")))
    if body.get("code") not in CODES:
        out.append(Mismatch(f"{where} $.code", "a C-002 code", body.get("code")))
    return out
