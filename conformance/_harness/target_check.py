"""``conformance check-target FILE``: every problem of a target file at once, nothing judged.

A run stops at the first mistake of its target file, and a token the
platform refuses shows up only once the run has started. ``check_target``
reports them all in one go:

- the file: each key the loader refuses (``target.py``, ``cloud_target.py``),
  found by loading again with the refused part set aside, so one mistake
  does not hide the next; every ``*_env`` variable that is not set;
- the platform: whether anything answers at ``base_url`` and the discovery
  document is usable, as a run reads it (``Harness.claims``);
- each credential, tried as the run's preflight tries it
  (``preflight.CREDENTIAL_CHECKS``: one harmless authenticated GET per claimed
  standard until the token is accepted), each S3 key pair with one signed
  ``ListBuckets``, the registry login with ``GET /v2/``.

Only GET is sent (the transport is read-only), no requirement is judged and
nothing is written; what it prints is redacted and escaped.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conformance._harness.errors import ConfigError, ConformanceError, Finding, ProbeError
from conformance._harness.harness import Harness
from conformance._harness.options import Options
from conformance._harness.ordinary import ordinary
from conformance._harness.preflight import CREDENTIAL_CHECKS, refuses_token
from conformance._harness.probe import Probe
from conformance._harness.safe_text import console_text
from conformance._harness.target import CORE_USERS, Role, Target, load_target, parse_target
from conformance.cloud.oci import OciClient
from conformance.cloud.s3 import S3Client
from conformance.common.claims import DISCOVERY_PATH

_PLACEHOLDER = "check-target-placeholder-value"
"""Stands in for an unset variable while the rest of the file is read (never sent)."""

_CHECK_SECONDS = 60.0
"""The time limit of each network check (a 429 is waited out within it)."""


@dataclass(frozen=True)
class Line:
    """One thing checked: what (a key, a role, a surface), and how it went."""

    ok: bool
    subject: str
    text: str


@dataclass
class TargetCheck:
    """What ``check-target`` found."""

    file: str
    lines: list[Line] = field(default_factory=list)

    @property
    def problems(self) -> list[Line]:
        """The lines that need fixing."""
        return [line for line in self.lines if not line.ok]

    def add(self, ok: bool, subject: str, text: str) -> None:
        """Note one thing checked."""
        self.lines.append(Line(ok, subject, text))

    def render(self) -> str:
        """The lines as a person reads them, then the verdict."""
        out = [f"checking {self.file} (no requirement is judged)"]
        for x in self.lines:
            text = x.text.replace("\n", "\n" + " " * 11)  # a finding's rows, under its line
            out.append(f"  {'ok' if x.ok else 'PROBLEM':<8} {x.subject}: {text}")
        count = len(self.problems)
        out.append(
            f"{count} problem(s): fix them, then check again"
            if count
            else "no problem found: the target file works with this platform"
        )
        return console_text("\n".join(out))


def check_target(path: str | Path, environ: Mapping[str, str] | None = None) -> TargetCheck:
    """Check a target file and the platform it names; see the module docstring."""
    file = str(path)
    env = os.environ if environ is None else environ
    found = TargetCheck(file)
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        try:
            load_target(path, env)  # says what is wrong with the file as a run would
        except ConfigError as exc:
            found.add(False, exc.key, f"{exc.problem}. Fix: {exc.fix}")
        return found
    missing = _unset_variables(raw, env, found)
    filled = {**env, **dict.fromkeys(missing.values(), _PLACEHOLDER)}
    target, usable = _load_all(raw, file, filled, found)
    if target is None:
        return found
    if not found.problems:
        found.add(True, "file", _summary(target))
    _try_platform(target, usable, missing, found)
    return found


# -- the file -------------------------------------------------------------------------------


def _unset_variables(raw: Any, env: Mapping[str, str], found: TargetCheck) -> dict[str, str]:
    """Every ``*_env`` key naming a variable that is not set: key -> variable."""
    missing: dict[str, str] = {}
    for key, var in _env_keys(raw, ""):
        if not env.get(var):
            missing[key] = var
            owner, _, name = key.rpartition(".")
            what = f"{name.removesuffix('_env').replace('_', ' ')} of {owner}"
            if name == "token_env" and owner.count(".") == 2:  # credentials.<client>.<user>
                _, client, user = owner.split(".")
                what = f"token of {client} for {user}"
            found.add(
                False,
                key,
                f"the environment variable {var} is not set or empty. "
                f"Fix: export {var}=<the {what}>",
            )
    return missing


def _env_keys(value: Any, where: str) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            key = f"{where}.{k}" if where else str(k)
            if str(k).endswith("_env") and isinstance(v, str) and v.strip():
                out.append((key, v))
            else:
                out += _env_keys(v, key)
        return out
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) for pair in _env_keys(v, f"{where}[{i}]")]
    return []


@dataclass
class _Usable:
    """Which parts of a target loaded with some keys set aside can be tried on the platform."""

    base_url: bool = True
    claims: bool = True


def _load_all(
    raw: Any, file: str, env: Mapping[str, str], found: TargetCheck
) -> tuple[Target | None, _Usable]:
    """Load, setting aside each refused part and loading again, until the rest loads."""
    document = copy.deepcopy(raw)
    usable = _Usable()
    for _ in range(200):  # each round sets a part aside: bounded by the file's size
        try:
            return parse_target(document, file, env), usable
        except ConfigError as exc:
            found.add(False, exc.key, f"{exc.problem}. Fix: {exc.fix}")
            before = repr(document)
            _set_aside(document, exc.key, usable)
            if repr(document) == before:
                return None, usable
    return None, usable


def _set_aside(document: Any, key: str, usable: _Usable) -> None:
    """Make ``document`` loadable past ``key``'s mistake, changing as little as possible."""
    if not isinstance(document, dict):
        return
    head = re.split(r"[.\[]", key, maxsplit=1)[0]
    parts = [p for p in re.split(r"[.\[\]]+", key[len(head) :]) if p]
    section = document.get(head)
    if head == "base_url":
        usable.base_url = False
        document["base_url"] = "http://base-url.invalid"  # never contacted: base_url is unusable
    elif head == "name":
        document["name"] = "target"
    elif head == "users":
        _placeholder_users(document, parts)
    elif head in ("clients", "credentials", "limits", "domains", "cloud"):
        if not isinstance(section, dict) or not parts:
            document.pop(head, None)
        elif head == "credentials" and len(parts) >= 2 and isinstance(section.get(parts[0]), dict):
            section[parts[0]].pop(parts[1], None)  # one role
        else:
            section.pop(parts[0], None)
    elif head in document:  # claims, user_agent, allowed_origins, or an unknown key
        usable.claims = usable.claims and head != "claims"
        document.pop(head)


