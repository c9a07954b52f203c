"""The xdist scheduler of ``--longest-first`` (the policy: tests/longest_first.py).

Built on xdist's ``LoadScopeScheduling`` (units of work handed out as workers
need them); what changes is which units there are, their order, that a
worker busy with a long unit is handed the shortest one waiting, and that
units which mostly wait go to the workers beyond the cores.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from longest_first import BUSY, estimate, load_cpu, load_durations, scope_of, units, waits
from xdist.scheduler.loadscope import LoadScopeScheduling


class LongestFirst(LoadScopeScheduling):  # type: ignore[misc]
    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        self.durations = load_durations()
        self.cpu = load_cpu()
        self.cores = os.cpu_count() or 1
        self.waiting: set[str] = set()
        """The units that mostly wait."""

    def _split_scope(self, nodeid: str) -> str:
        return scope_of(nodeid, self.durations)

    def schedule(self) -> None:
        if self.collection is not None or not self._check_nodes_have_same_collection():
            super().schedule()
            return
        collection = list(next(iter(self.registered_collections.values())))
        if not collection:
            super().schedule()
            return
        self.collection = collection
        for scope, nodeids in units(collection, self.durations).items():
            self.workqueue[scope] = dict.fromkeys(nodeids, False)
            if waits(nodeids, self.durations, self.cpu):
                self.waiting.add(scope)
        for node in self.nodes[len(self.workqueue) :]:  # more workers than units
            self.assigned_work.pop(node, None)
            node.shutdown()
        for node in list(self.assigned_work):
            self._assign_work_unit(node)
        for node in list(self.assigned_work):
            self._reschedule(node)
        if not self.workqueue:
            for node in self.nodes:
                node.shutdown()

    def _reschedule(self, node: Any) -> None:
        if node.shutting_down:
            return
        if not self.workqueue:
            node.shutdown()
            return
        assigned = self.assigned_work[node]
        if self._pending_of(assigned) > 2:
            return
        waiting = [n for unit in assigned.values() for n, done in unit.items() if not done]
        self._assign(node, shortest=estimate(waiting, self.durations) > BUSY)

    def _next_scope(self, *, shortest: bool) -> str:
        """The unit to hand out: the shortest, or the longest of the kind a core is free for."""
        scopes = list(self.workqueue)
        if shortest:
            return scopes[-1]
        slots = len(self.nodes) - self.cores
        if slots <= 0 or not self.waiting:
            return scopes[0]
        running = sum(
            1
            for assigned in self.assigned_work.values()
            for scope, unit in assigned.items()
            if scope in self.waiting and not all(unit.values())
        )
        wanted = running < slots
        return next((s for s in scopes if (s in self.waiting) == wanted), scopes[0])

    def _assign(self, node: Any, *, shortest: bool) -> None:
        scope = self._next_scope(shortest=shortest)
        work_unit = self.workqueue.pop(scope)
        self.assigned_work.setdefault(node, {})[scope] = work_unit
        collection = self.registered_collections[node]
        node.send_runtest_some([collection.index(n) for n, done in work_unit.items() if not done])

    def _assign_work_unit(self, node: Any) -> None:
        self._assign(node, shortest=False)
