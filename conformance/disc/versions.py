"""DISC-006: the versions of a disclosure, their notice, and which one is in force.

Versions are found by following the URLs the platform publishes
(``previous_versions`` transitively, and ``upcoming.url``), resolved against
the document that lists them; the probe refuses any other origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Final

from conformance._harness.errors import ConformanceError, Finding, Mismatch
from conformance._harness.probe import Probe, Response
from conformance.disc.disclosure import NOTICE_SECONDS, Disclosure, DisclosureError

MAX_DOCUMENTS: Final = 50
SKEW: Final = timedelta(minutes=5)


class ClockDisagreement(ConformanceError):
    """The server's clock and the suite's are too far apart to judge what is in force."""


@dataclass(frozen=True)
class Version:
    """One version of the disclosure and where it was read."""

    disclosure: Disclosure
    url: str
    exchange: str
    kind: str  # "in force", "previous" or "upcoming"


@dataclass
class Versions:
    """Every version found, by name, and what was wrong while finding them."""

    found: dict[str, Version] = field(default_factory=dict)
    problems: list[Mismatch] = field(default_factory=list)


def _fetch(probe: Probe, url: str, label: str, out: Versions) -> Disclosure | None:
    response = probe.get(url, validate=False)
    where = f"{label} {url} ({response.exchange})"
    if response.status != 200:
        out.problems.append(Mismatch(where, "200 with that version's document", response.status))
        return None
    try:
        return Disclosure.parse(response.json())
    except (DisclosureError, Finding) as exc:
        out.problems.append(Mismatch(where, "a disclosure document", str(exc)[:200]))
        return None


def collect(probe: Probe, current: Disclosure, response: Response) -> Versions:
    """The version in force, every previous version reachable, and the upcoming one."""
    out = Versions({current.version: Version(current, response.url, response.exchange, "in force")})
    # (URL as published, the URL of the document that lists it)
    pending = [(u, response.url) for u in _listed(current, out)]
    seen = {response.url}
    while pending and len(seen) < MAX_DOCUMENTS:
        raw, base = pending.pop(0)
        url = probe.url(raw, base)
        if url in seen:
            continue
        seen.add(url)
        doc = _fetch(probe, url, "previous version", out)
        if doc is None:
            continue
        if doc.version == current.version or doc.effective_from >= current.effective_from:
            out.problems.append(
                Mismatch(
                    f"previous version {url}",
                    f"a version before {current.version!r} (effective {current.effective_from})",
                    f"{doc.version!r} effective {doc.effective_from}",
                )
            )
            continue
        out.found.setdefault(doc.version, Version(doc, url, probe.exchanges[-1], "previous"))
        pending += [(u, url) for u in _listed(doc, out)]
    _upcoming(probe, current, response, out)
    return out


def _listed(doc: Disclosure, out: Versions) -> list[str]:
    try:
        return doc.previous_versions()
    except DisclosureError as exc:
        out.problems.append(Mismatch(f"{doc.version} {exc.path}", "a list of URLs", exc.problem))
        return []


def _upcoming(probe: Probe, current: Disclosure, response: Response, out: Versions) -> None:
    try:
        entry = current.upcoming()
    except DisclosureError as exc:
        out.problems.append(Mismatch(exc.path, "null or an upcoming entry", exc.problem))
        return
    if entry is None:
        return
    url = probe.url(entry.url, response.url)
    doc = _fetch(probe, url, "upcoming version", out)
    if doc is None:
        return
    if doc.version == current.version:
        out.problems.append(Mismatch(f"upcoming {url}", "another version", doc.version))
        return
    for name, listed, served in (
        ("published_at", entry.published_at, doc.published_at),
        ("effective_from", entry.effective_from, doc.effective_from),
    ):
        if listed != served:
            out.problems.append(
                Mismatch(f"upcoming {url} {name}", str(listed), str(served), "as $.upcoming says")
            )
    out.found.setdefault(doc.version, Version(doc, url, probe.exchanges[-1], "upcoming"))


def notice_mismatches(current: Disclosure, versions: Versions) -> list[Mismatch]:
    """Every version (and the upcoming entry) with less than 15 days' notice."""
    out: list[Mismatch] = []
    entry = current.upcoming()
    checked = [
        (f"{v.kind} {name!r}", v.disclosure.notice_seconds) for name, v in versions.found.items()
    ]
    if entry is not None:
        notice = (entry.effective_from - entry.published_at).total_seconds()
        checked.append(("$.upcoming", notice))
    for label, seconds in checked:
        if seconds < NOTICE_SECONDS:
            out.append(
                Mismatch(
                    f"{label} effective_from − published_at",
                    "at least 15 days",
                    f"{seconds / 86_400:.2f} days",
                )
            )
    return out


def server_clock(response: Response, now: datetime) -> datetime:
    """The server's ``Date``; ClockDisagreement if absent or more than five minutes off."""
    raw = response.headers.get("Date", "")
    try:
        server = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        raise ClockDisagreement(
            f"the disclosure's answer has no usable Date header ({raw!r}); the suite cannot "
            "tell which version the server holds in force"
        ) from None
    if server.tzinfo is None:
        server = server.replace(tzinfo=UTC)
    if abs(server - now) > SKEW:
        raise ClockDisagreement(
            f"the server's Date {raw!r} and the suite's clock {now.isoformat()} are more than "
            "five minutes apart; fix either clock and run again"
        )
    return server


def in_force_mismatches(current: Disclosure, now: datetime) -> list[Mismatch]:
    """The served version is in force and the upcoming one is not yet (by ``now``)."""
    entry = current.upcoming()
    for label, moment in (("effective_from", current.effective_from),) + (
        (("$.upcoming.effective_from", entry.effective_from),) if entry else ()
    ):
        if abs(moment - now) <= SKEW:
            raise ClockDisagreement(
                f"{label} {moment.isoformat()} is within five minutes of the suite's clock "
                f"{now.isoformat()}: too close to a change of version to decide"
            )
    out: list[Mismatch] = []
    if current.effective_from > now:
        out.append(
            Mismatch(
                "$.effective_from",
                f"before {now.isoformat()}",
                current.effective_from.isoformat(),
                "the document served as in force is not in force yet",
            )
        )
    if entry is not None and entry.effective_from <= now:
        out.append(
            Mismatch(
                "$.upcoming.effective_from",
                f"after {now.isoformat()}",
                entry.effective_from.isoformat(),
                "the upcoming version is already in force",
            )
        )
    return out
