"""Describe a running reference platform to the suite: target.yaml + env file.

The target file names each token by an environment variable; the tokens
themselves go only into the env file, created ``0600``.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import yaml

from .cloud_s3 import REGION
from .identities import Identities

TARGET_FILE = "target.yaml"
ENV_FILE = "reference.env"

# The domains LINK needs: the platform's own, competitors' and neutral ones (data, never fetched).
REFERENCE_DOMAINS: dict[str, tuple[str, ...]] = {
    "own": ("reference.test",),
    "competitor": ("rival.test", "shop.rival.test", "例え.テスト"),
    "neutral": ("example.org", "news.example.net", "bücher.example"),
}


# CLOUD's registry: on the base URL; the suite pushes its test image as this user, whose
# first-party token is the registry password. The file names no repository and no bucket
# prefix: the suite names them as a user would, seeded per run (conformance.cloud.names).
OCI_USER = "alice"


def token_env_name(client: str, user: str) -> str:
    """Return the environment variable that holds one role's token."""
    return f"INTEROP_REFERENCE_TOKEN_{client.upper()}_{user.upper()}"


def s3_secret_env_name(user: str) -> str:
    """Return the environment variable that holds one user's S3 secret access key."""
    return f"INTEROP_REFERENCE_S3_SECRET_{user.upper()}"


def s3_section(endpoint: str, addressing: str, identities: Identities) -> dict[str, object]:
    """The ``cloud.s3`` section: the S3 surface's endpoint and each user's key id."""
    return {
        "endpoint": endpoint,
        "region": REGION,
        "addressing": addressing,
        "users": {
            user: {"access_key_id": key_id, "secret_access_key_env": s3_secret_env_name(user)}
            for user, (key_id, _) in identities.s3_keys.items()
        },
    }


def target_document(
    base_url: str,
    identities: Identities,
    *,
    s3_endpoint: str | None = None,
    s3_addressing: str = "path",
) -> dict[str, object]:
    """Return the target description (no secrets in it)."""
    s3 = {} if s3_endpoint is None else {"s3": s3_section(s3_endpoint, s3_addressing, identities)}
    return {
        "name": "reference",
        "base_url": base_url,
        "clients": {
            name: {"headers": dict(headers)} for name, headers in identities.clients.items()
        },
        "users": {name: {"id": user_id} for name, user_id in identities.users.items()},
        "credentials": {
            client: {user: {"token_env": token_env_name(client, user)} for user in identities.users}
            for client in identities.clients
        },
        "domains": {kind: list(names) for kind, names in REFERENCE_DOMAINS.items()},
        "cloud": {
            **s3,
            "oci": {
                "endpoint": base_url,
                "username": OCI_USER,
                "password_env": token_env_name("first_party", OCI_USER),
            },
        },
        # A local platform: no need to pace the suite.
        "limits": {"requests_per_second": 0},
    }


def write_target_files(
    directory: Path,
    base_url: str,
    identities: Identities,
    *,
    s3_endpoint: str | None = None,
    s3_addressing: str = "path",
) -> tuple[Path, Path]:
    """Write ``target.yaml`` and the ``0600`` env file (tokens, S3 secret keys, as
    ``export`` lines a shell sources); return both."""
    directory.mkdir(parents=True, exist_ok=True)
    target_path = directory / TARGET_FILE
    document = target_document(
        base_url, identities, s3_endpoint=s3_endpoint, s3_addressing=s3_addressing
    )
    target_path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    env_path = directory / ENV_FILE
    lines = [
        export_line(token_env_name(client, user), token)
        for (client, user), token in sorted(identities.tokens.items())
    ]
    if s3_endpoint is not None:
        lines += [
            export_line(s3_secret_env_name(user), secret)
            for user, (_, secret) in sorted(identities.s3_keys.items())
        ]
    # Created with 0600 from the first byte (and re-restricted if it already
    # existed), so the tokens are never readable by others even briefly.
    fd = os.open(env_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
    return target_path, env_path


def export_line(name: str, value: str) -> str:
    """``export NAME='value'``: a line a POSIX shell sources (``. reference.env``) as it is."""
    return f"export {name}='" + value.replace("'", "'\\''") + "'\n"


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of an env file of ``export NAME='value'`` lines (as a shell reads them)."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        words = shlex.split(line, comments=True)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, _, value = words[1].partition("=")
            found[name] = value
    return found
