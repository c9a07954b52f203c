"""The order checks run in under ``--shuffle``: drawn from the run's seed, the same for the same seed.

A platform that learns the suite's sequence of checks could recognise a run
from its first requests and behave well only for it; a seeded shuffle
changes the sequence from run to run while ``--replay`` (same seed) runs the
same one again.

Checks do not depend on running after one another: what several of them
need (the claims, PORT's baseline export, LINK's policy, FAIR's rules) is
made by whichever runs first, through ``Harness.memo``, and a failure to
make it ends every check that needs it ``skip`` with "prerequisite … failed",
in any order. The claims and the credentials are read before any check
(``ConformanceRun.pytest_collection_finish``), and the only fixtures with a
wider scope than a check are session-wide (cleanup at the end of the run), so
the whole list is shuffled, not module by module.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol, TypeVar


class _Named(Protocol):
    @property
    def nodeid(self) -> str: ...


ItemT = TypeVar("ItemT", bound=_Named)


def shuffled(items: Sequence[ItemT], seed: int) -> list[ItemT]:
    """``items`` in an order drawn from ``seed``, whatever order they were collected in.

    They are sorted by node id first, so the order depends only on the seed and
    the checks selected, and a string seed (hashed by SHA-512, not ``hash()``)
    gives the same order in every process and Python version. The generator is
    the ordering's own: the inputs checks generate from the seed do not change.
    """
    ordered = sorted(items, key=lambda item: item.nodeid)
    random.Random(f"{seed}/check-order").shuffle(ordered)
    return ordered
