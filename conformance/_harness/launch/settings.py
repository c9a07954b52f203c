"""The ``launch:`` section of a target file: the container that serves the platform.

::

    launch:
      image: example/platform:1.4        # required; never pulled
      command: [serve, --port, "8811"]   # optional: a list, or one string split as a shell would
      environment:                       # optional; "${VAR}" is read from the host's environment
        PLATFORM_ADMIN_TOKEN: "${EXAMPLE_ADMIN_TOKEN}"
        LOG_LEVEL: info
      port: 8811                         # where it listens on 127.0.0.1; base_url must use it
      health_url: http://127.0.0.1:8811/healthz   # default: the discovery document
      start_timeout: 60s                 # seconds, or "90s", "2min", "500ms"
      labels: {team: qa}                 # optional: more labels on the container

Reading it needs no container engine: every mistake is a ``ConfigError``
naming the file, the key and the fix. A value taken from the host's
environment is a ``Secret``: it goes to the container, never into a log,
and the run's redactor scrubs it from the evidence and the container's log.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from conformance._harness.config_keys import KeyReader, kind
from conformance._harness.secrets import Secret
from conformance.common.claims import DISCOVERY_PATH

_KEYS = frozenset(
    {"image", "command", "environment", "port", "health_url", "start_timeout", "labels"}
)
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNITS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*")
DEFAULT_START_TIMEOUT = 60.0
MAX_START_TIMEOUT = 3600.0
LABEL_PREFIX = "org.interop-conformance."
"""Labels under this prefix are the suite's own (``launcher.labels_of``)."""


@dataclass(frozen=True)
class LaunchSettings:
    """How to start the platform's container and know that it is ready."""

    image: str
    port: int
    health_url: str
    command: tuple[str, ...] | None = None
    environment: Mapping[str, str | Secret] = field(default_factory=dict)
    """Literal values as written in the file; values read from the host are ``Secret``."""
    start_timeout: float = DEFAULT_START_TIMEOUT
    labels: Mapping[str, str] = field(default_factory=dict)
    host_values: tuple[Secret, ...] = ()
    """Each value read from the host (``${VAR}``), also when it is only part of a value."""

    def secrets(self) -> list[Secret]:
        """The values read from the host's environment, alone and as the container gets them."""
        whole = [v for v in self.environment.values() if isinstance(v, Secret)]
        return list(dict.fromkeys([*whole, *self.host_values]))

    def revealed_environment(self) -> dict[str, str]:
        """The environment as the container gets it (the one place secrets are revealed)."""
        return {k: v.reveal() if isinstance(v, Secret) else v for k, v in self.environment.items()}

    def describe(self) -> dict[str, Any]:
        """What a report says about the launch: no environment values, only their names."""
        return {
            "image": self.image,
            "port": self.port,
            "health_url": self.health_url,
            "environment": sorted(self.environment),
            "start_timeout": self.start_timeout,
        }


def read_launch(
    v: KeyReader, raw: Any, env: Mapping[str, str], base_url: str
) -> LaunchSettings | None:
    """The ``launch`` section, validated against ``base_url`` (None: no section)."""
    if raw is None:
        return None
    body = v.mapping(raw, "launch")
    v.known(body, "launch", _KEYS)
    if "image" not in body:
        v.fail(
            "launch.image", "missing", "add launch.image: NAME:TAG (an image in the local engine)"
        )
    image = v.string(body["image"], "launch.image")
    port = _port(v, body.get("port"))
    _check_base_url(v, base_url, port)
    health = (
        _loopback_url(v, body["health_url"], "launch.health_url")
        if "health_url" in body
        else base_url.rstrip("/") + DISCOVERY_PATH
    )
    host_values: list[Secret] = []
    environment = _environment(v, body.get("environment", {}), env, host_values)
    return LaunchSettings(
        image=image,
        port=port,
        health_url=health,
        command=_command(v, body["command"]) if "command" in body else None,
        environment=environment,
        start_timeout=duration(
            v, body.get("start_timeout", DEFAULT_START_TIMEOUT), "launch.start_timeout"
        ),
        labels=_labels(v, body.get("labels", {})),
        host_values=tuple(host_values),
    )


