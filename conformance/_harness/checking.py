"""What a check may say besides pass and fail.

``Finding`` (or a plain ``assert``) fails a check; these helpers end it with
the other outcomes of COMMON C4, each with a reason that names its cause.
The outcome travels as the exception's type (``NotClaimed``,
``NotApplicable``), never in the text of its reason.
"""

from __future__ import annotations

from typing import NoReturn

import pytest
from _pytest.outcomes import Skipped  # pytest.skip.Exception, by a name mypy can subclass


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
    """End the check ``skip``, naming the requirement whose failure blocks it."""
    __tracebackhide__ = True
    pytest.skip(f"prerequisite {requirement} failed: {reason}")
