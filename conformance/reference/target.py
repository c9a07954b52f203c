"""The suite's ``Target`` for a running reference platform, built in memory."""

from __future__ import annotations

from conformance._harness.cloud_target import OciSettings, S3Key, S3Settings
from conformance._harness.secrets import Secret
from conformance._harness.target import Limits, Role, Target

from .cloud_s3 import REGION, advertised_addressing
from .server import ReferencePlatform
from .target_files import OCI_USER, REFERENCE_DOMAINS, s3_secret_env_name

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
        oci=reference_oci(platform),
        s3=reference_s3(platform),
    )


def reference_s3(platform: ReferencePlatform) -> S3Settings:
    """The S3 surface on its own listener; alice's and bob's key pairs, secrets in memory."""
    return S3Settings(
        endpoint=platform.s3_endpoint,
        region=REGION,
        addressing=advertised_addressing(platform.choices),
        users={
            user: S3Key(key_id, Secret(secret), s3_secret_env_name(user))
            for user, (key_id, secret) in platform.identities.s3_keys.items()
        },
        source=f"<reference platform at {platform.base_url}>",
    )


def reference_oci(platform: ReferencePlatform) -> OciSettings:
    """The registry on the platform's base URL; alice logs in with one of her tokens."""
    return OciSettings(
        endpoint=platform.base_url,
        username=OCI_USER,
        password=Secret(platform.identities.token("first_party", OCI_USER)),
        source=f"<reference platform at {platform.base_url}>",
    )
