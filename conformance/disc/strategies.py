"""Inputs over the space a disclosure covers: boundaries, rounding ties and the rest.

Ties are found arithmetically, not by search: for a rate ``a/b`` and a
divisor ``d``, ``rate × n / d`` is a tie (halfway between two cents) exactly
when ``200·a·n / (b·d)`` is an odd integer, so the smallest such ``n`` is a
step of ``b·d / gcd(200·a, b·d)`` and its odd multiples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Final, TypeVar

from hypothesis import example
from hypothesis import strategies as st

from conformance.disc.formulas import FeeInput, FeeRule, PayInput, PayRules, is_tie, r

MAX_DISTANCE_M: Final = 200_000
MAX_DURATION_S: Final = 86_400
T = TypeVar("T")


def ties(rate: Fraction, divisor: int, limit: int, count: int = 2) -> list[int]:
    """The smallest ``n`` in 1…limit for which ``rate × n / divisor`` is a tie (up to ``count``)."""
    if rate <= 0:
        return []
    scale = rate * 200 / divisor  # 200·x per unit of n, in lowest terms p/q
    step, value = scale.denominator, scale.numerator  # 200·x is an integer iff q divides n
    if value % 2 == 0:
        return []  # at every multiple of q, 200·x is even: no ties
    return [k * step for k in range(1, 2 * count, 2) if k * step <= limit]


def _reaching(rate: Fraction, divisor: int, cents: int, top: int) -> int | None:
    """An ``n`` in 0…top with ``r(rate × n / divisor)`` equal to ``cents`` / 100, if one exists."""
    if rate <= 0:
        return 0 if cents == 0 else None
    guess = round(Fraction(cents, 100) * divisor / rate)
    for n in (guess, guess - 1, guess + 1, guess - 2, guess + 2):
        if 0 <= n <= top and r(rate * n / divisor) == Fraction(cents, 100):
            return n
    return None


def zone_ties(rules: PayRules, zone: str, count: int = 2, scan: int = 2000) -> list[PayInput]:
    """The smallest inputs whose zone component ``subtotal × (multiplier − 1)`` is an exact tie.

    The zone component is negative for a multiplier below 1, where ``r()``
    sends a half away from zero (``-0.175`` → ``-0.18``) and a platform that
    rounds halves upward gets ``-0.17``. The subtotal is ``base`` plus a
    whole number of cents; the first ``scan`` of those are tried, each
    reached by a distance alone (or a duration alone). A multiplier whose
    products never fall on a half gives none.
    """
    step = rules.zone_multipliers[zone] - 1
    found: list[PayInput] = []
    if step == 0:
        return found
    for cents in range(scan):
        if not is_tie((rules.base + Fraction(cents, 100)) * step):
            continue
        distance = _reaching(rules.per_km, 1000, cents, MAX_DISTANCE_M)
        if distance is not None:
            found.append(PayInput(distance, 0, zone))
        else:
            duration = _reaching(rules.per_minute, 60, cents, MAX_DURATION_S)
            if duration is None:
                continue
            found.append(PayInput(0, duration, zone))
        if len(found) >= count:
            break
    return found


def pay_boundaries(rules: PayRules) -> list[PayInput]:
    """Exact ties of every zone, then component ties, nothing and the maximum, per zone.

    Ordered by kind, so that a check that can afford only the first few
    still covers every zone with the inputs most likely to expose rounding:
    first a tie of each negative zone component (multipliers below 1), then
    of each positive one, then distance and time ties, then 0 m and 0 s,
    then 200 000 m and 86 400 s, then a second tie of each zone component.
    """
    zones = sorted(rules.zone_multipliers)
    ties_of = {zone: zone_ties(rules, zone) for zone in zones}
    negative = [z for z in zones if rules.zone_multipliers[z] < 1]
    positive = [z for z in zones if rules.zone_multipliers[z] > 1]
    out = [ties_of[z][0] for z in negative + positive if ties_of[z]]
    distance_ties = ties(rules.per_km, 1000, MAX_DISTANCE_M) or [1]
    time_ties = ties(rules.per_minute, 60, MAX_DURATION_S) or [1]
    pairs = [(distance_ties[0], time_ties[0]), (0, 0), (MAX_DISTANCE_M, MAX_DURATION_S)]
    out += [PayInput(d, s, zone) for d, s in pairs for zone in zones]
    out += [ties_of[z][1] for z in negative + positive if len(ties_of[z]) > 1]
    return list(dict.fromkeys(out))


def pay_inputs(rules: PayRules) -> st.SearchStrategy[PayInput]:
    """Any in-range input for a published zone, boundaries and ties mixed in."""
    special_d = [0, 1, MAX_DISTANCE_M, *ties(rules.per_km, 1000, MAX_DISTANCE_M, 4)]
    special_s = [0, 1, MAX_DURATION_S, *ties(rules.per_minute, 60, MAX_DURATION_S, 4)]
    distance = st.one_of(st.integers(0, MAX_DISTANCE_M), st.sampled_from(special_d))
    duration = st.one_of(st.integers(0, MAX_DURATION_S), st.sampled_from(special_s))
    zones = st.sampled_from(sorted(rules.zone_multipliers))
    return st.builds(PayInput, distance, duration, zones)


def cents(n: int) -> str:
    """An amount of cents as a decimal string with two places."""
    return f"{n // 100}.{n % 100:02d}"


def fee_boundaries(fees: Mapping[str, FeeRule]) -> list[FeeInput]:
    """For every category the smallest exact tie, then zero, then a large value with three places."""
    out: list[FeeInput] = []
    for category in sorted(fees):
        # order_value = n cents: commission = n × percent / 10 000
        tie = ties(fees[category].commission_percent, 10_000, 10**9, 1)
        out.append(FeeInput(category, cents(tie[0]) if tie else "0.01"))
    for value in ("0", "98765.435"):
        out += [FeeInput(category, value) for category in sorted(fees)]
    return out


def order_values() -> st.SearchStrategy[str]:
    """Non-negative decimal strings with zero to three places."""
    whole = st.integers(0, 10**6).map(str)
    two = st.integers(0, 10**8).map(cents)
    three = st.integers(0, 10**8).map(lambda n: f"{n // 1000}.{n % 1000:03d}")
    return st.one_of(whole, two, three)


def fee_inputs(fees: Mapping[str, FeeRule]) -> st.SearchStrategy[FeeInput]:
    """Any published category with any order value, boundaries mixed in."""
    special = [b.order_value for b in fee_boundaries(fees)]
    values = st.one_of(order_values(), st.sampled_from(special))
    return st.builds(FeeInput, st.sampled_from(sorted(fees)), values)


def with_examples(
    prop: Callable[[T], None], cases: Sequence[T], budget: int
) -> Callable[[T], None]:
    """``prop`` with the first ``budget`` cases as explicit examples, tried before generated ones."""
    for case in reversed(cases[: max(budget, 0)]):
        prop = example(case)(prop)
    return prop
