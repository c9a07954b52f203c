"""The suite's ``Target`` for a running reference platform, built in memory."""

from __future__ import annotations

from conformance._harness.secrets import Secret
from conformance._harness.target import Limits, Role, Target

from .server import ReferencePlatform
from .target_files import REFERENCE_DOMAINS

# Loopback and our own server: no pacing, generous time.
# 600 s per check: a signed URL lives at least 300 s (PORT), and PORT-006 waits one out.
REFERENCE_LIMITS = Limits(request_timeout=30.0, check_timeout=600.0, requests_per_second=0.0)

# LINK: the reference's own, competitor and neutral domains (data only; never
# contacted). Its link policy lists none of them: it blocks and warns about
# other hosts (see reference/link_policy.py).


def reference_target(platform: ReferencePlatform, name: str = "reference") -> Target:
    """Describe a started reference platform; tokens stay in memory as Secrets."""
    ids = platform.identities
    return Target(
        name=name,
        base_url=platform.base_url,
        clients={c: dict(h) for c, h in ids.clients.items()},
        users=dict(ids.users),
        credentials={Role(c, u): Secret(t) for (c, u), t in ids.tokens.items()},
        limits=REFERENCE_LIMITS,
        domains=dict(REFERENCE_DOMAINS),
        source=f"<reference platform at {platform.base_url}>",
    )
