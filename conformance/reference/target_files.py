"""Describe a running reference platform to the suite: target.yaml + env file.

The target file names each token by an environment variable; the tokens
themselves go only into the env file, created ``0600``.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from .identities import Identities

TARGET_FILE = "target.yaml"
ENV_FILE = "reference.env"

# The domains LINK needs: the platform's own, competitors' and neutral ones (data, never fetched).
REFERENCE_DOMAINS: dict[str, tuple[str, ...]] = {
    "own": ("reference.test",),
    "competitor": ("rival.test", "shop.rival.test", "例え.テスト"),
    "neutral": ("example.org", "news.example.net", "bücher.example"),
}


def token_env_name(client: str, user: str) -> str:
    """Return the environment variable that holds one role's token."""
    return f"INTEROP_REFERENCE_TOKEN_{client.upper()}_{user.upper()}"


def target_document(base_url: str, identities: Identities) -> dict[str, object]:
    """Return the target description (no secrets in it)."""
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
        # A local platform: no need to pace the suite.
        "limits": {"requests_per_second": 0},
    }


def write_target_files(directory: Path, base_url: str, identities: Identities) -> tuple[Path, Path]:
    """Write ``target.yaml`` and the ``0600`` env file; return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    target_path = directory / TARGET_FILE
    target_path.write_text(
        yaml.safe_dump(target_document(base_url, identities), sort_keys=False), encoding="utf-8"
    )
    env_path = directory / ENV_FILE
    lines = [
        f"{token_env_name(client, user)}={token}\n"
        for (client, user), token in sorted(identities.tokens.items())
    ]
    # Created with 0600 from the first byte (and re-restricted if it already
    # existed), so the tokens are never readable by others even briefly.
    fd = os.open(env_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
    return target_path, env_path
