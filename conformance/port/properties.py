"""Running a PORT property against a live platform: within its time, and failing honestly.

A property that exports costs the platform's export time on every call,
shrinking included; :func:`run_property` stops asking for more examples
when the check's remaining time would not cover another call (the final
replay of the smallest failing example still runs). A violation seen while
generating or shrinking ends ``fail`` with the example that showed it, even
when the platform's state (an import already made, a quota used up) keeps
Hypothesis from replaying it: then Hypothesis's "flaky" verdict is replaced
by the first finding, with a note that says so.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

import hypothesis
from hypothesis.control import current_build_context
from hypothesis.strategies import SearchStrategy

from conformance._harness.examples import Examples

_MARGIN_SECONDS = 5.0


def run_property(
    examples: Examples,
    strategies: tuple[SearchStrategy[Any], ...],
    prop: Callable[..., None],
    *,
    time_left: Callable[[], float],
    max_examples: int | None = None,
    describe: Callable[..., str] | None = None,
) -> None:
    """Run ``prop`` over generated examples; raise the first finding if the run ends otherwise.

    ``time_left`` says how many seconds the check has left; ``describe``
    summarises an example for the report (the seed replays it whole).
    """
    first: list[AssertionError] = []
    costs: list[float] = []

    @functools.wraps(prop)
    def guarded(*args: Any, **kwargs: Any) -> None:
        if costs and not current_build_context().is_final:
            if time_left() < max(costs) * 1.5 + _MARGIN_SECONDS:
                hypothesis.reject()  # no time for another call: keep what was found
        started = time.monotonic()
        try:
            prop(*args, **kwargs)
        except AssertionError as exc:
            if not first:
                summary = describe(*args, **kwargs) if describe is not None else ""
                exc.add_note(
                    f"the example that showed it: {summary} (seed {examples.seed} replays it)"
                    if summary
                    else f"seed {examples.seed} replays the example that showed it"
                )
                first.append(exc)
            raise
        finally:
            costs.append(time.monotonic() - started)

    run = examples.given(*strategies, max_examples=max_examples)(guarded)
    try:
        run()
    except AssertionError:
        raise
    except Exception as exc:
        inner = _finding_in(exc)
        if inner is not None:
            raise inner from None
        if first:
            found = first[0]
            found.add_note(
                f"the example could not be replayed as Hypothesis checks ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:200] if str(exc) else ''}); the platform's state "
                "changed under it, so the first failure is reported"
            )
            raise found from None
        raise


def _finding_in(exc: BaseException) -> AssertionError | None:
    """An assertion inside an exception group (Hypothesis's FlakyFailure is one)."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            if isinstance(inner, AssertionError):
                return inner
            nested = _finding_in(inner)
            if nested is not None:
                return nested
    return None


def round_trip_examples(examples: Examples) -> tuple[int, int]:
    """(Hypothesis examples, archives per batch) for a property that exports.

    The first example Hypothesis tries is the simplest; the others carry the
    run's ``--examples`` archives between them, a few per export.
    """
    per_batch = max(1, min(examples.max_examples, 8))
    batches = 1 + -(-examples.max_examples // per_batch)
    return batches, per_batch