def duration(v: KeyReader, value: Any, key: str) -> float:
    """Seconds, as a number (``60``) or with a unit (``"60s"``, ``"2min"``, ``"500ms"``, ``"1h"``)."""
    seconds: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.fullmatch(value.lower())):
        unit = _UNITS.get(match.group(2) or "s")
        seconds = None if unit is None else float(match.group(1)) * unit
    if seconds is None or not 0 < seconds <= MAX_START_TIMEOUT:
        v.fail(
            key,
            f"expected a duration above 0 and at most 1 h, got {kind(value)}",
            "write seconds (60) or a number with a unit: 500ms, 60s, 2min, 1h",
        )
    return seconds


def _port(v: KeyReader, value: Any) -> int:
    if value is None:
        v.fail("launch.port", "missing", "add launch.port: the port the platform listens on")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        v.fail(
            "launch.port", f"expected a port number 1-65535, got {kind(value)}", "set launch.port"
        )
    return int(value)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or a loopback address literal (no name is resolved)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_base_url(v: KeyReader, base_url: str, port: int) -> None:
    parts = urlsplit(base_url)
    if not is_loopback(parts.hostname or ""):
        v.fail(
            "base_url",
            f"a launched platform listens on loopback, but base_url names {parts.hostname!r}",
            f"write base_url: http://127.0.0.1:{port}",
        )
    if parts.port != port:
        v.fail(
            "launch.port",
            f"the container listens on {port}, but base_url names port "
            f"{parts.port or 'none (the default)'}",
            f"use the same port in both (base_url: http://127.0.0.1:{port})",
        )


def _loopback_url(v: KeyReader, value: Any, key: str) -> str:
    url = v.url(value, key)
    host = urlsplit(url).hostname or ""
    if not is_loopback(host):
        v.fail(
            key,
            f"the health check is sent only to loopback, and {host!r} is not",
            "use http://127.0.0.1:PORT/... (the container shares the host's loopback)",
        )
    return url


def _command(v: KeyReader, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        try:
            words = shlex.split(value)
        except ValueError as exc:
            v.fail("launch.command", f"cannot be split into words ({exc})", "balance the quotes")
    elif isinstance(value, list) and all(isinstance(w, (str, int, float)) for w in value):
        words = [str(w) for w in value]
    else:
        v.fail(
            "launch.command",
            f"expected a list of words or a string, got {kind(value)}",
            'write e.g. command: [serve, --port, "8811"]',
        )
    if not words:
        v.fail("launch.command", "empty", "remove launch.command to run the image's own command")
    return tuple(words)


def _environment(
    v: KeyReader, raw: Any, env: Mapping[str, str], host_values: list[Secret]
) -> dict[str, str | Secret]:
    out: dict[str, str | Secret] = {}
    for name, value in v.mapping(raw, "launch.environment").items():
        key = f"launch.environment.{name}"
        if not _NAME.fullmatch(name):
            v.fail(key, "not an environment variable name", "use letters, digits and _")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            v.fail(key, f"expected a string, got {kind(value)}", f'write {name}: "value"')
        out[name] = _resolve(v, key, str(value), env, host_values)
    return out


def _resolve(
    v: KeyReader, key: str, value: str, env: Mapping[str, str], host_values: list[Secret]
) -> str | Secret:
    """``${VAR}`` read from the host; a value that read any is a ``Secret``."""
    names = _VARIABLE.findall(value)
    if not names:
        return value
    for var in names:
        if not _NAME.fullmatch(var):
            v.fail(
                key, f"${{{var}}} is not a variable name", "write ${NAME} with letters, digits, _"
            )
        if not env.get(var):
            v.fail(
                key,
                f"the environment variable {var} is not set or empty",
                f"export {var}=<the value> before the run (it is passed to the container, "
                "never written down)",
            )
    host_values += [Secret(env[var]) for var in names]
    return Secret(_VARIABLE.sub(lambda m: env[m.group(1)], value))


def _labels(v: KeyReader, raw: Any) -> dict[str, str]:
    labels = {}
    for name, value in v.mapping(raw, "launch.labels").items():
        text = str(value) if isinstance(value, (int, float)) else value
        labels[name] = v.string(text, f"launch.labels.{name}")
    return labels
