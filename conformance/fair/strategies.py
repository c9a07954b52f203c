"""FAIR-002's generated quotes: item, quantity, coupon, and who asks presenting itself how."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from conformance._harness.target import Role
from conformance.fair.agents import CONFIGURED, Presentation, presentations
from conformance.fair.rules import CLASSES, PricingRule

USERS = ("alice", "bob", "carol")


@dataclass(frozen=True)
class Asker:
    """Who sends a quote request: a role and how its client presents itself."""

    role: Role
    presentation: Presentation = CONFIGURED


@dataclass(frozen=True)
class QuoteCase:
    """One generated quote request, asked by several askers."""

    item_id: str
    quantity: int
    coupon: str | None
    askers: tuple[Asker, ...]


def _coupons(rules: Sequence[PricingRule]) -> st.SearchStrategy[str | None]:
    codes = [r.coupon for r in rules if r.coupon]
    variants: list[st.SearchStrategy[str | None]] = [st.none(), st.text(max_size=12)]
    if codes:
        known = st.sampled_from(codes)
        variants += [
            known,
            known,
            known.map(str.lower),
            known.map(str.swapcase),
            known.map(lambda c: c + " "),
        ]
    return st.one_of(variants)


def _quantities(rules: Sequence[PricingRule]) -> st.SearchStrategy[int]:
    edges = sorted(
        {n for r in rules if r.min_quantity for n in (r.min_quantity - 1, r.min_quantity)}
    )
    edges = [n for n in edges if n >= 1]
    near = [st.sampled_from(edges)] if edges else []
    return st.one_of([*near, st.integers(1, 20), st.integers(1, 500)])


def _free_agent(text: str) -> Presentation:
    return Presentation(headers=(("User-Agent", text),), name=f"User-Agent {text!r}")


def _presentations() -> st.SearchStrategy[Presentation]:
    return st.one_of(
        st.just(CONFIGURED),
        st.sampled_from(presentations()),
        # Any visible ASCII with inner spaces: a header value may not start or end
        # with whitespace (RFC 9110 field-value), so none is generated there.
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=40)
        .map(str.strip)
        .filter(bool)
        .map(_free_agent),
    )


def _askers() -> st.SearchStrategy[Asker]:
    return st.builds(
        Asker,
        st.builds(Role, st.sampled_from(CLASSES), st.sampled_from(USERS)),
        _presentations(),
    )


def quote_cases(
    item_ids: Sequence[str], rules: Sequence[PricingRule]
) -> st.SearchStrategy[QuoteCase]:
    """Quote requests over listed items, each asked by 2–3 generated askers."""
    return st.builds(
        QuoteCase,
        st.sampled_from(list(item_ids)),
        _quantities(rules),
        _coupons(rules),
        st.lists(_askers(), min_size=2, max_size=3).map(tuple),
    )
