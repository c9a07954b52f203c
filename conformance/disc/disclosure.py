"""The published disclosure document, read section by section.

Each section is parsed only when asked for, so a check of the pay formula
does not depend on, say, the ranking section being well formed; a section
that cannot be read raises :class:`DisclosureError` naming its JSON path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from conformance.disc.formulas import FeeRule, PayRules, exact

NOTICE_SECONDS = 15 * 86_400
SECTIONS = (
    "version",
    "published_at",
    "effective_from",
    "previous_versions",
    "upcoming",
    "fees",
    "worker_pay",
    "order_allocation",
    "ranking",
    "monitoring",
    "restriction_grounds",
)


class DisclosureError(ValueError):
    """A part of the document the suite needs is missing or malformed."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def timestamp(value: Any, path: str) -> datetime:
    """An RFC 3339 timestamp with an offset."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None and "T" in value.upper():
                return parsed
    raise DisclosureError(path, f"expected an RFC 3339 timestamp with an offset, got {value!r}")


def _decimal(value: Any, path: str) -> Fraction:
    try:
        return exact(value)
    except ValueError:
        raise DisclosureError(path, f"expected a decimal string, got {value!r}") from None


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise DisclosureError(path, f"expected an object, got {type(value).__name__}")
    return value


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise DisclosureError(path, f"expected a non-empty string, got {value!r}")
    return value


@dataclass(frozen=True)
class Upcoming:
    """The ``upcoming`` entry."""

    url: str
    published_at: datetime
    effective_from: datetime


@dataclass(frozen=True)
class Disclosure:
    """One version of the disclosure; sections are parsed on demand."""

    document: Mapping[str, Any]
    version: str
    published_at: datetime
    effective_from: datetime

    @classmethod
    def parse(cls, document: Any) -> Disclosure:
        """The version and its dates; everything else on demand."""
        body = _object(document, "$")
        return cls(
            body,
            _string(body.get("version"), "$.version"),
            timestamp(body.get("published_at"), "$.published_at"),
            timestamp(body.get("effective_from"), "$.effective_from"),
        )

    @property
    def notice_seconds(self) -> float:
        """Seconds between publication and taking effect."""
        return (self.effective_from - self.published_at).total_seconds()

    def previous_versions(self) -> list[str]:
        """The URLs of previous versions, as published."""
        raw = self.document.get("previous_versions")
        if not isinstance(raw, list):
            raise DisclosureError("$.previous_versions", "expected a list of URLs")
        return [_string(u, f"$.previous_versions[{i}]") for i, u in enumerate(raw)]

    def upcoming(self) -> Upcoming | None:
        """The upcoming version, or None."""
        raw = self.document.get("upcoming")
        if raw is None:
            return None
        entry = _object(raw, "$.upcoming")
        return Upcoming(
            _string(entry.get("url"), "$.upcoming.url"),
            timestamp(entry.get("published_at"), "$.upcoming.published_at"),
            timestamp(entry.get("effective_from"), "$.upcoming.effective_from"),
        )

    def pay_rules(self) -> PayRules:
        """The ``worker_pay`` section (``zone_multipliers`` may be empty)."""
        pay = _object(self.document.get("worker_pay"), "$.worker_pay")
        zones = _object(pay.get("zone_multipliers"), "$.worker_pay.zone_multipliers")
        return PayRules(
            _string(pay.get("currency"), "$.worker_pay.currency"),
            _decimal(pay.get("base"), "$.worker_pay.base"),
            _decimal(pay.get("per_km"), "$.worker_pay.per_km"),
            _decimal(pay.get("per_minute"), "$.worker_pay.per_minute"),
            {str(z): _decimal(m, f"$.worker_pay.zone_multipliers.{z}") for z, m in zones.items()},
        )

    def fee_rules(self) -> dict[str, FeeRule]:
        """Category → fee rule (empty when the platform publishes no fee)."""
        raw = self.document.get("fees")
        if not isinstance(raw, list):
            raise DisclosureError("$.fees", "expected a list of fee rules")
        rules: dict[str, FeeRule] = {}
        for i, entry in enumerate(raw):
            path = f"$.fees[{i}]"
            fee = _object(entry, path)
            category = _string(fee.get("category"), f"{path}.category")
            if category in rules:
                raise DisclosureError(f"{path}.category", f"category {category!r} is listed twice")
            rules[category] = FeeRule(
                category,
                _decimal(fee.get("commission_percent"), f"{path}.commission_percent"),
                _decimal(fee.get("fixed_fee"), f"{path}.fixed_fee"),
                _string(fee.get("currency"), f"{path}.currency"),
            )
        return rules

    def factors(self, section: str) -> dict[str, Fraction]:
        """Factor name → published weight, of ``order_allocation`` or ``ranking``."""
        block = _object(self.document.get(section), f"$.{section}")
        raw = block.get("factors")
        if not isinstance(raw, list):
            raise DisclosureError(f"$.{section}.factors", "expected a list of factors")
        weights: dict[str, Fraction] = {}
        for i, entry in enumerate(raw):
            path = f"$.{section}.factors[{i}]"
            factor = _object(entry, path)
            name = _string(factor.get("name"), f"{path}.name")
            if name in weights:
                raise DisclosureError(f"{path}.name", f"factor {name!r} is listed twice")
            weights[name] = _decimal(factor.get("weight"), f"{path}.weight")
        return weights


def check_sections(document: Any) -> list[DisclosureError]:
    """Every way the document fails to state a section DISC-001 requires."""
    if not isinstance(document, dict):
        return [DisclosureError("$", "the disclosure is not a JSON object")]
    problems = [DisclosureError(f"$.{s}", "section missing") for s in SECTIONS if s not in document]
    if problems:
        return problems
    checks: tuple[Callable[[Disclosure], object], ...] = (
        lambda d: d.previous_versions(),
        lambda d: d.upcoming(),
        lambda d: d.pay_rules(),
        lambda d: d.fee_rules(),
        lambda d: d.factors("order_allocation"),
        lambda d: d.factors("ranking"),
    )
    try:
        disclosure = Disclosure.parse(document)
    except DisclosureError as exc:
        return [exc]
    for check in checks:
        try:
            check(disclosure)
        except DisclosureError as exc:
            problems.append(exc)
    monitoring = document.get("monitoring")
    if not isinstance(monitoring, dict) or not all(
        isinstance(monitoring.get(k), list) for k in ("data_categories", "purposes")
    ):
        problems.append(DisclosureError("$.monitoring", "expected data_categories and purposes"))
    if not isinstance(document.get("restriction_grounds"), list):
        problems.append(DisclosureError("$.restriction_grounds", "expected a list"))
    return problems
