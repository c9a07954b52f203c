"""What the plugin reads from and keeps on pytest's objects.

The ``requirement`` marker a check names its requirement with, and the
stash keys under which a run keeps its harness and each check its probes.
Cheap to import: the plugin's fixtures use it in every pytest run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conformance._harness.harness import Harness
    from conformance._harness.probe import Probe

MARKER = "requirement(id): the requirement a conformance check decides (e.g. PORT-004)"

harness_key: pytest.StashKey[Harness] = pytest.StashKey()
probes_key: pytest.StashKey[list[Probe]] = pytest.StashKey()


def requirement_ids(item: pytest.Item) -> list[str]:
    """The requirements a collected check names with its marker."""
    return [str(arg) for mark in item.iter_markers("requirement") for arg in mark.args]
