"""Where the data that ships with the suite lives.

In a wheel, ``specs/`` and ``fixtures/`` are bundled under
``conformance/_bundled/``; in a source checkout they sit beside the package.
Everything that reads them asks here, so both layouts behave alike.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """The directory ``specs`` or ``fixtures``, bundled or from the checkout."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"the suite's {name}/ directory is missing: neither {_PACKAGE / '_bundled' / name} "
        f"nor {_PACKAGE.parent / name} exists; reinstall the package"
    )