def _placeholder_users(document: dict[str, Any], parts: list[str]) -> None:
    users = document.get("users")
    if not isinstance(users, dict):
        users = document["users"] = {}
    for name in [*CORE_USERS, *parts[:1]]:
        entry = users.get(name)
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            users[name] = {"id": f"{name}-placeholder"}


def _summary(target: Target) -> str:
    surfaces = [name for name, s in (("cloud.s3", target.s3), ("cloud.oci", target.oci)) if s]
    return (
        f"a valid target file: {len(target.users)} user(s), {len(target.credentials)} "
        f"credential(s)" + (f", {' and '.join(surfaces)}" if surfaces else "")
    )


# -- the platform ---------------------------------------------------------------------------


def _try_platform(
    target: Target, usable: _Usable, missing: Mapping[str, str], found: TargetCheck
) -> None:
    """The network half: only what the file could configure is tried (no placeholder is sent)."""
    harness = Harness(target, Options())
    harness.transport.read_only = True  # only GET, HEAD and OPTIONS can leave
    unset = set(missing.values())
    try:
        standards = _discovery(harness, usable, found) if usable.base_url else None
        if standards is not None:
            _tokens(harness, standards, unset, found)
        _s3(harness, unset, found)
        if "cloud.oci.password_env" not in missing:
            _oci(harness, found)
    finally:
        harness.close()
    redact = harness.redactor.text
    found.lines[:] = [Line(x.ok, x.subject, redact(x.text)) for x in found.lines]


def _probe(harness: Harness, what: str) -> Probe:
    return Probe(harness.transport, check=f"check-target: {what}", timeout=_CHECK_SECONDS)


