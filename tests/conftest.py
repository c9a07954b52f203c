"""Fixtures shared by the suite's own tests: real reference platforms on loopback."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance._harness.target import Target
from conformance.reference.server import ReferencePlatform, ServingThread
from conformance.reference.target import reference_target
from conformance.reference.target_files import REFERENCE_DOMAINS

pytest_plugins = ["pytester"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--longest-first",
        action="store_true",
        help="with -n: hand out the longest tests first (tests/longest_first.py)",
    )


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if not config.getoption("longest_first"):
        return None
    from longest_first_scheduler import LongestFirst

    return LongestFirst(config, log)


_CPU_AT = pytest.StashKey[float]()


def _cpu_seconds() -> float:
    """CPU time of this process and of the children it has waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    item.stash[_CPU_AT] = _cpu_seconds()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Each JUnit case gets a ``cpu`` property: what ``--longest-first`` learns waits."""
    report = yield
    if call.when == "teardown" and _CPU_AT in item.stash:
        report.user_properties.append(("cpu", f"{_cpu_seconds() - item.stash[_CPU_AT]:.2f}"))
    return report


@pytest.fixture
def reference(tmp_path: Path) -> Iterator[ReferencePlatform]:
    """A fresh reference platform with its own storage, started for one test."""
    with ReferencePlatform(data_dir=tmp_path / "reference", part_size=4096) as platform:
        yield platform


@pytest.fixture
def reference_target_(reference: ReferencePlatform) -> Target:
    """The suite's target for the fresh reference platform."""
    return reference_target(reference)


ServeHttp = Callable[..., str]


@pytest.fixture
def serve_http() -> Iterator[ServeHttp]:
    """Serves a request handler class on loopback; returns its base URL. Stopped after the test."""
    servers: list[ServingThread] = []

    def serve(handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> str:
        try:
            server = ThreadingHTTPServer((host, 0), handler)
        except OSError:
            pytest.skip(f"cannot bind {host} on this machine")
        serving = ServingThread(server, f"serve-http-{handler.__name__}")
        serving.start()
        servers.append(serving)
        return f"http://{host}:{server.server_port}"

    yield serve
    for serving in servers:
        serving.stop()


TargetFile = Callable[..., Path]


@pytest.fixture
def target_file(
    reference: ReferencePlatform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> TargetFile:
    """Writes a target file for the reference platform; tokens go into the environment."""

    def write(base_url: str | None = None, name: str = "t.yaml") -> Path:
        return _write_target_file(reference, tmp_path / name, monkeypatch, base_url)

    return write


def _write_target_file(
    platform: ReferencePlatform,
    path: Path,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str | None = None,
) -> Path:
    """A target file for a running reference platform; tokens go into the environment."""
    ids = platform.identities
    credentials: dict[str, dict[str, dict[str, str]]] = {}
    for (client, user), token in ids.tokens.items():
        var = f"TEST_TOKEN_{client.upper()}_{user.upper()}"
        monkeypatch.setenv(var, token)
        credentials.setdefault(client, {})[user] = {"token_env": var}
    document = {
        "name": "reference-from-file",
        "base_url": base_url or platform.base_url,
        "clients": {c: {"headers": dict(h)} for c, h in ids.clients.items()},
        "users": {u: {"id": i} for u, i in ids.users.items()},
        "credentials": credentials,
        "limits": {"requests_per_second": 0, "check_timeout": 300},
        "domains": {kind: list(hosts) for kind, hosts in REFERENCE_DOMAINS.items()},
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path
