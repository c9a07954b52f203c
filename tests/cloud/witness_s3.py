"""Witness support for S3: rclone run offline against configured remotes, and a comparison.

rclone is configured only through ``RCLONE_CONFIG_<REMOTE>_*`` variables (a
config file that does not exist, a HOME of its own), so nothing of the
machine's rclone setup is read and it contacts only the endpoints named.
The comparison reads both sides with botocore's client.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance._harness.cloud_target import S3Settings

MIB = 1024 * 1024
CHUNK = 5 * MIB
"""rclone's upload cutoff and part size here: larger objects go up in 5 MiB parts."""


@dataclass(frozen=True)
class Remote:
    """One rclone remote: an S3 surface and the user whose keys it signs with."""

    settings: S3Settings
    user: str

    def environment(self, name: str) -> dict[str, str]:
        """The ``RCLONE_CONFIG_<NAME>_*`` variables that define this remote."""
        key = self.settings.key(self.user)
        prefix = f"RCLONE_CONFIG_{name.upper()}_"
        values = {
            "TYPE": "s3",
            "PROVIDER": "Other",
            "ENDPOINT": self.settings.endpoint,
            "REGION": self.settings.region,
            "FORCE_PATH_STYLE": "true",
            "ACCESS_KEY_ID": key.access_key_id,
            "SECRET_ACCESS_KEY": key.secret.reveal(),
            "ENV_AUTH": "false",
            "LIST_VERSION": "2",  # ListObjectsV2, the profile's listing
            "NO_CHECK_BUCKET": "true",  # the test creates the buckets itself
        }
        return {prefix + k: v for k, v in values.items()}


def rclone_sync(remotes: Mapping[str, Remote], source: str, destination: str, workdir: Path) -> str:
    """``rclone sync --metadata`` from ``source`` to ``destination``; returns rclone's log."""
    home = workdir / "rclone-home"
    home.mkdir(parents=True, exist_ok=True)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "RCLONE_CONFIG": str(home / "no-such-rclone.conf"),
    }
    for name, remote in remotes.items():
        environment |= remote.environment(name)
    log = workdir / f"rclone-{source.split(':')[0]}-to-{destination.split(':')[0]}.log"
    argv = ["rclone", "sync", "--metadata", "-v", "--log-file", str(log)]
    argv += ["--s3-upload-cutoff", f"{CHUNK // MIB}M", "--s3-chunk-size", f"{CHUNK // MIB}M"]
    # rclone 1.60 reads a multipart upload back with HEAD ?versionId=null, which moto
    # refuses (400); the suite verifies every object itself afterwards, so skip that read.
    argv += ["--s3-no-head", "--retries", "1", "--low-level-retries", "1"]
    done = subprocess.run(
        [*argv, source, destination],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    assert done.returncode == 0, f"rclone failed ({done.returncode}):\n{done.stderr}\n{text}"
    return text


@dataclass(frozen=True)
class Seed:
    """An object the test writes at the source."""

    key: str
    body: bytes
    content_type: str | None = None
    metadata: Mapping[str, str] | None = None


def multipart_etag(body: bytes, part: int = CHUNK) -> str:
    """S3's ETag of ``body`` uploaded in parts of ``part`` bytes."""
    parts = [body[i : i + part] for i in range(0, len(body), part)]
    joined = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(joined).hexdigest()}-{len(parts)}"'


def listing(client: Any, bucket: str) -> dict[str, dict[str, Any]]:
    """Every object of ``bucket``: key → its listing entry (all pages)."""
    out: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            assert entry["Key"] not in out, f"{entry['Key']!r} listed twice"
            out[entry["Key"]] = entry
    return out


def assert_carried(client: Any, bucket: str, seeds: list[Seed]) -> None:
    """``bucket`` holds exactly the seeds: keys, sizes, bytes, Content-Type, user metadata
    (rclone adds its own ``mtime``/``btime``/``md5chksum``, which may come along), and the
    ETag S3 gives a single-part or a 5 MiB-part upload."""
    listed = listing(client, bucket)
    assert sorted(listed) == sorted(s.key for s in seeds)
    for seed in seeds:
        entry = listed[seed.key]
        assert entry["Size"] == len(seed.body), seed.key
        got = client.get_object(Bucket=bucket, Key=seed.key)
        assert got["Body"].read() == seed.body, seed.key
        if seed.content_type is not None:
            assert got["ContentType"] == seed.content_type, seed.key
        metadata = {k.lower(): v for k, v in got["Metadata"].items()}
        for name, value in (seed.metadata or {}).items():
            assert metadata.get(name.lower()) == value, (seed.key, name, metadata)
        expected = (
            multipart_etag(seed.body)
            if len(seed.body) > CHUNK
            else f'"{hashlib.md5(seed.body).hexdigest()}"'
        )
        assert entry["ETag"] == expected, (seed.key, entry["ETag"], expected)
