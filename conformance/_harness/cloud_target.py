"""The ``cloud:`` and ``claims:`` sections of a target file (CLOUD's surfaces).

CLOUD's S3 and OCI surfaces are served at endpoints of their own, not under
``base_url``; their credentials are not bearer tokens but S3 access-key pairs
(signed with SigV4) and a registry login. Secrets come from the environment,
never from the file::

    cloud:
      s3:
        endpoint: http://127.0.0.1:9000
        region: us-east-1
        addressing: path                  # path | virtual
        bucket_prefix: qa-                # optional: the suite's buckets begin with it
        users:
          alice: {access_key_id: AKIA..., secret_access_key_env: REF_S3_ALICE}
          bob:   {access_key_id: ..., secret_access_key_env: ...}
      oci:
        endpoint: http://127.0.0.1:5000
        repository: team/probe            # optional: the repository the suite pushes into
        username: alice                   # optional, with password_env
        password_env: REF_OCI_PASSWORD
    claims:                               # only for a platform with no discovery document
      - {id: CLOUD, version: "1.0", profiles: [s3]}

Without ``bucket_prefix`` or ``repository`` the suite names what it creates
as a user would (``media-backup-7f3a9c2e``, ``alice/api-3f2a9c``), seeded
by the run's seed (``conformance.cloud.names``): nothing fixed marks its
traffic unless the file asks for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from conformance._harness.config_keys import KeyReader, kind
from conformance._harness.errors import ConfigError
from conformance._harness.secrets import Secret

ADDRESSING = ("path", "virtual")
_S3_KEYS = frozenset({"endpoint", "region", "addressing", "bucket_prefix", "users"})
_S3_USER_KEYS = frozenset({"access_key_id", "secret_access_key_env"})
_OCI_KEYS = frozenset({"endpoint", "repository", "username", "password_env"})
_CLAIM_KEYS = frozenset({"id", "version", "profiles"})
# Bucket names are 3-63 of [a-z0-9.-]; the suite appends up to 20 characters.
_BUCKET_PREFIX = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
# An OCI repository name (distribution spec: path components of [a-z0-9] with separators).
_REPOSITORY = re.compile(
    r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*"
)


@dataclass(frozen=True)
class S3Key:
    """One user's S3 access-key pair; the secret key is only reachable through ``reveal()``."""

    access_key_id: str
    secret: Secret
    env: str = ""
    """The environment variable the secret key was read from (target files only)."""


@dataclass(frozen=True)
class S3Settings:
    """Where and how the suite reaches a platform's S3 surface."""

    endpoint: str
    region: str = "us-east-1"
    addressing: str = "path"
    """``path`` (``/bucket/key``) or ``virtual`` (``Host: bucket.<endpoint host>``)."""
    users: Mapping[str, S3Key] = field(default_factory=dict)
    bucket_prefix: str | None = None
    """What every bucket the suite creates begins with; None: ordinary names, seeded per run."""
    source: str = "<memory>"

    def key(self, user: str) -> S3Key:
        """A user's access-key pair, or a ConfigError naming the key to add."""
        try:
            return self.users[user]
        except KeyError:
            raise ConfigError(
                self.source,
                f"cloud.s3.users.{user}",
                f"no S3 access key is configured for {user}",
                f"add cloud.s3.users.{user}.access_key_id and "
                f"cloud.s3.users.{user}.secret_access_key_env",
            ) from None

    def secrets(self) -> list[Secret]:
        """Every secret key (for the run's redactor)."""
        return [k.secret for k in self.users.values()]

    def describe(self) -> dict[str, Any]:
        """What a report says about the S3 surface: no secret, no access key id."""
        return {
            "endpoint": self.endpoint,
            "region": self.region,
            "addressing": self.addressing,
            "bucket_prefix": self.bucket_prefix,
            "users": sorted(self.users),
        }


@dataclass(frozen=True)
class OciSettings:
    """Where the suite reaches a platform's container registry, and as whom."""

    endpoint: str
    repository: str | None = None
    """The repository the suite pushes into; None: an ordinary name, seeded per run."""
    username: str | None = None
    password: Secret | None = None
    source: str = "<memory>"

    def secrets(self) -> list[Secret]:
        """The password, if any (for the run's redactor)."""
        return [self.password] if self.password is not None else []

    def describe(self) -> dict[str, Any]:
        """What a report says about the registry: no password."""
        return {
            "endpoint": self.endpoint,
            "repository": self.repository,
            "username": self.username,
        }


def missing_section(source: str, key: str) -> ConfigError:
    """The error of a check that needs ``cloud.s3`` or ``cloud.oci`` the target lacks."""
    example = (
        "endpoint, region and users.alice/bob with access_key_id and secret_access_key_env"
        if key.endswith("s3")
        else "endpoint (and username with password_env if it needs a login)"
    )
    return ConfigError(
        source, key, "this target file has no such section", f"add {key} with {example}"
    )


def read_cloud(
    reader: KeyReader, raw: Any, env: Mapping[str, str]
) -> tuple[S3Settings | None, OciSettings | None]:
    """The ``cloud:`` section (either surface may be absent)."""
    if raw is None:
        return None, None
    body = reader.mapping(raw, "cloud")
    reader.known(body, "cloud", frozenset({"s3", "oci"}))
    s3 = _s3(reader, body["s3"], env) if "s3" in body else None
    oci = _oci(reader, body["oci"], env) if "oci" in body else None
    return s3, oci


