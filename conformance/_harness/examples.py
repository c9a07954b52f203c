"""Generated examples for property checks against a live platform.

A check wraps its body with ``examples.given(strategy)``; the run's seed
makes the sequence of examples reproducible, a failing example is shrunk
(unless ``--no-shrink``) and the report names the seed that replays it.
Every property has a budget of calls (examples and shrink steps together):
past it, further examples are rejected, so shrinking against a live
platform stops politely with the smallest failing example found so far.
A count, not a time, so that the same seed always ends on the same case.

What is generated comes from the strategies and the seed alone: Hypothesis
(from 6.131) also mixes in the string and number literals of every module it
finds loaded from outside site-packages. Run from a checkout, that is the
suite's own source ("pytest", "conformance", ...), which a platform could
learn to recognise, and what a seed draws would depend on which modules
happen to be imported. :func:`_generate_from_strategies_alone` turns that off.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase
from hypothesis.control import current_build_context
from hypothesis.strategies import SearchStrategy


def _generate_from_strategies_alone() -> None:
    """Stop Hypothesis drawing the literals of loaded modules (no public setting does).

    Its built-in constants (the same for every user) stay; a version without
    the hook has nothing to turn off. ``tests/trust/test_unmarked.py`` and
    ``tests/test_examples.py`` fail if the suite's literals come back.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # pragma: no cover - a Hypothesis laid out otherwise
        return
    if not hasattr(providers, "_get_local_constants"):  # pragma: no cover
        return
    nothing = Constants()
    providers._get_local_constants = lambda: nothing
    providers.CONSTANTS_CACHE.cache.clear()


_generate_from_strategies_alone()


class Examples:
    """Runs a property against generated inputs with the run's seed and budget."""

    def __init__(self, seed: int, max_examples: int, shrink: bool, calls: int = 60) -> None:
        self.seed = seed
        self.max_examples = max_examples
        self.shrink = shrink
        self.calls = calls

    def given(
        self, *strategies: SearchStrategy[Any], max_examples: int | None = None
    ) -> Callable[[Callable[..., None]], Callable[[], None]]:
        """Decorate a property; calling the result runs it over the examples."""
        phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if self.shrink else [])

        def decorate(prop: Callable[..., None]) -> Callable[[], None]:
            made = [0]

            @functools.wraps(prop)
            def bounded(*args: Any, **kwargs: Any) -> None:
                # The final replay of the smallest failing example must always run.
                if made[0] >= self.calls and not current_build_context().is_final:
                    hypothesis.reject()  # out of budget: keep the best example found so far
                made[0] += 1
                prop(*args, **kwargs)

            run = hypothesis.given(*strategies)(bounded)
            run = hypothesis.settings(
                max_examples=max_examples or self.max_examples,
                deadline=None,
                database=None,
                phases=phases,
                suppress_health_check=list(HealthCheck),
                print_blob=False,
                report_multiple_bugs=False,
            )(run)
            return hypothesis.seed(self.seed)(run)

        return decorate


def draw(strategy: SearchStrategy[Any], seed: int) -> Any:
    """One value of a strategy, the same for the same seed and another for another seed.

    A fixed corpus for a run, new each run: Hypothesis's first example is always
    the simplest one (``0``, ``"000"``, the smallest archive), whatever the seed,
    so the value is its second, the first drawn from the seed. Otherwise every
    run would send the same data, which a platform could learn to recognise.
    """
    drawn: list[Any] = []

    @hypothesis.settings(
        max_examples=2,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.seed(seed)
    @hypothesis.given(strategy)
    def take(value: Any) -> None:
        drawn.append(value)

    take()
    return drawn[-1]  # the only one when the strategy has a single value
