"""FAIR operations as the checks call them: rules, paging, the clients' roles and presentations."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance._harness.errors import Finding, Mismatch
from conformance._harness.probe import Probe, Response
from conformance._harness.target import Role
from conformance.fair.agents import CONFIGURED, Presentation
from conformance.fair.rules import CLASSES, RULES_PATH, Rules, parse_rules

ITEMS_PATH = "/fair/v1/items"
QUOTES_PATH = "/fair/v1/quotes"
MAX_PAGES = 500
_WORD = re.compile(r"\w{3,}")


def roles(user: str = "alice") -> list[Role]:
    """One role per client class, for one user; ``first_party`` first (the baseline)."""
    return [Role(c, user) for c in CLASSES]


def load_rules(probe: Probe) -> Rules:
    """``GET /.well-known/platform-rules`` (anonymous), parsed."""
    response = probe.get(RULES_PATH)
    if response.status != 200:
        raise Finding(
            f"GET {RULES_PATH} does not serve the platform rules",
            mismatches=[Mismatch("status", 200, response.status)],
            evidence=[response.exchange],
        )
    return parse_rules(response.json())


def send_as(
    probe: Probe,
    method: str,
    path: str,
    role: Role,
    presentation: Presentation = CONFIGURED,
    *,
    json_body: Any = None,
    params: Mapping[str, str] | None = None,
    validate: bool = True,
    wait_on_429: bool = True,
) -> Response:
    """Send one request as ``role``, its client presenting itself as ``presentation`` says."""
    return probe.request(
        method,
        path,
        role=role,
        json_body=json_body,
        params=params,
        headers=presentation.sent(),
        validate=validate,
        wait_on_429=wait_on_429,
    )


def query_words(items: Sequence[Mapping[str, Any]]) -> list[str]:
    """Words of the listed titles that a search could select a few items by.

    Words found in at least two titles but not in all come first (most
    titles first): they select a proper part of the listing, of more than
    one page when pages are small. Whatever ``query`` means on the platform,
    the checks compare what it yields, never what they guessed it yields.
    """
    counts: Counter[str] = Counter()
    for item in items:
        counts.update({w.casefold() for w in _WORD.findall(str(item.get("title", "")))})
    total = len(items)
    ranked = sorted(counts, key=lambda w: (not 2 <= counts[w] < total, -counts[w], w))
    return ranked


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
    probe: Probe,
    role: Role,
    *,
    limit: int | None = 4,
    params: Mapping[str, str] | None = None,
    presentation: Presentation = CONFIGURED,
    max_pages: int = MAX_PAGES,
) -> Paging:
    """Follow ``next_page_token`` to the end (at most ``max_pages`` pages).

    Every page is asked with the same ``params`` (the query among them) and
    ``limit`` (None: the platform's own page size). ``problem`` says why
    paging stopped early: an error status, a token seen before, or too many
    pages.
    """
    result = Paging()
    seen_tokens: set[str] = set()
    token: str | None = None
    for _ in range(max_pages):
        query = dict(params or {})
        if limit is not None:
            query["limit"] = str(limit)
        if token is not None:
            query["page_token"] = token
        response = send_as(probe, "GET", ITEMS_PATH, role, presentation, params=query)
        result.responses.append(response)
        if response.status != 200:
            result.problem = f"a page answered {response.status} ({response.exchange})"
            return result
        body = response.json()
        page = body.get("items") if isinstance(body, dict) else None
        if not isinstance(page, list):
            result.problem = f"a page has no items list ({response.exchange})"
            return result
        result.items += [i for i in page if isinstance(i, dict)]
        token = body.get("next_page_token")
        if token is None:
            return result
        if not isinstance(token, str) or not token or token in seen_tokens:
            result.problem = (
                f"next_page_token {token!r} is not a new token ({response.exchange}); "
                "the last page has it null or absent"
            )
            return result
        seen_tokens.add(token)
    result.problem = f"still not on the last page after {max_pages} pages"
    return result