def _discovery(harness: Harness, usable: _Usable, found: TargetCheck) -> set[str] | None:
    """Whether the discovery document is usable; the standards it claims (None: unknown)."""
    target = harness.target
    if target.stated_claims is not None:
        if not usable.claims:
            return None
        found.add(True, "claims", "stated by the file (no discovery document is read)")
    claims = harness.claims()
    if claims.unreachable:
        found.add(
            False,
            "base_url",
            f"nothing answered at {target.base_url}: {claims.problem}. Fix: check base_url "
            "and that the platform runs",
        )
        return None
    if not claims.usable:
        found.add(False, "discovery", f"{DISCOVERY_PATH}: {claims.problem}")
        return None
    if target.stated_claims is None:
        shown = "; ".join(f"{s} ({', '.join(p)})" for s, p in claims.profiles.items())
        found.add(
            True, "discovery", f"{target.base_url}{DISCOVERY_PATH} claims {shown or 'nothing'}"
        )
    return set(claims.profiles)


def _tokens(harness: Harness, standards: set[str], unset: set[str], found: TargetCheck) -> None:
    """Each configured token, tried with the harmless reads of the claimed standards."""
    target = harness.target
    checks = [c for c in CREDENTIAL_CHECKS if c.standard in standards]
    unknown = ordinary(harness.seed, "credentials").uuid()
    for role in sorted(target.credentials, key=str):
        if target.token_envs.get(role) in unset:
            continue  # said already: its variable is not set
        key = target.credential_key(role)
        if not checks:
            found.add(True, key, "not tried: no claimed standard has a read the suite tries")
            continue
        found.lines.append(_try_token(_probe(harness, str(role)), role, key, checks, unknown))


def _try_token(probe: Probe, role: Role, key: str, checks: list[Any], unknown: str) -> Line:
    answers: list[str] = []
    for check in checks:
        try:
            path = check.path.replace("{unknown}", unknown)
            response = probe.get(path, role=role, params=check.params, validate=False)
        except (ProbeError, Finding) as exc:
            return Line(False, key, f"{check.describe()} as {role} could not be completed: {exc}")
        answers.append(f"{check.describe()} answered {response.status}")
        if not refuses_token(response):
            return Line(True, key, f"the token of {role} is accepted ({answers[-1]})")
    var = probe.target.token_envs.get(role, "")
    return Line(
        False,
        key,
        f"the platform refused the token of {role} with 401 ({'; '.join(answers)}). Fix: "
        f"export {var}=<a current token of {role.client} for {role.user} on this platform>",
    )


def _s3(harness: Harness, unset: set[str], found: TargetCheck) -> None:
    """Each S3 key pair with one signed ListBuckets."""
    settings = harness.target.s3
    if settings is None:
        return
    for user, pair in sorted(settings.users.items()):
        key = f"cloud.s3.users.{user}"
        if pair.env in unset:
            continue
        client = S3Client(_probe(harness, f"s3 {user}"), settings, user)
        try:
            _, buckets = client.list_buckets()
        except (Finding, ProbeError, ConformanceError) as exc:
            why = exc.describe() if isinstance(exc, Finding) else str(exc)
            found.add(False, key, f"a signed ListBuckets at {settings.endpoint} failed: {why}")
            continue
        found.add(True, key, f"a signed ListBuckets answered 200 ({len(buckets)} bucket(s))")


def _oci(harness: Harness, found: TargetCheck) -> None:
    """The registry's API version check, with the login it asks for."""
    settings = harness.target.oci
    if settings is None:
        return
    probe = _probe(harness, "registry")
    try:
        response = OciClient(probe, settings).ping()
    except (Finding, ProbeError) as exc:
        why = exc.describe() if isinstance(exc, Finding) else str(exc)
        found.add(False, "cloud.oci", f"GET {settings.endpoint}/v2/ failed: {why}")
        return
    asked = len(probe.exchanges) > 1  # a challenge came, and was answered
    who = settings.username
    if response.status == 200:
        text = (
            f"login of {who} accepted (GET /v2/ answered 200)"
            if asked and who
            else "GET /v2/ answered 200 without asking for a login"
            + (" (the login is tried at the first push)" if who else "")
        )
        found.add(True, "cloud.oci", text)
    elif response.status == 401 and who:
        found.add(
            False,
            "cloud.oci.password_env",
            f"the registry refused the login of {who} (GET /v2/ answered 401). Fix: check "
            "cloud.oci.username and the password in its variable",
        )
    elif response.status == 401:
        found.add(
            False,
            "cloud.oci",
            "the registry asks for a login (GET /v2/ answered 401). Fix: add "
            "cloud.oci.username and cloud.oci.password_env",
        )
    else:
        found.add(False, "cloud.oci", f"GET /v2/ answered {response.status}, not 200 or 401")
