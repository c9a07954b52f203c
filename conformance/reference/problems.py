"""Problem details (RFC 9457) in the shape COMMON C-002 requires.

Every error the platform gives is a :class:`Problem`: handlers raise it and
the application turns it into an ``application/problem+json`` response, so
no code path can answer an error without a ``code``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final, Literal

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Response

ProblemCode = Literal[
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
]

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"

# One stable type URI and title per code; ".invalid" because the platform
# publishes no documentation pages and must not point at a real host.
_TITLES: Final[dict[str, str]] = {
    "INVALID": "The request is not valid",
    "UNAUTHENTICATED": "Authentication is required",
    "DENIED": "The request is not allowed",
    "NOT_FOUND": "No such resource",
    "UNSUPPORTED": "The operation is not supported",
    "TOO_MANY_REQUESTS": "Too many requests",
    "CONFLICT": "The request conflicts with the resource's state",
    "GONE": "The resource is gone",
    "TOO_LARGE": "The request is too large",
    "INTERNAL": "Internal error",
    "UNAVAILABLE": "Service unavailable",
}
_TYPE_BASE: Final = "https://reference.interop.invalid/problems/"

# How a status Werkzeug raises on its own (routing, body limits) is coded.
_CODE_BY_STATUS: Final[dict[int, ProblemCode]] = {
    400: "INVALID",
    401: "UNAUTHENTICATED",
    403: "DENIED",
    404: "NOT_FOUND",
    405: "UNSUPPORTED",
    406: "UNSUPPORTED",
    409: "CONFLICT",
    410: "GONE",
    413: "TOO_LARGE",
    415: "UNSUPPORTED",
    416: "INVALID",
    422: "INVALID",
    429: "TOO_MANY_REQUESTS",
    501: "UNSUPPORTED",
    503: "UNAVAILABLE",
}


def problem_type(code: ProblemCode) -> str:
    """Return the ``type`` URI used for a problem code."""
    return _TYPE_BASE + code.lower().replace("_", "-")


class Problem(Exception):
    """An error answer: raise it from a handler to reply with a problem body."""

    def __init__(
        self,
        status: int,
        code: ProblemCode,
        detail: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code: ProblemCode = code
        self.detail = detail
        self.headers = dict(headers or {})

    def body(self) -> dict[str, object]:
        """Return the RFC 9457 body as a JSON-ready mapping."""
        return {
            "type": problem_type(self.code),
            "title": _TITLES[self.code],
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }

    def response(self) -> Response:
        """Render the problem as a Werkzeug response."""
        response = Response(
            json.dumps(self.body(), ensure_ascii=False),
            status=self.status,
            content_type=PROBLEM_MEDIA_TYPE,
        )
        for name, value in self.headers.items():
            response.headers[name] = value
        return response


def problem_from_http_exception(exc: HTTPException) -> Problem:
    """Translate an exception Werkzeug raised itself into a coded problem."""
    status = exc.code or 500
    code = _CODE_BY_STATUS.get(status, "INVALID" if status < 500 else "INTERNAL")
    headers: dict[str, str] = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return Problem(status, code, exc.description or _TITLES[code], headers)
