"""DISC 1.0 on the reference platform: published rules, quotes, decisions, explanations.

Workers (``w1``, ``w2``) may ask for pay quotes and read their decisions;
merchants (``m1``, ``m2``) may ask for fee quotes. Quotes are computed from
the version in force by the clock (:mod:`.disc_quotes`); every caller gets
the same answer for the same input. Decisions are made up at start, some
under a previous version, and each explanation cites that version's
published factors and weights. Where the draft leaves a choice open (rules,
number forms, version names and URLs, ids, explanations), the module takes
the option of its ``ChoiceSet`` (see ``choices/disc.py``).
"""

from __future__ import annotations

import itertools
import json
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from werkzeug.wrappers import Response

from .choices import DEFAULT, ChoiceSet
from .choices.disc import (
    BREAKDOWN_ORDER,
    DECIMAL_STYLE,
    DECISION_IDS,
    EXPLANATIONS,
    NOTICE_DAYS,
    PREVIOUS_LISTING,
    QUOTE_EXTRAS,
    QUOTE_STATUS,
    RULES,
    UPCOMING,
    VERSION_NAMES,
    VERSION_URLS,
)
from .clock import format_timestamp, new_id, utc_now
from .disc_quotes import fee_quote, pay_quote
from .disc_rules import (
    VERSIONS_PATH,
    RulesVersion,
    build_versions,
    decimal_text,
    document,
    in_force,
)
from .problems import Problem
from .routing import Claim, Context, Route, json_response, read_body

if TYPE_CHECKING:
    from .standards import ModuleContext

WORKERS: Final = ("w1", "w2")
MERCHANTS: Final = ("m1", "m2")
WELL_KNOWN: Final = "/.well-known/platform-disclosure"
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
    values: Mapping[str, int]
    """Factor name → a level from 0 to 100 (written as the explanation style says)."""


def _free_text(name: str, level: int) -> str:
    if "fit" in name:
        return "yes" if level >= 30 else "no"
    if "rating" in name:
        return f"{3 + level / 50:.1f} of 5"
    if "eta" in name or "distance" in name:
        return f"{1 + level // 10} min"
    return f"{level} min" if "idle" in name else f"level {level}"


