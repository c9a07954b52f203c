"""COMMON C-002 problem details: the one check of an error body.

The probe runs it on every error answer the suite provokes (HEAD excepted)
and charges what it finds to C-002, whichever check provoked the error; the
C-002 checks and FAIR-009 run it on the errors they provoke on purpose. It
holds a body to COMMON's ``Problem`` schema (``type``, ``title``, ``status``
and a ``code`` from C-002's list, read from the spec), to RFC 9457 (``type``
a URI reference, ``status`` the status of the response carrying it) and to
the media type, whose parameters (``charset``) never matter. An
``about:blank`` problem may have any title.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from typing import Any, NoReturn, Protocol

from jsonschema import Draft202012Validator

from conformance._harness import bounded_json
from conformance._harness.catalogue import Catalogue
from conformance._harness.checking import prerequisite_failed
from conformance._harness.errors import Mismatch, json_path
from conformance._harness.schemas import schema_rows
from conformance._harness.validation import media_type

PROBLEM_MEDIA_TYPE = "application/problem+json"
# RFC 3986 URI-reference: only these characters, and "%" always followed by two hex digits.
_URI_REFERENCE = re.compile(r"([A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")


class Answer(Protocol):
    """What the check needs of a response (``conformance._harness.probe.Response`` has it)."""

    @property
    def exchange(self) -> str:
        """The evidence record of the exchange."""

    @property
    def status(self) -> int:
        """The HTTP status."""

    @property
    def headers(self) -> Mapping[str, str]:
        """The response headers (case-insensitive)."""

    @property
    def content(self) -> bytes:
        """The body."""


@cache
def _problem_schema() -> dict[str, Any]:
    schema: dict[str, Any] = (
        Catalogue.load().spec("COMMON").document["components"]["schemas"]["Problem"]
    )
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(_problem_schema())


@cache
def problem_codes() -> frozenset[str]:
    """The codes C-002 allows, as COMMON's ``Problem`` schema enumerates them."""
    return frozenset(_problem_schema()["properties"]["code"]["enum"])


def problem_defects(status: int, headers: Mapping[str, str], body: bytes) -> list[Mismatch]:
    """What keeps one error answer from being a C-002 problem (empty when it is one).

    Paths are relative to the answer: ``Content-Type``, ``body``, ``$.code``.
    """
    raw_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    parsed = media_type(raw_type)
    if parsed is None or parsed.essence != PROBLEM_MEDIA_TYPE:
        return [
            Mismatch(
                "Content-Type",
                PROBLEM_MEDIA_TYPE,
                raw_type,
                "an error answer carries a problem body (RFC 9457); a charset or other "
                "parameter would be fine",
            )
        ]
    try:
        body_value = bounded_json.loads(body)
    except bounded_json.JsonTooLarge:
        return []  # not judged: parsing it would cost more memory than a run may use
    except (UnicodeDecodeError, ValueError) as exc:
        return [Mismatch("body", "a JSON object (RFC 9457)", body[:80], f"not JSON: {exc}")]
    if not isinstance(body_value, dict):
        return [Mismatch("body", "a JSON object (RFC 9457)", type(body_value).__name__)]
    errors = sorted(_validator().iter_errors(body_value), key=lambda e: str(e.message))
    out = [
        Mismatch(
            json_path(list(e.absolute_path)),
            "one of C-002's codes: " + ", ".join(map(str, e.validator_value)),
            e.instance,
        )
        for e in errors
        if e.validator == "enum"
    ]
    out += schema_rows(e for e in errors if e.validator != "enum")
    problem_type = body_value.get("type")
    if isinstance(problem_type, str) and not _URI_REFERENCE.fullmatch(problem_type):
        out.append(Mismatch("$.type", "a URI reference (RFC 9457 §3.1.1)", problem_type))
    if isinstance(body_value.get("status"), int) and body_value["status"] != status:
        out.append(
            Mismatch(
                "$.status",
                status,
                body_value["status"],
                "the status of the response carrying it (RFC 9457 §3.1.2)",
            )
        )
    return out


def problem_mismatches(label: str, response: Answer) -> list[Mismatch]:
    """The defects of a response that should be an error with a problem body.

    Each row's ``subject`` is ``label`` with the exchange and status, so the
    same defect on several answers is rendered once, naming them all.
    """
    where = f"{label} ({response.exchange}, {response.status})"
    if response.status < 400:
        return [Mismatch("status", "an error status (4xx or 5xx)", response.status, subject=where)]
    return [
        replace(m, subject=where)
        for m in problem_defects(response.status, response.headers, response.content)
    ]


def problem_body(response: Answer) -> Mapping[str, Any] | None:
    """The error's problem body, for a check that reads a member of it (``code``).

    None when the body is not a JSON object served as ``application/problem+json``:
    the probe has charged that to C-002. The check then goes on with what it
    can decide, and if nothing else fails it ends with :func:`unreadable`.
    """
    parsed = media_type(response.headers.get("Content-Type"))
    if parsed is None or parsed.essence != PROBLEM_MEDIA_TYPE:
        return None
    try:
        body = bounded_json.loads(response.content)
    except (UnicodeDecodeError, ValueError, bounded_json.JsonTooLarge):
        return None
    return body if isinstance(body, dict) else None


def unreadable(response: Answer, what: str) -> NoReturn:
    """End the check ``skip``: what it had to read of a problem body is not there (C-002)."""
    prerequisite_failed(
        "C-002",
        f"the {response.status} ({response.exchange}) has no problem body, so its {what} "
        f"cannot be read (Content-Type {response.headers.get('Content-Type')!r})",
    )
