"""COMMON C-002 problem details: the codes, read from COMMON's spec, and the check of a body."""

from __future__ import annotations

from functools import cache

from conformance.catalogue import Catalogue
from conformance.errors import Finding, Mismatch
from conformance.probe import Response


@cache
def problem_codes() -> frozenset[str]:
    """The codes C-002 allows, as COMMON's ``Problem`` schema enumerates them."""
    schema = Catalogue.load().spec("COMMON").document["components"]["schemas"]["Problem"]
    return frozenset(schema["properties"]["code"]["enum"])


def problem_mismatches(label: str, response: Response) -> list[Mismatch]:
    """What keeps an error response from being a C-002 problem body (empty when it is one)."""
    where = f"{label} ({response.exchange}, {response.status})"
    if response.status < 400:
        return [Mismatch(where, "an error status", response.status)]
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
        Mismatch(f"{where} $.{key}", "a string", body.get(key))
        for key in ("type", "title")
        if not isinstance(body.get(key), str)
    ]
    if body.get("status") != response.status:
        out.append(Mismatch(f"{where} $.status", response.status, body.get("status")))
    if body.get("code") not in problem_codes():
        out.append(Mismatch(f"{where} $.code", "a C-002 code", body.get("code")))
    return out
