"""The space of conformant reference platforms: every open choice, and named sets.

``ChoiceSet.named``-style lookup goes through :func:`choice_set`; each
standard declares its own choices in a module of this package.
"""

from __future__ import annotations

from typing import Any, Final

from . import cloud, cloud_s3, common, disc, fair, link, port
from .core import NAMED_SETS, Choice, ChoiceSet, resolve

ALL_CHOICES: Final[tuple[Choice[Any], ...]] = (
    *common.CHOICES,
    *port.CHOICES,
    *fair.CHOICES,
    *link.CHOICES,
    *disc.CHOICES,
    *cloud.CHOICES,
    *cloud_s3.CHOICES,
)


def choice_set(name: str) -> ChoiceSet:
    """The named set (``default``, ``alt``, ``strict`` or ``seed:N``) over every choice."""
    return resolve(name, ALL_CHOICES)


DEFAULT: Final = choice_set("default")

__all__ = ["ALL_CHOICES", "DEFAULT", "NAMED_SETS", "Choice", "ChoiceSet", "choice_set"]
