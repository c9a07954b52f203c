"""The target: one platform deployment, its identities and the suite's limits.

A target file is YAML::

    name: example
    base_url: https://api.example.org
    allowed_origins: []              # other origins the suite may contact
    clients:
      first_party: {headers: {User-Agent: "Example/5.1 (iOS)"}}
      third_party: {headers: {User-Agent: "IndieApp/1.0"}}
      competitor:  {headers: {User-Agent: "RivalApp/2.0"}}
    users:
      alice: {id: "u-1001"}
      bob:   {id: "u-1002"}
      carol: {id: "u-1003"}
    credentials:                      # tokens come from the environment
      first_party:
        alice: {token_env: EXAMPLE_FP_ALICE}
    limits:
      request_timeout: 30
      check_timeout: 900
      max_response_bytes: 67108864
      max_json_bytes: 4194304        # the largest JSON document parsed
      requests_per_second: 10
      run_budget: 3600
      max_requests: 50000
      max_retry_after: 120
    cloud: {s3: {...}, oci: {...}}    # CLOUD's surfaces (see cloud_target.py)
    claims: [...]                     # only for a platform with no discovery document
    user_agent: "Mozilla/5.0 (...)"   # optional: for requests that present no client
    launch: {image: ..., port: ...}   # start the platform from an image (launch/settings.py)

Loading validates everything; every mistake is a ``ConfigError`` that names
the file, the key and the fix. Tokens and other secrets are never stored in
the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from conformance._harness.bounded_json import MAX_JSON_BYTES
from conformance._harness.cloud_target import OciSettings, S3Settings, read_claims, read_cloud
from conformance._harness.config_keys import KeyReader
from conformance._harness.errors import ConfigError
from conformance._harness.launch.settings import LaunchSettings, read_launch
from conformance._harness.secrets import Secret

CLIENTS = ("first_party", "third_party", "competitor")
CORE_USERS = ("alice", "bob", "carol")
_ALLOWED_HEADERS = frozenset({"user-agent", "origin", "referer", "accept-language"})
_TOP_KEYS = frozenset(
    {
        "name",
        "base_url",
        "allowed_origins",
        "clients",
        "users",
        "credentials",
        "limits",
        "domains",
        "cloud",
        "claims",
        "user_agent",
        "launch",
    }
)


@dataclass(frozen=True)
class Limits:
    """How far the suite goes with this target: time, size and pace (README, Trust)."""

    request_timeout: float = 30.0
    """Seconds for one whole request: connect, status line and headers, and the body
    (a streamed download's body has the check's time limit)."""
    check_timeout: float = 900.0
    """Seconds for one check, cut to what is left of the run budget."""
    max_response_bytes: int = 64 * 1024 * 1024
    max_json_bytes: int = MAX_JSON_BYTES
    """The largest JSON document the suite parses (``bounded_json``): parsing costs
    about 25 times a document's size in memory, so it is capped well below bodies."""
    requests_per_second: float = 10.0
    """The pace of request starts over the whole run (0: no pace)."""
    run_budget: float = 3600.0
    """Seconds for the whole run; checks that would start later end ``error``."""
    max_requests: int = 50_000
    """Requests the run may send; past it, checks end ``error``."""
    max_retry_after: float = 120.0
    """The longest ``Retry-After`` (or quota reset) a 429 is waited out for."""


@dataclass(frozen=True)
class Role:
    """A client acting for a user (COMMON C2)."""

    client: str
    user: str

    def __str__(self) -> str:
        return f"{self.client}/{self.user}"


