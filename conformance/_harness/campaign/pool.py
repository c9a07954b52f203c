"""At most N targets' runs at once; each outcome reported as it comes, all returned in plan order.

Threads only wait here (each on its own process), so N threads are N runs.
They start in ``start_order`` (the longest last time first, ``durations``).
Ctrl-C interrupts every running run, as Ctrl-C on each would (their reports
of what ran are written), starts no more, and waits for them to end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed

from conformance._harness.campaign.history import start_order
from conformance._harness.campaign.plan import CampaignTarget
from conformance._harness.campaign.unit import Outcome, Running, Settings, run_target
from conformance._harness.safe_text import console_text


def run_all(
    targets: Sequence[CampaignTarget],
    settings: Settings,
    parallel: int,
    on_done: Callable[[Outcome], None] = lambda _: None,
    durations: Mapping[str, float] | None = None,
) -> tuple[list[Outcome], bool]:
    """Every target's outcome in plan order, and whether the campaign was interrupted.

    ``durations`` (target name → seconds its last run took) orders the starts.
    """
    running = Running()
    done: dict[str, Outcome] = {}
    interrupted = False
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="campaign") as pool:
        futures = {
            pool.submit(run_target, t, settings, running): t
            for t in start_order(targets, durations or {})
        }
        pending = set(futures)
        while pending:
            try:
                for future in as_completed(pending):
                    pending.discard(future)
                    outcome = _outcome(future, futures[future])
                    done[outcome.target.name] = outcome
                    on_done(outcome)
            except KeyboardInterrupt:
                interrupted = True
                running.interrupt_all()  # then wait for them: they write what ran
    return [done[t.name] for t in targets], interrupted


def _outcome(future: Future[Outcome], target: CampaignTarget) -> Outcome:
    try:
        return future.result()
    except Exception as exc:  # a bug of the campaign for this target: the others go on
        problem = console_text(f"internal error of the campaign (please report it): {exc!r}")
        return Outcome(target, "not-started", None, 0.0, problem=problem)
