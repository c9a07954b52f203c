"""Probing the export quota (PORT-007, C-003) once per run, politely.

The suite POSTs exports for the user reserved for limit probing until the
first refusal, or until the declared ``port.exports_per_day`` plus one, and
never past its own cap. Every export it made is deleted afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.port.client import PortClient
from conformance.probe import Response
from conformance.target import Role

SUITE_QUOTA_CAP = 60  # POSTs at most, whatever the platform declares


@dataclass
class Attempt:
    """One POST of the probe, with how many exports were listed just before it."""

    listed_before: int
    response: Response


@dataclass
class QuotaProbe:
    """What the quota probe saw."""

    declared: object
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def refusals(self) -> list[Attempt]:
        """Attempts answered with anything but 202."""
        return [a for a in self.attempts if a.response.status != 202]


def probe_export_quota(port: PortClient, role: Role, floor: int) -> QuotaProbe:
    """POST exports until refused or past the declared quota; delete them all."""
    declared = port.claims.limits().get("port.exports_per_day")
    quota = declared if isinstance(declared, int) and not isinstance(declared, bool) else floor
    result = QuotaProbe(declared)
    created: list[str] = []
    try:
        for _ in range(min(max(quota, floor) + 1, SUITE_QUOTA_CAP)):
            listed = port.recent_exports(role)
            response = port.probe.post(
                "/port/v1/exports", role=role, validate=False, wait_on_429=False
            )
            result.attempts.append(Attempt(listed, response))
            if response.status == 202 and response.headers.get("Location"):
                created.append(port.probe.url(response.headers["Location"], base=response.url))
            if response.status != 202:
                break
    finally:
        for location in created:
            port.delete_export(role, location)
    return result
