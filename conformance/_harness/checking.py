"""What a check may say besides pass and fail.

``Finding`` (or a plain ``assert``) fails a check; these helpers end it with
the other outcomes of COMMON C4, each with a reason that names its cause.
"""

from __future__ import annotations

from typing import NoReturn

import pytest

NOT_CLAIMED = "not-claimed: "
NOT_APPLICABLE = "not-applicable: "
PREREQUISITE = "prerequisite "


def not_applicable(reason: str) -> NoReturn:
    """End the check ``not-applicable``: the platform has nothing it applies to."""
    pytest.skip(NOT_APPLICABLE + reason)


def not_claimed(reason: str) -> NoReturn:
    """End the check ``not-claimed``: the platform does not claim its profile."""
    pytest.skip(NOT_CLAIMED + reason)


def prerequisite_failed(requirement: str, reason: str) -> NoReturn:
    """End the check ``skip``, naming the requirement whose failure blocks it."""
    pytest.skip(f"{PREREQUISITE}{requirement} failed: {reason}")
