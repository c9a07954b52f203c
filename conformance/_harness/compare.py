"""Differential comparison: one logical request, several identities, every difference.

A ``LogicalRequest`` is sent once per ``Variant`` (a role, or an anonymous
client, plus extra headers), in an order that rotates between rounds so no
identity always goes first. Answers are canonicalised and compared with the
first variant's; each difference is a ``Mismatch``: the JSON path, the first
variant's value as expected, the other's as received, the other as subject.
Any standard uses it: FAIR across clients, LINK across clients and
User-Agents, DISC across workers and merchants.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance._harness import bounded_json
from conformance._harness.errors import Mismatch
from conformance._harness.probe import Probe, Response
from conformance._harness.target import Role


@dataclass(frozen=True)
class Variant:
    """Who sends the request: a role (or an anonymous client) and extra headers."""

    name: str
    role: Role | None = None
    client: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LogicalRequest:
    """The same request, whoever sends it."""

    method: str
    path: str
    json_body: Any = None
    params: Mapping[str, str] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Comparison:
    """The answers to one logical request, per variant, and how they differ.

    Each difference is a ``Mismatch`` held against the first variant's
    answer: ``expected`` is what it got, ``received`` what the variant named
    by ``subject`` got.
    """

    request: LogicalRequest
    responses: dict[str, Response]
    differences: list[Mismatch]


Ignore = Callable[[str], bool]


def never(_: str) -> bool:
    """Ignore nothing (the default)."""
    return False


def ignoring(*patterns: str) -> Ignore:
    """Ignore JSON paths matching any pattern; ``[*]`` stands for any index."""
    compiled = [
        re.compile(re.escape(p).replace(r"\[\*\]", r"\[\d+\]") + r"(\..*|\[.*)?") for p in patterns
    ]
    return lambda path: any(c.fullmatch(path) for c in compiled)


def send(
    probe: Probe, request: LogicalRequest, variant: Variant, *, validate: bool = True
) -> Response:
    """Send one logical request as one variant."""
    return probe.request(
        request.method,
        request.path,
        role=variant.role,
        client=variant.client,
        json_body=request.json_body,
        params=request.params,
        headers={**request.headers, **variant.headers},
        validate=validate,
    )


def differential(
    probe: Probe,
    request: LogicalRequest,
    variants: Sequence[Variant],
    *,
    ignore: Ignore = never,
    rounds: int = 1,
    round_index: int = 0,
    validate: bool = True,
) -> Comparison:
    """Send ``request`` as every variant and compare each answer with the first variant's.

    ``round_index`` rotates the sending order, so that over several calls
    each variant goes first equally often (interleaving in time).
    """
    del rounds  # the caller loops; kept for a stable signature
    order = list(variants)
    shift = round_index % len(order) if order else 0
    order = order[shift:] + order[:shift]
    responses = {v.name: send(probe, request, v, validate=validate) for v in order}
    base = variants[0]
    differences: list[Mismatch] = []
    for other in variants[1:]:
        differences += compare_responses(
            responses[base.name], responses[other.name], base.name, other.name, ignore
        )
    return Comparison(request, responses, differences)


def compare_responses(
    a: Response, b: Response, name_a: str, name_b: str, ignore: Ignore = never
) -> list[Mismatch]:
    """Status and canonical body of two answers, compared (``b`` held against ``a``)."""
    if a.status != b.status:
        return [_held("status", a.status, b.status, name_a, name_b)]
    return diff(canonical_body(a), canonical_body(b), name_a, name_b, ignore)


def canonical_body(response: Response) -> Any:
    """The body as JSON when it is JSON, else its text: key order and whitespace never matter."""
    try:
        return bounded_json.loads(response.content) if response.content else None
    except (UnicodeDecodeError, ValueError, bounded_json.JsonTooLarge):
        return response.text


def diff(
    a: Any, b: Any, name_a: str, name_b: str, ignore: Ignore = never, path: str = "$"
) -> list[Mismatch]:
    """Every path where two JSON values differ (lists compared in order).

    Each is a row of ``b`` held against ``a``: ``subject`` is ``name_b``,
    ``why`` says the expected value is what ``name_a`` got.
    """
    if ignore(path):
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[Mismatch] = []
        for key in sorted(set(a) | set(b), key=str):
            child = f"{path}.{key}"
            if key not in a or key not in b:
                if not ignore(child):
                    out.append(
                        _held(child, a.get(key, "<absent>"), b.get(key, "<absent>"), name_a, name_b)
                    )
                continue
            out += diff(a[key], b[key], name_a, name_b, ignore, child)
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            out += diff(x, y, name_a, name_b, ignore, f"{path}[{i}]")
        if len(a) != len(b):
            out.append(_held(f"{path}.length", len(a), len(b), name_a, name_b))
        return out
    if type(a) is not type(b) or a != b:
        return [_held(path, a, b, name_a, name_b)]
    return []


def _held(path: str, value_a: Any, value_b: Any, name_a: str, name_b: str) -> Mismatch:
    return Mismatch(path, value_a, value_b, f"what {name_a} got", subject=name_b)


def volatile_paths(document: Mapping[str, Any], operation_id: str) -> list[str]:
    """JSON paths of the fields an operation's success responses mark ``x-volatile: true``.

    Only local ``$ref``s (``#/...``) are followed: volatility is declared by
    the standard's own spec. ``[*]`` stands for any array index.
    """
    found: list[str] = []
    for item in (document.get("paths") or {}).values():
        for op in item.values() if isinstance(item, dict) else ():
            if not isinstance(op, dict) or op.get("operationId") != operation_id:
                continue
            for status, response in (op.get("responses") or {}).items():
                if not str(status).startswith("2") or not isinstance(response, dict):
                    continue
                for media in (response.get("content") or {}).values():
                    _collect_volatile(document, media.get("schema"), "$", found, 0)
    return sorted(set(found))


def _collect_volatile(
    document: Mapping[str, Any], schema: Any, path: str, out: list[str], depth: int
) -> None:
    if not isinstance(schema, dict) or depth > 32:
        return
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref.startswith("#/"):
            target: Any = document
            for part in ref[2:].split("/"):
                target = target.get(part) if isinstance(target, dict) else None
            _collect_volatile(document, target, path, out, depth + 1)
        return
    if schema.get("x-volatile") is True:
        out.append(path)
        return
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or ():
            _collect_volatile(document, sub, path, out, depth + 1)
    for name, sub in (schema.get("properties") or {}).items():
        _collect_volatile(document, sub, f"{path}.{name}", out, depth + 1)
    _collect_volatile(document, schema.get("items"), f"{path}[*]", out, depth + 1)


def volatile(document: Mapping[str, Any], operation_id: str) -> Ignore:
    """An ``Ignore`` for the operation's ``x-volatile`` fields (nothing else)."""
    return ignoring(*volatile_paths(document, operation_id))
