"""FAIR 1.0 on the reference platform (not implemented yet: the platform does not claim it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .routing import Module
    from .standards import ModuleContext


def create(ctx: ModuleContext) -> Module | None:
    """The FAIR module, or None while FAIR is not implemented."""
    return None
