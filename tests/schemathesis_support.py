"""How schemathesis reads the suite's specs: its checks, who may call what, PORT's bodies.

Shared by tests/test_schemathesis.py (schemathesis as a peer reader of every
spec) and bench/bench_schemathesis.py (schemathesis beside the suite against
the named faults), so both hold the platform to the same checks.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Who may call an operation, where not every user may (DISC serves workers
# and merchants); any user calls the others.
USERS_BY_PATH = {
    "/disc/v1/pay-quotes": ("w1", "w2"),
    "/disc/v1/decisions": ("w1", "w2"),
    "/disc/v1/fee-quotes": ("m1", "m2"),
}


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx: schemathesis.SerializationContext, value: Any) -> bytes:
    """A PORT archive body: bytes and text as they are, anything else as one JSON line."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value, ensure_ascii=False).encode("utf-8") + b"\n"
