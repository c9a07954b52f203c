"""FAIR operations as the checks call them: rules, paging, the clients' roles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.compare import Variant
from conformance.errors import Finding
from conformance.fair.rules import CLASSES, RULES_PATH, Rules, parse_rules
from conformance.probe import Probe, Response
from conformance.target import Role

ITEMS_PATH = "/fair/v1/items"
QUOTES_PATH = "/fair/v1/quotes"
MAX_PAGES = 500


def roles(user: str = "alice") -> list[Role]:
    """One role per client class, for one user; ``first_party`` first (the baseline)."""
    return [Role(c, user) for c in CLASSES]


def client_variants(user: str = "alice") -> list[Variant]:
    """The differential variants of the three clients for one user."""
    return [Variant(r.client, role=r) for r in roles(user)]


def load_rules(probe: Probe) -> Rules:
    """``GET /.well-known/platform-rules`` (anonymous), parsed."""
    response = probe.get(RULES_PATH)
    if response.status != 200:
        raise Finding(
            f"GET {RULES_PATH} answered {response.status}, not the rules",
            evidence=[response.exchange],
        )
    return parse_rules(response.json())


@dataclass
class Paging:
    """Every page of a listing as one client saw it."""

    items: list[Mapping[str, Any]] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    problem: str = ""

    @property
    def ids(self) -> list[str]:
        """The ids in the order the pages gave them."""
        return [str(i.get("id")) for i in self.items]


def page_through(
    probe: Probe, role: Role, *, limit: int = 4, params: Mapping[str, str] | None = None
) -> Paging:
    """Follow ``next_page_token`` to the end (at most ``MAX_PAGES`` pages).

    ``problem`` says why paging stopped early: an error status, a token
    seen before, or too many pages.
    """
    result = Paging()
    seen_tokens: set[str] = set()
    token: str | None = None
    for _ in range(MAX_PAGES):
        query = {**(params or {}), "limit": str(limit)}
        if token is not None:
            query["page_token"] = token
        response = probe.get(ITEMS_PATH, role=role, params=query)
        result.responses.append(response)
        if response.status != 200:
            result.problem = f"a page answered {response.status}"
            return result
        body = response.json()
        page = body.get("items") if isinstance(body, dict) else None
        if not isinstance(page, list):
            result.problem = "a page has no items list"
            return result
        result.items += [i for i in page if isinstance(i, dict)]
        token = body.get("next_page_token")
        if token is None or token == "":
            return result
        if not isinstance(token, str) or token in seen_tokens:
            result.problem = f"next_page_token {token!r} was handed out before"
            return result
        seen_tokens.add(token)
    result.problem = f"still not on the last page after {MAX_PAGES} pages"
    return result
