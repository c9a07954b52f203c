"""Switch-exports (CLOUD-006): polling one to a terminal state, and what that state must promise.

A switch-export is accepted (202 + ``Location``) and then read until its
``status`` is terminal. The statuses are the spec's: ``pending`` and
``running`` go on; ``completed`` ends in success; ``failed`` and
``cancelled`` end otherwise, which CLOUD-006 does not accept (a switch that
never completes is no switch). A first read may already be terminal.

What is held, by the suite's clock at each answer:
- every ``eta_days`` stated, while running or at the end, is at most the
  switching document's ``max_switch_days``;
- ``retrievable_until`` of the terminal state is at least
  ``retrieval_days`` after the moment the suite first saw that state, less
  :data:`CLOCK_SKEW` for the two clocks' difference.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from conformance import DeadlineExceeded, Finding, Mismatch, Response, human_duration
from conformance.common.httpdates import retry_delay

RUNNING: Final = frozenset({"pending", "running"})
SUCCEEDED: Final = frozenset({"completed"})
ENDED_OTHERWISE: Final = frozenset({"failed", "cancelled"})
TERMINAL: Final = SUCCEEDED | ENDED_OTHERWISE
CLOCK_SKEW: Final = timedelta(seconds=60)
"""How far the platform's clock may be behind the suite's before ``retrievable_until`` fails."""

_FIRST_WAIT = 0.1
_MAX_WAIT = 2.0


@dataclass(frozen=True)
class Observation:
    """One read of the export: its body, when the suite received it, and the exchange."""

    body: Mapping[str, Any]
    seen_at: datetime
    exchange: str
    retry_after: float | None = None

    @property
    def status(self) -> Any:
        """The ``status`` field as sent."""
        return self.body.get("status")

    @property
    def terminal(self) -> bool:
        """Whether the status is one the export does not leave."""
        return self.status in TERMINAL


@dataclass
class Polled:
    """Every read of one export, up to the first terminal one (or the deadline)."""

    observations: list[Observation] = field(default_factory=list)

    @property
    def terminal(self) -> Observation | None:
        """The first terminal read, if any."""
        return next((o for o in self.observations if o.terminal), None)

    @property
    def exchanges(self) -> list[str]:
        """The reads' exchanges."""
        return [o.exchange for o in self.observations]


Read = Callable[[], Observation]


def observe(response: Response) -> Observation:
    """One read of the export from its answer: a 200 with a JSON object, seen now."""
    seen = datetime.now(UTC)
    if response.status != 200:
        raise Finding(
            "a switch-export could not be read",
            mismatches=[Mismatch("status", 200, response.status, f"GET {response.url}")],
            evidence=[response.exchange],
        )
    body = response.json()
    if not isinstance(body, dict):
        raise Finding(
            "a switch-export is not a JSON object",
            mismatches=[Mismatch("body", "a JSON object", type(body).__name__)],
            evidence=[response.exchange],
        )
    delay = retry_delay(response.headers.get("Retry-After"))
    return Observation(body, seen, response.exchange, delay)


def poll(
    read: Read,
    remaining: Callable[[], float],
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_each: Callable[[Polled], None] | None = None,
) -> Polled:
    """Read until terminal; ``DeadlineExceeded`` when the check's time runs out first.

    The wait between reads grows from 0.1 s to 2 s, or follows a
    ``Retry-After`` the platform sent with a running state. ``on_each`` sees
    the reads so far after each one (to judge ``eta_days`` as it comes).
    """
    polled = Polled()
    wait = _FIRST_WAIT
    while True:
        observation = read()
        polled.observations.append(observation)
        if on_each is not None:
            on_each(polled)
        if observation.terminal:
            return polled
        delay = observation.retry_after if observation.retry_after is not None else wait
        delay = max(0.0, min(delay, _MAX_WAIT * 5))
        if delay >= remaining() - 1:
            raise DeadlineExceeded(
                f"the switch-export was still {observation.status!r} after "
                f"{len(polled.observations)} reads, and the check's time limit is near "
                f"({human_duration(max(remaining(), 0))} left); a platform may take up to "
                "max_switch_days, but the suite can wait only its check's time"
            )
        sleep(delay)
        wait = min(wait * 2, _MAX_WAIT)


def eta_mismatches(polled: Polled, max_switch_days: float, bound_from: str) -> list[Mismatch]:
    """Each ``eta_days`` stated that exceeds ``max_switch_days`` (``bound_from`` says whose)."""
    out = []
    for obs in polled.observations:
        eta = obs.body.get("eta_days")
        if eta is None:
            continue
        if isinstance(eta, bool) or not isinstance(eta, (int, float)) or eta > max_switch_days:
            out.append(
                Mismatch(
                    "$.eta_days",
                    f"at most {_days(max_switch_days)} ({bound_from})",
                    eta,
                    f"stated while {obs.status!r}",
                    obs.exchange,
                )
            )
    return out


def eta_stated(polled: Polled) -> bool:
    """Whether any read stated an ``eta_days``."""
    return any(o.body.get("eta_days") is not None for o in polled.observations)


def outcome_mismatches(terminal: Observation) -> list[Mismatch]:
    """A terminal state other than success."""
    if terminal.status in SUCCEEDED:
        return []
    return [
        Mismatch(
            "$.status",
            " or ".join(sorted(SUCCEEDED)),
            terminal.status,
            "the switch-export ended without completing",
            terminal.exchange,
        )
    ]


def retention_mismatches(
    terminal: Observation, retrieval_days: float, bound_from: str
) -> list[Mismatch]:
    """``retrievable_until`` against first-seen-terminal + ``retrieval_days`` (less the skew)."""
    raw = terminal.body.get("retrievable_until")
    until = parse_instant(raw)
    earliest = terminal.seen_at + timedelta(days=retrieval_days)
    expected = f"at or after {_stamp(earliest)} ({_days(retrieval_days)} after the suite first saw {terminal.status!r}; {bound_from})"
    if until is None:
        return [
            Mismatch(
                "$.retrievable_until",
                expected,
                "absent" if raw is None else raw,
                "an RFC 3339 date-time with an offset",
                terminal.exchange,
            )
        ]
    if until < earliest - CLOCK_SKEW:
        short = earliest - until
        return [
            Mismatch(
                "$.retrievable_until",
                expected,
                raw,
                f"{human_duration(short.total_seconds())} short of the retention the "
                "platform declares",
                terminal.exchange,
            )
        ]
    return []


def parse_instant(value: Any) -> datetime | None:
    """An RFC 3339 date-time with an offset (``Z`` or ``±hh:mm``), or None."""
    if not isinstance(value, str) or "T" not in value.upper():
        return None
    text = value.strip()
    if text[-1:] in ("z", "Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


def _days(value: float) -> str:
    return f"{value:g} days"


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
