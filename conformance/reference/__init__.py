"""The reference platform: a real HTTP service implementing every standard.

Public interface::

    from conformance.reference import ReferencePlatform

    with ReferencePlatform() as platform:
        platform.base_url      # "http://127.0.0.1:<port>"
        platform.identities    # users, clients' headers, bearer tokens

Each standard is a module (see :mod:`.routing`) composed by :mod:`.server`.
"""

from .identities import Identities, generate_identities
from .server import ReferencePlatform

__all__ = ["Identities", "ReferencePlatform", "generate_identities"]
