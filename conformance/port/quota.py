"""Probing the export quota (PORT-007, C-003) once per run, politely.

PORT-007 counts exports per account, all clients together, and only those
``GET /port/v1/exports`` lists (a deleted export no longer counts). The
probe fills one account up to the declared ``port.exports_per_day``,
alternating the user's first-party and third-party clients (the last one
third-party), asks once more (where a 429 with ``Retry-After`` may come),
then asks for another account while the first is full, and once more for
the first account after deleting one of its exports: each of these must be
accepted. Before every POST it lists the account, so each answer is judged
against what was listed just before it. Every export it made is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance._harness.probe import Response
from conformance._harness.target import Role
from conformance.port.client import PortClient

SUITE_QUOTA_CAP = 60  # POSTs at most, whatever the platform declares


@dataclass
class Attempt:
    """One POST of the probe: who asked, why, and what was listed just before it."""

    label: str
    role: Role
    listed_before: int
    response: Response
    must_accept: bool


@dataclass
class QuotaProbe:
    """What the quota probe saw."""

    declared: object
    quota: int
    attempts: list[Attempt] = field(default_factory=list)
    note: str = ""

    @property
    def refusals(self) -> list[Attempt]:
        """Attempts answered with anything but 202."""
        return [a for a in self.attempts if a.response.status != 202]


class _Prober:
    def __init__(self, port: PortClient, quota: int, result: QuotaProbe) -> None:
        self.port = port
        self.quota = quota
        self.result = result
        self.created: list[tuple[Role, str]] = []

    def post(self, label: str, role: Role, *, must_accept: bool) -> Attempt:
        listed = self.port.recent_exports(role)
        response = self.port.probe.post(
            "/port/v1/exports", role=role, validate=False, wait_on_429=False
        )
        attempt = Attempt(label, role, listed, response, must_accept and listed < self.quota)
        self.result.attempts.append(attempt)
        if response.status == 202 and response.headers.get("Location"):
            location = self.port.probe.url(response.headers["Location"], base=response.url)
            self.created.append((role, location))
            self.port.run.made(role.user, location)
        return attempt

    def delete_one(self, user: str) -> bool:
        for index, (role, location) in enumerate(self.created):
            if role.user == user:
                self.port.delete_export(role, location)
                del self.created[index]
                return True
        return False

    def cleanup(self) -> None:
        for role, location in self.created:
            self.port.delete_export(role, location)
        self.created.clear()


def probe_export_quota(
    port: PortClient, owner: Role, delegate: Role, other: Role, floor: int
) -> QuotaProbe:
    """Fill ``owner``'s account to the quota (with ``delegate``, the same user's other client),
    ask once more, ask for ``other``, delete one and ask again; delete everything made."""
    declared = port.claims.limits().get("port.exports_per_day")
    quota = floor
    if isinstance(declared, int) and not isinstance(declared, bool):
        quota = max(declared, floor)
    result = QuotaProbe(declared, quota)
    prober = _Prober(port, quota, result)
    try:
        to_fill = quota - port.recent_exports(owner)
        if to_fill + 3 > SUITE_QUOTA_CAP:
            result.note = (
                f"port.exports_per_day is {quota}: filling the account would take more than "
                f"the suite's {SUITE_QUOTA_CAP} exports, so only the first ones were asked for"
            )
            to_fill = SUITE_QUOTA_CAP - 3
        for i in range(max(0, to_fill)):
            role = delegate if (to_fill - i) % 2 == 1 else owner
            if (
                prober.post(f"export {i + 1} of {to_fill}", role, must_accept=True).response.status
                != 202
            ):
                return result
        if result.note:
            return result
        prober.post("one export past the quota", owner, must_accept=False)
        elsewhere = prober.post(
            f"an export of {other.user} while {owner.user}'s account is full",
            other,
            must_accept=True,
        )
        if elsewhere.response.status == 202:
            prober.delete_one(other.user)
        if prober.delete_one(owner.user):
            prober.post(
                f"an export after deleting one of {owner.user}'s", delegate, must_accept=True
            )
    finally:
        prober.cleanup()
    return result