def read_claims(reader: KeyReader, raw: Any) -> tuple[Mapping[str, Any], ...] | None:
    """The ``claims:`` section: what the platform implements, stated by the file."""
    if raw is None:
        return None
    entries = reader.sequence(raw, "claims")
    if not entries:
        reader.fail(
            "claims", "an empty list claims nothing", "list the standards, or remove claims"
        )
    out = []
    for i, entry in enumerate(entries):
        key = f"claims[{i}]"
        body = reader.mapping(entry, key)
        reader.known(body, key, _CLAIM_KEYS)
        standard = reader.string(body.get("id"), f"{key}.id").upper()
        version = body.get("version")
        if not isinstance(version, str) or not version.strip():
            reader.fail(
                f"{key}.version",
                f"expected a version string, got {kind(version)}",
                'write the version quoted, e.g. version: "1.0"',
            )
        profiles = [
            reader.string(p, f"{key}.profiles[{j}]")
            for j, p in enumerate(reader.sequence(body.get("profiles"), f"{key}.profiles"))
        ]
        if not profiles:
            reader.fail(f"{key}.profiles", "no profile is claimed", "list at least one profile")
        out.append({"id": standard, "version": version, "profiles": profiles})
    return tuple(out)


def _endpoint(reader: KeyReader, value: Any, key: str) -> str:
    text = reader.url(value, key)
    if urlsplit(text).path not in ("", "/"):
        reader.fail(
            key,
            f"{text!r} has a path",
            "give only scheme, host and port: the surface is served at the endpoint's root",
        )
    return text.rstrip("/")


def _secret(
    reader: KeyReader, body: Mapping[str, Any], key: str, name: str, env: Mapping[str, str]
) -> tuple[Secret, str]:
    """A secret read from the environment variable named by ``<name>_env``."""
    if name in body:
        reader.fail(
            f"{key}.{name}",
            "secrets must not be written in a target file",
            f"put it in an environment variable and write {key}.{name}_env: NAME",
        )
    var = reader.string(body.get(f"{name}_env"), f"{key}.{name}_env")
    if not env.get(var):
        reader.fail(
            f"{key}.{name}_env",
            f"the environment variable {var} is not set or empty",
            f"export {var}=<the {name.replace('_', ' ')}>",
        )
    return Secret(env[var]), var


def _s3(reader: KeyReader, raw: Any, env: Mapping[str, str]) -> S3Settings:
    body = reader.mapping(raw, "cloud.s3")
    reader.known(body, "cloud.s3", _S3_KEYS)
    endpoint = _endpoint(reader, body.get("endpoint"), "cloud.s3.endpoint")
    region = reader.string(body.get("region", "us-east-1"), "cloud.s3.region")
    addressing = reader.string(body.get("addressing", "path"), "cloud.s3.addressing")
    if addressing not in ADDRESSING:
        reader.fail(
            "cloud.s3.addressing",
            f"{addressing!r} is not an addressing style",
            "write path (/bucket/key) or virtual (Host: bucket.<endpoint host>)",
        )
    prefix = None
    if "bucket_prefix" in body:
        prefix = reader.string(body["bucket_prefix"], "cloud.s3.bucket_prefix")
    if prefix is not None and not _BUCKET_PREFIX.fullmatch(prefix):
        reader.fail(
            "cloud.s3.bucket_prefix",
            f"{prefix!r} cannot begin a bucket name",
            "use up to 40 lower-case letters, digits and hyphens, starting with a letter or digit",
        )
    if "users" not in body:
        reader.fail(
            "cloud.s3.users",
            "missing",
            "add cloud.s3.users.alice and .bob with access_key_id and secret_access_key_env",
        )
    users: dict[str, S3Key] = {}
    for user, entry in reader.mapping(body["users"], "cloud.s3.users").items():
        key = f"cloud.s3.users.{user}"
        fields = reader.mapping(entry, key)
        if "secret_access_key" not in fields:
            reader.known(fields, key, _S3_USER_KEYS)
        access = reader.string(fields.get("access_key_id"), f"{key}.access_key_id")
        secret, var = _secret(reader, fields, key, "secret_access_key", env)
        users[user] = S3Key(access, secret, var)
    if not users:
        reader.fail("cloud.s3.users", "no user is configured", "add cloud.s3.users.alice")
    return S3Settings(endpoint, region, addressing, users, prefix, reader.file)


def _oci(reader: KeyReader, raw: Any, env: Mapping[str, str]) -> OciSettings:
    body = reader.mapping(raw, "cloud.oci")
    if "password" not in body:
        reader.known(body, "cloud.oci", _OCI_KEYS)
    endpoint = _endpoint(reader, body.get("endpoint"), "cloud.oci.endpoint")
    repository = None
    if "repository" in body:
        repository = reader.string(body["repository"], "cloud.oci.repository")
    if repository is not None and not _REPOSITORY.fullmatch(repository):
        reader.fail(
            "cloud.oci.repository",
            f"{repository!r} is not an OCI repository name",
            "use lower-case path components such as team/probe, or leave it out",
        )
    username = None
    password = None
    if "username" in body or "password" in body or "password_env" in body:
        username = reader.string(body.get("username"), "cloud.oci.username")
        password, _ = _secret(reader, body, "cloud.oci", "password", env)
    return OciSettings(endpoint, repository, username, password, reader.file)