@dataclass(frozen=True)
class Target:
    """Everything the suite needs to probe one platform deployment."""

    name: str
    base_url: str
    clients: Mapping[str, Mapping[str, str]]
    users: Mapping[str, str]
    credentials: Mapping[Role, Secret]
    limits: Limits = Limits()
    allowed_origins: tuple[str, ...] = ()
    domains: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    source: str = "<memory>"
    token_envs: Mapping[Role, str] = field(default_factory=dict)
    """The environment variable each role's token was read from (target files only)."""
    s3: S3Settings | None = None
    """CLOUD's S3 surface (``cloud.s3``), served at an endpoint of its own."""
    oci: OciSettings | None = None
    """CLOUD's container registry (``cloud.oci``)."""
    stated_claims: tuple[Mapping[str, Any], ...] | None = None
    """``claims:``: what the file says the platform implements, for a platform that
    publishes no discovery document (None: the claims are read from the platform)."""
    user_agent: str | None = None
    """``user_agent:``: the User-Agent of requests that present no client (None: none is
    sent; the suite has no User-Agent of its own, so nothing marks its traffic)."""
    launch: LaunchSettings | None = None
    """``launch:``: the container the suite starts, waits for and removes (None: the
    platform runs already)."""

    @cached_property
    def origin(self) -> str:
        """``scheme://host[:port]`` of the base URL (worked out once: the probe asks per
        request, and the target, frozen, never changes its base URL)."""
        return origin_of(self.base_url)

    def allows(self, origin: str) -> bool:
        """Whether the suite may contact ``origin``: the base URL's, an allowed one, or
        the endpoint of a configured surface (``cloud.s3``, ``cloud.oci``)."""
        return (
            origin == self.origin
            or origin in self.allowed_origins
            or origin in self.surface_origins()
        )

    def surface_origins(self) -> tuple[str, ...]:
        """The origins of the configured CLOUD surfaces."""
        return tuple(origin_of(s.endpoint) for s in (self.s3, self.oci) if s is not None)

    def secrets(self) -> list[Secret]:
        """Every secret the target holds: tokens, S3 secret keys, the registry password."""
        out = list(self.credentials.values())
        for surface in (self.s3, self.oci):
            if surface is not None:
                out += surface.secrets()
        if self.launch is not None:
            out += self.launch.secrets()
        return out

    def token(self, role: Role) -> Secret:
        """The token of a role, or a ConfigError saying which key to add."""
        try:
            return self.credentials[role]
        except KeyError:
            raise ConfigError(
                self.source,
                f"credentials.{role.client}.{role.user}",
                "no token is configured for this role",
                f"add credentials.{role.client}.{role.user}.token_env naming an environment "
                "variable that holds the token",
            ) from None

    def credential_key(self, role: Role) -> str:
        """The key of the target file that configures a role's token."""
        key = f"credentials.{role.client}.{role.user}"
        return f"{key}.token_env" if role in self.token_envs else key

    def user_id(self, user: str) -> str:
        """The platform's id of a configured user."""
        try:
            return self.users[user]
        except KeyError:
            raise ConfigError(
                self.source,
                f"users.{user}",
                "this user is not configured",
                f"add users.{user}.id with the user's id on the platform",
            ) from None

    def describe(self) -> dict[str, Any]:
        """What a report says about the target (no secrets)."""
        return {
            "name": self.name,
            "base_url": self.base_url,
            "source": self.source,
            "clients": {c: dict(h) for c, h in self.clients.items()},
            "users": dict(self.users),
            "roles": sorted(str(r) for r in self.credentials),
            "limits": vars(self.limits) | {},
        } | self._describe_cloud()

    def _describe_cloud(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        cloud = {k: s.describe() for k, s in (("s3", self.s3), ("oci", self.oci)) if s}
        if cloud:
            out["cloud"] = cloud
        if self.stated_claims is not None:
            out["stated_claims"] = [dict(c) for c in self.stated_claims]
        if self.user_agent is not None:
            out["user_agent"] = self.user_agent
        if self.launch is not None:
            out["launch"] = self.launch.describe()
        return out


def origin_of(url: str) -> str:
    """The origin (scheme, host, port) of an absolute URL, lower-cased."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port
    default = {"http": 80, "https": 443}.get(scheme)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


def load_target(path: str | Path, environ: Mapping[str, str] | None = None) -> Target:
    """Read and validate a target file; tokens come from ``environ``."""
    file = str(path)
    env = os.environ if environ is None else environ
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(file, "(file)", "the file does not exist", "check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            file, "(file)", f"cannot be read ({exc})", "pass a UTF-8 YAML file"
        ) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            file, where, f"not valid YAML: {problem}", "fix the YAML syntax"
        ) from None
    return parse_target(raw, file, env)


def parse_target(raw: Any, file: str, env: Mapping[str, str]) -> Target:
    """Validate an already-parsed target document."""
    v = KeyReader(file)
    doc = v.mapping(raw, "(top level)")
    v.known(doc, "", _TOP_KEYS)
    name = v.string(doc.get("name"), "name")
    base_url = v.url(doc.get("base_url"), "base_url")
    allowed = tuple(
        origin_of(v.url(u, f"allowed_origins[{i}]"))
        for i, u in enumerate(v.sequence(doc.get("allowed_origins", []), "allowed_origins"))
    )
    clients = _clients(v, doc.get("clients", {}))
    stated = read_claims(v, doc.get("claims"))
    # A platform known only by stated claims (an S3 store, a registry) may have no
    # platform users to name: COMMON's alice, bob and carol are asked of the others.
    users = {} if stated is not None and "users" not in doc else _users(v, doc.get("users"))
    token_envs: dict[Role, str] = {}
    credentials = _credentials(v, doc.get("credentials", {}), clients, users, env, token_envs)
    limits = _limits(v, doc.get("limits", {}))
    s3, oci = read_cloud(v, doc.get("cloud"), env)
    surfaces = tuple(origin_of(s.endpoint) for s in (s3, oci) if s is not None)
    allowed = tuple(dict.fromkeys((*allowed, *surfaces)))
    domains = {
        k: tuple(
            v.string(d, f"domains.{k}[{i}]") for i, d in enumerate(v.sequence(val, f"domains.{k}"))
        )
        for k, val in v.mapping(doc.get("domains", {}), "domains").items()
    }
    return Target(
        name,
        base_url.rstrip("/"),
        clients,
        users,
        credentials,
        limits,
        allowed,
        domains,
        file,
        token_envs,
        s3,
        oci,
        stated,
        user_agent=v.string(doc["user_agent"], "user_agent") if "user_agent" in doc else None,
        launch=read_launch(v, doc.get("launch"), env, base_url),
    )


def _clients(v: KeyReader, raw: Any) -> dict[str, dict[str, str]]:
    clients: dict[str, dict[str, str]] = {c: {} for c in CLIENTS}
    for name, body in v.mapping(raw, "clients").items():
        if name not in CLIENTS:
            v.fail(f"clients.{name}", "unknown client", f"use one of: {', '.join(CLIENTS)}")
        body = v.mapping(body or {}, f"clients.{name}")
        headers = v.mapping(body.get("headers", {}), f"clients.{name}.headers")
        for header, value in headers.items():
            key = f"clients.{name}.headers.{header}"
            if header.lower() not in _ALLOWED_HEADERS:
                v.fail(
                    key,
                    "the suite sets this header itself or it could carry a secret",
                    "only User-Agent, Origin, Referer and Accept-Language may be set per client",
                )
            clients[name][header] = v.string(value, key)
    return clients


def _users(v: KeyReader, raw: Any) -> dict[str, str]:
    if raw is None:
        v.fail("users", "missing", "add users.alice.id, users.bob.id and users.carol.id")
    users = {}
    for name, body in v.mapping(raw, "users").items():
        body = v.mapping(body, f"users.{name}")
        users[name] = v.string(body.get("id"), f"users.{name}.id")
    for name in CORE_USERS:
        if name not in users:
            v.fail(
                f"users.{name}",
                "missing",
                f"add users.{name}.id (COMMON C2 needs alice, bob, carol)",
            )
    return users


def _credentials(
    v: KeyReader,
    raw: Any,
    clients: Mapping[str, Any],
    users: Mapping[str, str],
    env: Mapping[str, str],
    token_envs: dict[Role, str],
) -> dict[Role, Secret]:
    credentials: dict[Role, Secret] = {}
    for client, per_user in v.mapping(raw, "credentials").items():
        if client not in clients:
            v.fail(f"credentials.{client}", "unknown client", f"use one of: {', '.join(CLIENTS)}")
        for user, body in v.mapping(per_user, f"credentials.{client}").items():
            key = f"credentials.{client}.{user}"
            if user not in users:
                v.fail(key, "this user is not under users", f"add users.{user}.id or remove {key}")
            body = v.mapping(body, key)
            if "token" in body:
                v.fail(
                    f"{key}.token",
                    "tokens must not be written in a target file",
                    f"put the token in an environment variable and write {key}.token_env: NAME",
                )
            var = v.string(body.get("token_env"), f"{key}.token_env")
            if not env.get(var):
                v.fail(
                    f"{key}.token_env",
                    f"the environment variable {var} is not set or empty",
                    f"export {var}=<the token of {client} for {user}>",
                )
            credentials[Role(client, user)] = Secret(env[var])
            token_envs[Role(client, user)] = var
    return credentials


def _limits(v: KeyReader, raw: Any) -> Limits:
    body = v.mapping(raw, "limits")
    known = Limits.__dataclass_fields__
    for key in body:
        if key not in known:
            v.fail(f"limits.{key}", "unknown limit", f"use one of: {', '.join(known)}")
    defaults = Limits()
    return Limits(
        request_timeout=v.number(
            body.get("request_timeout", defaults.request_timeout),
            "limits.request_timeout",
            minimum=0.1,
        ),
        check_timeout=v.number(
            body.get("check_timeout", defaults.check_timeout), "limits.check_timeout", minimum=1
        ),
        max_response_bytes=int(
            v.number(
                body.get("max_response_bytes", defaults.max_response_bytes),
                "limits.max_response_bytes",
                minimum=1024,
            )
        ),
        max_json_bytes=int(
            v.number(
                body.get("max_json_bytes", defaults.max_json_bytes),
                "limits.max_json_bytes",
                minimum=1024,
            )
        ),
        requests_per_second=v.number(
            body.get("requests_per_second", defaults.requests_per_second),
            "limits.requests_per_second",
            minimum=0,
        ),
        run_budget=v.number(
            body.get("run_budget", defaults.run_budget), "limits.run_budget", minimum=1
        ),
        max_requests=int(
            v.number(
                body.get("max_requests", defaults.max_requests), "limits.max_requests", minimum=1
            )
        ),
        max_retry_after=v.number(
            body.get("max_retry_after", defaults.max_retry_after),
            "limits.max_retry_after",
            minimum=0,
        ),
    )
