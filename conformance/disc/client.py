"""DISC operations as a check calls them: the disclosure, quotes, decisions.

Workers ``w1``, ``w2`` and merchants ``m1``, ``m2`` are ordinary users of
the target file; :func:`require_users` turns a missing one into the
``ConfigError`` that names the key to add, so the checks end ``error``.
"""

from __future__ import annotations

from typing import Final

from conformance._harness.errors import Finding, Mismatch
from conformance._harness.probe import Probe, Response
from conformance._harness.target import Role, Target
from conformance.disc.disclosure import Disclosure, DisclosureError
from conformance.disc.formulas import FeeInput, PayInput

WELL_KNOWN: Final = "/.well-known/platform-disclosure"
PAY_QUOTES: Final = "/disc/v1/pay-quotes"
FEE_QUOTES: Final = "/disc/v1/fee-quotes"
DECISIONS: Final = "/disc/v1/decisions"
WORKERS: Final = ("w1", "w2")
MERCHANTS: Final = ("m1", "m2")
CLIENTS: Final = ("first_party", "third_party", "competitor")
QUOTED: Final = (200, 201)
"""Statuses of a quote: the draft names none, and COMMON C5 allows 201 beside 200."""
W1: Final = Role("first_party", "w1")
M1: Final = Role("first_party", "m1")


def require_users(target: Target, users: tuple[str, ...]) -> None:
    """Every user and every client's token for it is configured (else ConfigError)."""
    for user in users:
        target.user_id(user)
        for client in CLIENTS:
            target.token(Role(client, user))


def read_disclosure(response: Response) -> Disclosure:
    """The document in a 200 answer; a Finding otherwise."""
    if response.status != 200:
        raise Finding(
            f"GET {response.url} does not serve the disclosure",
            mismatches=[Mismatch("status", 200, response.status)],
            evidence=[response.exchange],
        )
    try:
        return Disclosure.parse(response.json())
    except DisclosureError as exc:
        raise Finding(
            f"the disclosure at {response.url} cannot be read",
            mismatches=[Mismatch(exc.path, "as DISC-001 requires", exc.problem)],
            evidence=[response.exchange],
        ) from None


class DiscClient:
    """The DISC operations over one probe."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    def disclosure(self, *, validate: bool = True) -> tuple[Disclosure, Response]:
        """The document in force, fetched anonymously."""
        response = self.probe.get(WELL_KNOWN, validate=validate)
        return read_disclosure(response), response

    def pay_quote(self, role: Role, quote: PayInput) -> Response:
        """POST a pay quote as a worker (validated against the spec)."""
        return self.probe.post(PAY_QUOTES, role=role, json_body=quote.to_json())

    def fee_quote(self, role: Role, quote: FeeInput) -> Response:
        """POST a fee quote as a merchant (validated against the spec)."""
        return self.probe.post(FEE_QUOTES, role=role, json_body=quote.to_json())