class DiscModule:
    """The DISC routes."""

    def __init__(
        self,
        users: Mapping[str, str],
        started_at: datetime,
        clock: Callable[[], datetime] = utc_now,
        choices: ChoiceSet = DEFAULT,
    ) -> None:
        self._clock = clock
        self._choices = choices
        self._style = choices[DECIMAL_STYLE]
        self._versions = build_versions(
            started_at,
            book=choices[RULES],
            names=choices[VERSION_NAMES],
            notice_days=choices[NOTICE_DAYS],
            upcoming=choices[UPCOMING],
        )
        self._by_name = {v.name: i for i, v in enumerate(self._versions)}
        self._counter = itertools.count(1)
        self._decisions = {
            users[w]: self._make_decisions(w, started_at, seed)
            for seed, w in enumerate(WORKERS)
            if w in users
        }

    def _decision_id(self, worker: str, at: datetime) -> str:
        style = self._choices[DECISION_IDS]
        number = next(self._counter)
        if style == "uuid":
            return str(uuid.uuid4())
        if style == "numeric":
            return str(number)
        if style == "punctuated":
            # Characters a path must percent-encode ("#") or may keep (":", "+", "=").
            return f"{worker}:{at:%Y%m%d}#{number}+{uuid.uuid4().hex[:3]}="
        return new_id("dec")

    def _make_decisions(self, worker: str, started_at: datetime, seed: int) -> list[Decision]:
        rng = random.Random(seed)  # values only; nothing here needs to be secret
        made = []
        for hours in _DECISION_AGES_H:
            at = started_at - timedelta(hours=hours)
            version = self._versions[in_force(self._versions, at)]
            values = {name: rng.randint(0, 100) for name in version.allocation_weights()}
            made.append(Decision(self._decision_id(worker, at), at, version.name, values))
        return made

    # -- Module ------------------------------------------------------------------
    def routes(self) -> Sequence[Route]:
        """The disclosure (anonymous), its versions, quotes and decisions."""
        return [
            Route(WELL_KNOWN, ("GET",), self.disclosure, anonymous=True),
            Route(VERSIONS_PATH + "<version>", ("GET",), self.disclosure_version, anonymous=True),
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

    def _linker(self, ctx: Context, at_version: bool) -> Callable[[str], str]:
        """How the document served for this request writes the URL of a version."""
        style = self._choices[VERSION_URLS]

        def link(name: str) -> str:
            quoted = quote(name, safe="")
            if style == "query":
                return f"{WELL_KNOWN}?version={quoted}"
            if style == "absolute":
                return ctx.request.host_url.rstrip("/") + VERSIONS_PATH + quoted
            if style == "relative":
                # Against .../versions/<x> a bare name; against the well-known path, one level up.
                return quoted if at_version else f"platform-disclosure/versions/{quoted}"
            return VERSIONS_PATH + quoted

        return link

    def _document(self, ctx: Context, index: int, at_version: bool) -> Response:
        return json_response(
            document(
                self._versions,
                index,
                self._clock(),
                self._linker(ctx, at_version),
                listing=self._choices[PREVIOUS_LISTING],
                style=self._style,
            )
        )

    def _published(self, name: str) -> int:
        index = self._by_name.get(name)
        if index is None or self._versions[index].published_at > self._clock():
            raise Problem(404, "NOT_FOUND", f"no published version {name!r}")
        return index

    def disclosure(self, ctx: Context) -> Response:
        """GET /.well-known/platform-disclosure: the version in force (or ``?version=``)."""
        asked = ctx.request.args.get("version")
        if asked is not None and self._choices[VERSION_URLS] == "query":
            return self._document(ctx, self._published(asked), at_version=False)
        return self._document(ctx, in_force(self._versions, self._clock()), at_version=False)

    def disclosure_version(self, ctx: Context) -> Response:
        """GET a version's document; an upcoming one only once it is published."""
        return self._document(ctx, self._published(ctx.args["version"]), at_version=True)

    def _extras(self, ctx: Context, party: str) -> dict[str, str]:
        kind = self._choices[QUOTE_EXTRAS]
        if kind == "party":
            return {party: ctx.account}
        if kind == "quote-id":
            expires = self._clock() + timedelta(minutes=10)
            return {"quote_id": str(uuid.uuid4()), "expires_at": format_timestamp(expires)}
        return {}

    def pay_quote(self, ctx: Context) -> Response:
        """POST /disc/v1/pay-quotes: the published formula, for workers."""
        self._require(ctx, WORKERS, "pay quotes are for workers")
        version = self._current()
        quote_body = pay_quote(version.rules, _json(ctx))
        breakdown = [
            {"component": item["component"], "amount": decimal_text(item["amount"], self._style)}
            for item in quote_body["breakdown"]
        ]
        order = self._choices[BREAKDOWN_ORDER]
        if order == "reversed":
            breakdown.reverse()
        elif order == "by-amount":
            breakdown.sort(key=lambda item: Decimal(item["amount"]))
        body = {
            "amount": decimal_text(quote_body["amount"], self._style),
            "currency": quote_body["currency"],
            "breakdown": breakdown,
            "rules_version": version.name,
            **self._extras(ctx, "worker"),
        }
        return json_response(body, self._choices[QUOTE_STATUS])

    def fee_quote(self, ctx: Context) -> Response:
        """POST /disc/v1/fee-quotes: the published fee rule, for merchants."""
        self._require(ctx, MERCHANTS, "fee quotes are for merchants")
        version = self._current()
        quote_body = fee_quote(version.rules, _json(ctx))
        for key in ("commission", "fixed_fee", "total_fee"):
            quote_body[key] = decimal_text(quote_body[key], self._style)
        body = {**quote_body, "rules_version": version.name, **self._extras(ctx, "merchant")}
        return json_response(body, self._choices[QUOTE_STATUS])

    def decisions(self, ctx: Context) -> Response:
        """GET /disc/v1/decisions: the worker's decisions (oldest or newest first)."""
        self._require(ctx, WORKERS, "decisions concern workers")
        made = list(self._decisions.get(ctx.account, []))
        if self._choices[EXPLANATIONS] == "free-text":
            made.reverse()
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
        factors: list[dict[str, Any]]
        if self._choices[EXPLANATIONS] == "free-text":
            # Only the factors that mattered, heaviest first, in words.
            ranked = sorted(weights.items(), key=lambda item: Decimal(item[1]), reverse=True)
            factors = [
                {
                    "name": name,
                    "value": _free_text(name, decision.values[name]),
                    "weight": decimal_text(weight, self._style),
                    "description": f"How {name.replace('_', ' ')} counted in this decision.",
                    "contribution": f"{Decimal(weight) * decision.values[name] / 100:.3f}",
                }
                for name, weight in ranked[: max(1, len(ranked) - 1)]
            ]
        else:
            factors = [
                {
                    "name": name,
                    "value": decimal_text(f"{decision.values[name] / 100:.2f}", self._style),
                    "weight": decimal_text(weight, self._style),
                }
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
    except (UnicodeDecodeError, ValueError, RecursionError):  # nested past Python's stack
        raise Problem(422, "INVALID", "the body must be JSON") from None


def create(ctx: ModuleContext) -> DiscModule:
    """The DISC module over the platform's identities."""
    return DiscModule(ctx.identities.users, ctx.started_at, choices=ctx.choices)
