"""The reference's identities carried by environment variables, so they can be known ahead.

A reference started in a container (``serve-reference --identities-from-env``)
cannot hand its generated tokens to a target file written before it starts.
Instead it takes every identity from the environment, under the names of the
env file it writes (``INTEROP_REFERENCE_TOKEN_<CLIENT>_<USER>``,
``INTEROP_REFERENCE_S3_SECRET_<USER>``) plus two for what the target file
states in clear (each user's id, each S3 user's access key id). A target file
naming the same variables, and a launch that passes them, agree by
construction.
"""

from __future__ import annotations

from collections.abc import Mapping

from .identities import CLIENT_HEADERS, DEFAULT_USERS, S3_USERS, Identities
from .target_files import s3_secret_env_name, token_env_name


def user_id_env_name(user: str) -> str:
    """The environment variable that holds one user's platform id."""
    return f"INTEROP_REFERENCE_USER_ID_{user.upper()}"


def s3_key_id_env_name(user: str) -> str:
    """The environment variable that holds one user's S3 access key id."""
    return f"INTEROP_REFERENCE_S3_KEY_ID_{user.upper()}"


def identities_env(identities: Identities) -> dict[str, str]:
    """Every variable :func:`identities_from_env` reads, with the values of ``identities``."""
    env = {user_id_env_name(user): user_id for user, user_id in identities.users.items()}
    env |= {token_env_name(c, u): token for (c, u), token in identities.tokens.items()}
    for user, (key_id, secret) in identities.s3_keys.items():
        env[s3_key_id_env_name(user)] = key_id
        env[s3_secret_env_name(user)] = secret
    return env


def identities_from_env(environ: Mapping[str, str]) -> Identities:
    """The reference's users, tokens and S3 keys as ``environ`` states them.

    Every variable is required: a platform missing one would refuse a role
    the suite probes, and the run would blame the platform. The error lists
    the missing names (never a value) and how to make a full set.
    """
    missing: list[str] = []

    def read(name: str) -> str:
        value = environ.get(name, "")
        if not value:
            missing.append(name)
        return value

    users = {user: read(user_id_env_name(user)) for user in DEFAULT_USERS}
    tokens = {(c, u): read(token_env_name(c, u)) for c in CLIENT_HEADERS for u in DEFAULT_USERS}
    s3_keys = {
        user: (read(s3_key_id_env_name(user)), read(s3_secret_env_name(user))) for user in S3_USERS
    }
    if len(set(tokens.values())) < len(tokens) and not missing:
        raise ValueError(
            "--identities-from-env: two roles share a token; each (client, user) needs its own"
        )
    if missing:
        shown = ", ".join(missing[:4]) + (
            f" and {len(missing) - 4} more" if len(missing) > 4 else ""
        )
        raise ValueError(
            f"--identities-from-env: {len(missing)} variable(s) unset or empty: {shown}; "
            "set every one (conformance.reference.identities_env.identities_env(generate_identities()) "
            "makes a full set)"
        )
    clients = {name: dict(headers) for name, headers in CLIENT_HEADERS.items()}
    return Identities(users=users, clients=clients, tokens=tokens, s3_keys=s3_keys)
