"""FAIR-007 (browser): CORS treats every client's origin as it treats the platform's own."""

from __future__ import annotations

import pytest

from conformance import Finding, Mismatch, Probe, Response, not_applicable
from conformance.fair.client import ITEMS_PATH, QUOTES_PATH, roles
from conformance.fair.rules import CLASSES

_PREFLIGHTS = (("GET", ITEMS_PATH), ("POST", QUOTES_PATH))


def _tokens(value: str | None) -> frozenset[str]:
    return frozenset(t.strip().lower() for t in (value or "").split(",") if t.strip())


def _allows(response: Response, origin: str) -> bool:
    return response.headers.get("Access-Control-Allow-Origin", "").strip() in (origin, "*")


@pytest.mark.requirement("FAIR-007")
def test_cors_allows_every_clients_origin_alike(probe: Probe) -> None:
    """Preflights and actual responses: same methods, headers and allowed origin as first_party."""
    origins = {c: probe.target.clients.get(c, {}).get("Origin") for c in CLASSES}
    if not origins["first_party"] or not any(origins[c] for c in CLASSES[1:]):
        not_applicable("the target gives first_party and no other client an Origin")
    mismatches: list[Mismatch] = []
    for method, path in _PREFLIGHTS:
        asked = {
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type",
        }
        answers = {
            c: probe.request("OPTIONS", path, client=c, headers=asked, validate=False)
            for c in CLASSES
            if origins[c]
        }
        base = answers["first_party"]
        for client, answer in answers.items():
            origin = str(origins[client])
            where = f"OPTIONS {path} from {origin} ({answer.exchange})"
            if answer.status != base.status:
                mismatches.append(Mismatch(f"{where} status", base.status, answer.status))
            if _allows(base, str(origins["first_party"])) and not _allows(answer, origin):
                mismatches.append(
                    Mismatch(
                        f"{where} Access-Control-Allow-Origin",
                        f"{origin} or *",
                        answer.headers.get("Access-Control-Allow-Origin"),
                    )
                )
            for header in ("Access-Control-Allow-Methods", "Access-Control-Allow-Headers"):
                if _tokens(answer.headers.get(header)) != _tokens(base.headers.get(header)):
                    mismatches.append(
                        Mismatch(
                            f"{where} {header}",
                            base.headers.get(header),
                            answer.headers.get(header),
                            "as for first_party",
                        )
                    )
    actual = {
        r.client: probe.get(ITEMS_PATH, role=r, params={"limit": "1"}, validate=False)
        for r in roles()
        if origins[r.client]
    }
    if _allows(actual["first_party"], str(origins["first_party"])):
        for client, answer in actual.items():
            if not _allows(answer, str(origins[client])):
                mismatches.append(
                    Mismatch(
                        f"GET {ITEMS_PATH} from {origins[client]} ({answer.exchange}) "
                        "Access-Control-Allow-Origin",
                        f"{origins[client]} or *",
                        answer.headers.get("Access-Control-Allow-Origin"),
                        "as first_party's origin gets",
                    )
                )
    if mismatches:
        raise Finding(
            "CORS does not treat third parties' origins like the platform's own",
            mismatches=mismatches,
        )
