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
from dataclasses import dataclass, field, replace
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


def differences(spec: Spec, item: Ask, base: Answer, other: Answer) -> list[Mismatch]:
    """``other``'s answer held against ``base``'s on the defined fields, one row per difference.

    Each row's ``subject`` is ``other``'s sender; its ``why`` is left to
    the caller, who knows every baseline a fact was found against.
    """
    who = other.sender.name
    out: list[Mismatch] = []
    paged = item.pages > 1
    for i, (a, b) in enumerate(zip(base.responses, other.responses, strict=False)):
        page = f"page {i + 1} " if paged else ""
        if a.status != b.status:
            out.append(Mismatch(f"{page}status", a.status, b.status, subject=who))
            continue
        shape = shape_for(spec, item.operation, a.status)
        body_a = shape.project(canonical_body(a))
        body_b = shape.project(canonical_body(b))
        ids_a, ids_b = _item_ids(body_a), _item_ids(body_b)
        if ids_a != ids_b and isinstance(body_a, dict) and isinstance(body_b, dict):
            # Other items, or the same in another order: one row, not one per field.
            out.append(Mismatch(f"{page}$.items (ids in order)", ids_a, ids_b, subject=who))
            body_a, body_b = dict(body_a, items=None), dict(body_b, items=None)
        out += [
            replace(d, path=f"{page}{d.path}", why="")
            for d in diff(body_a, body_b, base.sender.name, who)
        ]
    if len(base.responses) != len(other.responses):
        out.append(Mismatch("pages", len(base.responses), len(other.responses), subject=who))
    return out


def _item_ids(body: Any) -> list[Any] | None:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return None
    return [i.get("id") if isinstance(i, dict) else i for i in items]


def compare_all(
    spec: Spec, item: Ask, answers: Sequence[Answer], baseline: int = 0
) -> list[Mismatch]:
    """Every sender's answer against the baseline's (see :func:`differences`)."""
    base = answers[baseline]
    return [
        row
        for answer in answers
        if answer is not base
        for row in differences(spec, item, base, answer)
    ]


def compare_groups(
    probe: Probe, spec: Spec, item: Ask, groups: Sequence[Sequence[Sender]], index: int
) -> tuple[list[Mismatch], list[str], int]:
    """Ask every group's senders, each held against its group's first sender.

    Returns (finding rows, evidence of the groups that differ, answers
    received). A row's ``why`` names the baselines its fact was found
    against, so a difference found in several groups is rendered once,
    naming every sender it holds for; ``index`` rotates the sending order.
    """
    found: list[Mismatch] = []
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
            against = bases.setdefault(_fact(row), [])
            if ordered[0] not in against:
                against.append(ordered[0])
        found += rows
    mismatches = [
        replace(row, path=f"{item.label} {row.path}", why=_against(bases[_fact(row)]))
        for row in found
    ]
    return mismatches, evidence, sent


def _fact(row: Mismatch) -> tuple[str, str, str]:
    return (row.path, repr(row.expected), repr(row.received))


def _against(bases: Sequence[Answer]) -> str:
    named = "; ".join(f"{b.sender.name} got ({', '.join(b.exchanges)})" for b in bases[:2])
    return f"what {named}" + ("; and others" if len(bases) > 2 else "")


def rotated(order: Sequence[T], index: int) -> list[T]:
    """The sending order of the ``index``-th request: each sender goes first in turn."""
    shift = index % len(order) if order else 0
    return [*order[shift:], *order[:shift]]
