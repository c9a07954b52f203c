"""Choices a standard leaves open, and named sets of them.

Every place where a draft lets a conformant platform do one thing or
another (COMMON C5: "may choose among every option a standard leaves
open") is a :class:`Choice` of the reference platform, with the sentence of
the draft that allows it. A :class:`ChoiceSet` picks one option for each:

- ``default``: the first option of every choice (the reference as it was);
- ``alt``: the alternative of every choice;
- ``strict``: the least generous conformant platform: every declared limit
  at the draft's floor or ceiling, everything else as ``default``;
- ``seed:N``: each choice drawn at random among its options, seeded.

A check is judged on the whole space: the sensitivity test runs the suite
against several sets, so a check that depends on one point of it is caught.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")

NAMED_SETS = ("default", "alt", "strict")
"""The fixed named sets; ``seed:N`` names a random mix besides these."""


@dataclass(frozen=True)
class Choice(Generic[T]):
    """One option a draft leaves open, with the options the reference can take.

    ``default`` is what the ``default`` set takes, ``alt`` what ``alt``
    takes (the most different conformant option), ``strict`` what the least
    generous conformant platform takes (defaults to ``default``), and
    ``others`` further options a seeded mix may draw.
    """

    name: str
    """Dotted, standard first: ``common.problem_media_type``."""
    default: T
    alt: T
    source: str
    """The draft's words that allow every option, with their place (``COMMON C5``)."""
    description: str
    """What the options are, for docs/CHOICES.md."""
    strict: T | None = None
    others: tuple[T, ...] = ()

    @property
    def options(self) -> tuple[T, ...]:
        """Every option, without repeats, default first."""
        values: list[T] = []
        for value in (self.default, self.alt, self.strict, *self.others):
            if value is not None and value not in values:
                values.append(value)
        return tuple(values)

    @property
    def strict_value(self) -> T:
        """What the ``strict`` set takes."""
        return self.default if self.strict is None else self.strict


@dataclass(frozen=True)
class ChoiceSet:
    """One point of the space of conformant platforms: an option per choice.

    Look a value up by its :class:`Choice` (``choices[PROBLEM_MEDIA_TYPE]``),
    which is typed; a choice the set does not name takes its default.
    """

    name: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, choice: Choice[T]) -> T:
        value: T = self.values.get(choice.name, choice.default)
        return value

    def replacing(self, *pairs: tuple[Choice[Any], Any]) -> ChoiceSet:
        """The same set with the given choices taking the given options."""
        values = dict(self.values)
        values.update({choice.name: value for choice, value in pairs})
        return ChoiceSet(self.name, values)

    def random(self, salt: str = "") -> random.Random:
        """A random generator seeded by the set's name, for the platform's own randomness."""
        return random.Random(f"{self.name}:{salt}")


def resolve(name: str, choices: Iterable[Choice[Any]]) -> ChoiceSet:
    """Build the named set over ``choices``.

    ``name`` is ``default``, ``alt``, ``strict`` or ``seed:N``; anything
    else is a ``ValueError`` that names the valid forms.
    """
    declared = list(choices)
    if name == "default":
        return ChoiceSet(name, {c.name: c.default for c in declared})
    if name == "alt":
        return ChoiceSet(name, {c.name: c.alt for c in declared})
    if name == "strict":
        return ChoiceSet(name, {c.name: c.strict_value for c in declared})
    prefix, _, number = name.partition(":")
    if prefix == "seed" and number.isdigit():
        return ChoiceSet(
            name,
            {c.name: random.Random(f"{number}:{c.name}").choice(c.options) for c in declared},
        )
    raise ValueError(
        f"unknown choice set {name!r}: use one of {', '.join(NAMED_SETS)} or seed:N "
        "(N a whole number)"
    )
