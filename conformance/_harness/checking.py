"""What a check may say besides pass and fail.

``Finding`` (or a plain ``assert``) fails a check; these helpers end it with
the other outcomes of COMMON C4, each with a reason that names its cause.
The outcome travels as the exception's type (``NotClaimed``,
``NotApplicable``), never in the text of its reason.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from contextvars import ContextVar
from typing import NoReturn

import pytest
from _pytest.outcomes import Skipped  # pytest.skip.Exception, by a name mypy can subclass

from conformance._harness.errors import Finding

_IN_FORCE: ContextVar[frozenset[str]] = ContextVar("requirements_in_force", default=frozenset())
"""The requirements of the check being set up or run (set by the session)."""


def in_force(requirements: Iterable[str]) -> None:
    """Say which requirements the check about to run is for (the session does)."""
    _IN_FORCE.set(frozenset(requirements))


class NotClaimed(Skipped):
    """A check ended ``not-claimed``: the platform does not claim its profile."""

    # pytest prints a skip as "<type>: <reason>", qualified by the type's module
    # unless it is "builtins" (as for its own Skipped): "NotClaimed: <reason>".
    __module__ = "builtins"


class NotApplicable(Skipped):
    """A check ended ``not-applicable``: the platform has nothing it applies to."""

    __module__ = "builtins"


def not_applicable(reason: str) -> NoReturn:
    """End the check ``not-applicable``: the platform has nothing it applies to."""
    __tracebackhide__ = True
    raise NotApplicable(reason)


def not_claimed(reason: str) -> NoReturn:
    """End the check ``not-claimed``: the platform does not claim its profile."""
    __tracebackhide__ = True
    raise NotClaimed(reason)


def prerequisite_failed(requirement: str, reason: str) -> NoReturn:
    """End the check ``skip``, naming the requirement whose failure blocks it.

    Called while a ``Finding`` is handled in a check of that requirement itself,
    the finding is the check's own failure, not a missing prerequisite: it is
    raised again, and the check fails on it.
    """
    __tracebackhide__ = True
    handled = sys.exc_info()[1]
    if isinstance(handled, Finding) and requirement in _IN_FORCE.get():
        raise handled
    pytest.skip(f"prerequisite {requirement} failed: {reason}")
