"""Which standards the reference platform serves: one factory per standard module.

A factory returns ``None`` while its standard is not implemented, so the
discovery document never claims what the platform does not serve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from . import cloud, disc, fair, link
from .choices import ChoiceSet
from .cloud_store import ObjectStore
from .identities import Identities
from .port import PortModule
from .routing import Module
from .store import Store


@dataclass(frozen=True)
class ModuleContext:
    """What a standard module may use: storage, identities, the start time, options, objects."""

    store: Store
    identities: Identities
    started_at: datetime
    part_size: int
    choices: ChoiceSet
    objects: ObjectStore
    """CLOUD's object store, which the S3 surface serves (``cloud_store``)."""


def _port(ctx: ModuleContext) -> Module:
    return PortModule(
        ctx.store, ctx.identities.users, ctx.started_at, ctx.part_size, choices=ctx.choices
    )


FACTORIES: tuple[Callable[[ModuleContext], Module | None], ...] = (
    _port,
    fair.create,
    link.create,
    disc.create,
    cloud.create,
)


def build_modules(ctx: ModuleContext) -> list[Module]:
    """Every implemented standard's module, in a fixed order."""
    return [module for factory in FACTORIES if (module := factory(ctx)) is not None]
