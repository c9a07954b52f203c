"""DISC 1.0 on the reference platform: published rules, quotes, decisions, explanations.

Workers (``w1``, ``w2``) may ask for pay quotes and read their decisions;
merchants (``m1``, ``m2``) may ask for fee quotes. Quotes are computed from
the version in force by the clock (:mod:`.disc_quotes`); every caller gets
the same answer for the same input. Decisions are made up at start, some
under a previous version, and each explanation cites that version's
published factors and weights.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from werkzeug.wrappers import Response

from .clock import format_timestamp, new_id, utc_now
from .disc_quotes import fee_quote, pay_quote
from .disc_rules import RulesVersion, build_versions, document, in_force
from .problems import Problem
from .routing import Claim, Context, Route, json_response, read_body

if TYPE_CHECKING:
    from .standards import ModuleContext

WORKERS: Final = ("w1", "w2")
MERCHANTS: Final = ("m1", "m2")
_MAX_BODY: Final = 16 * 1024
# Hours before the start at which each worker's decisions were made: the
# first falls under v2, the others under v3 (see build_versions).
_DECISION_AGES_H: Final = (40 * 24, 72, 1)


@dataclass(frozen=True)
class Decision:
    """An order-assignment decision and the explanation it carries."""

    id: str
    at: datetime
    version: str
    values: Mapping[str, str]


class DiscModule:
    """The DISC routes."""

    def __init__(
        self,
        users: Mapping[str, str],
        started_at: datetime,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._clock = clock
        self._versions = build_versions(started_at)
        self._by_name = {v.name: i for i, v in enumerate(self._versions)}
        self._decisions = {
            users[w]: self._make_decisions(started_at, seed)
            for seed, w in enumerate(WORKERS)
            if w in users
        }

    def _make_decisions(self, started_at: datetime, seed: int) -> list[Decision]:
        rng = random.Random(seed)  # values only; nothing here needs to be secret
        made = []
        for hours in _DECISION_AGES_H:
            at = started_at - timedelta(hours=hours)
            version = self._versions[in_force(self._versions, at)]
            values = {
                name: f"{rng.randint(0, 100) / 100:.2f}" for name in version.allocation_weights()
            }
            made.append(Decision(new_id("dec"), at, version.name, values))
        return made

    # -- Module ------------------------------------------------------------------
    def routes(self) -> Sequence[Route]:
        """The disclosure (anonymous), its versions, quotes and decisions."""
        return [
            Route("/.well-known/platform-disclosure", ("GET",), self.disclosure, anonymous=True),
            Route(
                "/.well-known/platform-disclosure/versions/<version>",
                ("GET",),
                self.disclosure_version,
                anonymous=True,
            ),
            Route("/disc/v1/pay-quotes", ("POST",), self.pay_quote),
            Route("/disc/v1/fee-quotes", ("POST",), self.fee_quote),
            Route("/disc/v1/decisions", ("GET",), self.decisions),
            Route("/disc/v1/decisions/<id>/explanation", ("GET",), self.explanation),
        ]

    def claims(self) -> Sequence[Claim]:
        """DISC 1.0 with both profiles."""
        return [Claim("DISC", "1.0", ("core", "explanations"))]

    def limits(self) -> Mapping[str, int]:
        """DISC defines no discovery limits."""
        return {}

    def close(self) -> None:
        """Nothing runs in the background."""

    # -- handlers ------------------------------------------------------------------
    def _current(self) -> RulesVersion:
        return self._versions[in_force(self._versions, self._clock())]

    def disclosure(self, ctx: Context) -> Response:
        """GET /.well-known/platform-disclosure: the version in force."""
        now = self._clock()
        return json_response(document(self._versions, in_force(self._versions, now), now))

    def disclosure_version(self, ctx: Context) -> Response:
        """GET a version's document; an upcoming one only once it is published."""
        now = self._clock()
        index = self._by_name.get(ctx.args["version"])
        if index is None or self._versions[index].published_at > now:
            raise Problem(404, "NOT_FOUND", f"no published version {ctx.args['version']!r}")
        return json_response(document(self._versions, index, now))

    def pay_quote(self, ctx: Context) -> Response:
        """POST /disc/v1/pay-quotes: the published formula, for workers."""
        self._require(ctx, WORKERS, "pay quotes are for workers")
        version = self._current()
        quote = pay_quote(version.rules, _json(ctx))
        return json_response({**quote, "rules_version": version.name, "worker": ctx.account})

    def fee_quote(self, ctx: Context) -> Response:
        """POST /disc/v1/fee-quotes: the published fee rule, for merchants."""
        self._require(ctx, MERCHANTS, "fee quotes are for merchants")
        version = self._current()
        quote = fee_quote(version.rules, _json(ctx))
        return json_response({**quote, "rules_version": version.name, "merchant": ctx.account})

    def decisions(self, ctx: Context) -> Response:
        """GET /disc/v1/decisions: the worker's decisions, oldest first."""
        self._require(ctx, WORKERS, "decisions concern workers")
        made = self._decisions.get(ctx.account, [])
        return json_response(
            {"decisions": [{"id": d.id, "at": format_timestamp(d.at)} for d in made]}
        )

    def explanation(self, ctx: Context) -> Response:
        """GET /disc/v1/decisions/{id}/explanation: factors and weights of its version."""
        self._require(ctx, WORKERS, "decisions concern workers")
        decision = next(
            (d for d in self._decisions.get(ctx.account, []) if d.id == ctx.args["id"]), None
        )
        if decision is None:
            raise Problem(404, "NOT_FOUND", f"no decision {ctx.args['id']!r} for this worker")
        weights = self._versions[self._by_name[decision.version]].allocation_weights()
        factors = [
            {"name": name, "value": decision.values[name], "weight": weight}
            for name, weight in weights.items()
        ]
        return json_response(
            {"decision": decision.id, "factors": factors, "rules_version": decision.version}
        )

    @staticmethod
    def _require(ctx: Context, allowed: tuple[str, ...], why: str) -> None:
        if ctx.caller is None or ctx.caller.user_name not in allowed:
            raise Problem(403, "DENIED", why)


def _json(ctx: Context) -> Any:
    raw = read_body(ctx.request, _MAX_BODY)
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise Problem(422, "INVALID", "the body must be JSON") from None


def create(ctx: ModuleContext) -> DiscModule:
    """The DISC module over the platform's identities."""
    return DiscModule(ctx.identities.users, ctx.started_at)
