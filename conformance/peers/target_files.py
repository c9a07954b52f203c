"""Describe a running peer to the suite: ``target.yaml`` and a ``0600`` env file of secrets.

The target file names each secret by an environment variable; the values go
only into the env file, as ``export NAME='value'`` lines a shell can source
(``. ./peer.env``) before ``conformance run --target target.yaml``.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from conformance._harness.target import Limits

PEER_LIMITS = Limits(request_timeout=30.0, check_timeout=600.0, requests_per_second=0.0)
"""A peer on loopback: no pacing, the reference's generous time."""

COMMON_USERS = {name: {"id": name} for name in ("alice", "bob", "carol")}
"""A target file's ``users`` (COMMON's identities): a peer has no user API of its own, so
each id is the user's name; CLOUD's identities are in ``cloud.s3.users``."""

TARGET_FILE = "target.yaml"
ENV_FILE = "peer.env"


def write_target_files(
    directory: Path, document: Mapping[str, Any], secrets: Mapping[str, str]
) -> tuple[Path, Path]:
    """Write ``target.yaml`` and the ``0600`` env file into ``directory``; return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / TARGET_FILE
    target.write_text(yaml.safe_dump(dict(document), sort_keys=False), encoding="utf-8")
    env = directory / ENV_FILE
    # 0600 from the first byte (and re-restricted if the file existed): never readable by others.
    fd = os.open(env, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(
            f"export {name}={shlex.quote(value)}\n" for name, value in sorted(secrets.items())
        )
    return target, env
