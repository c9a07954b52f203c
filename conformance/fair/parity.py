"""One logical request, sent by every client presenting itself in several ways, compared.

A *sender* is a role (a client for a user) and a presentation (the
configured headers, or a generated User-Agent with or without Origin and
Referer). Each sender asks the same logical request; a listing is followed
page by page with each sender's own tokens (tokens may differ between
clients), and page *i* of each sender is held against page *i* of the
baseline. Answers are compared on the fields FAIR defines
(:mod:`conformance.fair.fields`), money as decimals. A difference is one
row, naming every sender it holds for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from conformance._harness.catalogue import Spec
from conformance._harness.compare import LogicalRequest, canonical_body, diff
from conformance._harness.errors import Mismatch
from conformance._harness.probe import Probe, Response
from conformance._harness.target import Role
from conformance.fair.agents import CONFIGURED, Presentation
from conformance.fair.client import ITEMS_PATH, send_as
from conformance.fair.fields import shape_for

T = TypeVar("T")


@dataclass(frozen=True)
class Sender:
    """Who asks: a role and how its client presents itself."""

    role: Role
    presentation: Presentation = CONFIGURED

    @property
    def name(self) -> str:
        """What a finding calls the sender."""
        return f"{self.role} ({self.presentation.label})"


@dataclass(frozen=True)
class Ask:
    """A logical request, its operation, and how many pages of it to follow."""

    request: LogicalRequest
    operation: str
    pages: int = 1

    @property
    def label(self) -> str:
        """``GET /fair/v1/items?query=desk`` and the like."""
        query = "&".join(f"{k}={v}" for k, v in (self.request.params or {}).items())
        return f"{self.request.method} {self.request.path}" + (f"?{query}" if query else "")


@dataclass
class Answer:
    """What one sender got: every page it followed."""

    sender: Sender
    responses: list[Response] = field(default_factory=list)

    @property
    def exchanges(self) -> list[str]:
        """The evidence ids of its pages."""
        return [r.exchange for r in self.responses]


def ask(probe: Probe, item: Ask, sender: Sender, *, validate: bool = True) -> Answer:
    """Send ``item`` as ``sender``, following the sender's own page tokens."""
    answer = Answer(sender)
    params = dict(item.request.params or {})
    for _ in range(item.pages):
        response = send_as(
            probe,
            item.request.method,
            item.request.path,
            sender.role,
            sender.presentation,
            json_body=item.request.json_body,
            params=params or None,
            validate=validate,
        )
        answer.responses.append(response)
        token = _next_token(response) if item.request.path == ITEMS_PATH else None
        if token is None:
            break
        params["page_token"] = token
    return answer


def _next_token(response: Response) -> str | None:
    if response.status != 200:
        return None
    body = canonical_body(response)
    token = body.get("next_page_token") if isinstance(body, dict) else None
    return token if isinstance(token, str) and token else None


@dataclass(frozen=True)
class Row:
    """One difference: where, what the baseline got, what others got instead."""

    where: str
    expected: Any
    received: Any
    senders: tuple[str, ...]


def differences(spec: Spec, item: Ask, base: Answer, other: Answer) -> list[tuple[str, Any, Any]]:
    """(where, baseline's value, other's value) for every difference on the defined fields."""
    out: list[tuple[str, Any, Any]] = []
    paged = item.pages > 1
    for i, (a, b) in enumerate(zip(base.responses, other.responses, strict=False)):
        page = f"page {i + 1} " if paged else ""
        if a.status != b.status:
            out.append((f"{page}status", a.status, b.status))
            continue
        shape = shape_for(spec, item.operation, a.status)
        body_a = shape.project(canonical_body(a))
        body_b = shape.project(canonical_body(b))
        ids_a, ids_b = _item_ids(body_a), _item_ids(body_b)
        if ids_a != ids_b and isinstance(body_a, dict) and isinstance(body_b, dict):
            # Other items, or the same in another order: one row, not one per field.
            out.append((f"{page}$.items (ids in order)", ids_a, ids_b))
            body_a, body_b = dict(body_a, items=None), dict(body_b, items=None)
        out += [(f"{page}{d.path}", d.value_a, d.value_b) for d in diff(body_a, body_b, "a", "b")]
    if len(base.responses) != len(other.responses):
        out.append(("pages", len(base.responses), len(other.responses)))
    return out


def _item_ids(body: Any) -> list[Any] | None:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return None
    return [i.get("id") if isinstance(i, dict) else i for i in items]


def compare_all(spec: Spec, item: Ask, answers: Sequence[Answer], baseline: int = 0) -> list[Row]:
    """Every sender's answer against the baseline's, differences grouped by fact."""
    base = answers[baseline]
    grouped: dict[tuple[str, str, str], Row] = {}
    for answer in answers:
        if answer is base:
            continue
        for where, expected, received in differences(spec, item, base, answer):
            key = (where, repr(expected), repr(received))
            row = grouped.get(key)
            senders = (*row.senders, answer.sender.name) if row else (answer.sender.name,)
            grouped[key] = Row(where, expected, received, senders)
    return list(grouped.values())


def compare_groups(
    probe: Probe, spec: Spec, item: Ask, groups: Sequence[Sequence[Sender]], index: int
) -> tuple[list[Mismatch], list[str], int]:
    """Ask every group's senders, each held against its group's first sender.

    Returns (finding rows, evidence of the groups that differ, answers
    received). A difference found in several groups is one row naming every
    sender it holds for; ``index`` rotates the sending order.
    """
    merged: dict[tuple[str, str, str], Row] = {}
    bases: dict[tuple[str, str, str], list[Answer]] = {}
    evidence: list[str] = []
    sent = 0
    for g, senders in enumerate(groups):
        order = rotated(list(range(len(senders))), index + g)
        answers = {k: ask(probe, item, senders[k]) for k in order}
        ordered = [answers[k] for k in range(len(senders))]
        sent += sum(len(a.responses) for a in ordered)
        rows = compare_all(spec, item, ordered)
        if rows:
            evidence += [e for a in ordered for e in a.exchanges]
        for row in rows:
            key = (row.where, repr(row.expected), repr(row.received))
            before = merged.get(key)
            merged[key] = Row(
                row.where,
                row.expected,
                row.received,
                (*before.senders, *row.senders) if before else row.senders,
            )
            bases.setdefault(key, []).append(ordered[0])
    mismatches = [
        Mismatch(
            f"{item.label} {row.where} for {', '.join(row.senders)}",
            row.expected,
            row.received,
            "what "
            + "; ".join(
                f"{b.sender.name} got ({', '.join(b.exchanges)})"
                for b in bases[(row.where, repr(row.expected), repr(row.received))][:2]
            ),
        )
        for row in merged.values()
    ]
    return mismatches, evidence, sent


def rotated(order: Sequence[T], index: int) -> list[T]:
    """The sending order of the ``index``-th request: each sender goes first in turn."""
    shift = index % len(order) if order else 0
    return [*order[shift:], *order[:shift]]
