"""A target file's ``launch:`` section: the platform started from an image, waited for, its
log kept with the evidence, and its container removed whatever happens.

The section's mistakes are config errors read without an engine. The rest
runs real containers on the local engine from the base image (Debian with
Python): ``python3 -m http.server`` is a healthy platform, ``sh -c 'echo
boom; exit 3'`` one that exits at once, ``sleep`` one that never answers.
Every container carries a label unique to its test, and each test checks
that none is left behind.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance._harness import cli
from conformance._harness.errors import ConfigError, LaunchError
from conformance._harness.launch.container_logs import log_name
from conformance._harness.launch.health import wait_healthy
from conformance._harness.launch.launcher import LAUNCHED_BY, launched
from conformance._harness.launch.settings import LABEL_PREFIX
from conformance._harness.manifest import CONTAINER_LOG
from conformance._harness.target import load_target
from conformance._harness.verify import verify_run

try:
    import docker
except ImportError:  # the `docker` extra: the section's tests run without it
    docker = None

BASE_IMAGES = ("interop-conformance/base:bookworm", "local/debian-python:bookworm")
"""The project's base image (docker/build-base.sh), else the machine's stand-in."""
OWNER = LABEL_PREFIX + "owner"
TEST_LABEL = LABEL_PREFIX + "test"
SECRET = "s3cr3t-value-from-the-host-7f1c"
USERS = {"alice": {"id": "a"}, "bob": {"id": "b"}, "carol": {"id": "c"}}

WriteTarget = Callable[..., Path]


# -- fixtures (a local engine fixture: tests/docker/conftest.py did not exist yet) ---------


@pytest.fixture(scope="module")
def engine() -> Iterator[Any]:
    """The local engine; these tests skip without one, except in CI, where they must run."""
    if docker is None:
        pytest.fail("the Docker SDK is missing: pip install -e '.[test]'")
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the Docker tests, but no engine answered: {exc}")
        pytest.skip(f"no Docker engine: {exc}")
    yield client
    client.close()


@pytest.fixture(scope="module")
def base_image(engine: Any) -> str:
    """An image with sh, sleep and python3."""
    for name in BASE_IMAGES:
        try:
            engine.images.get(name)
        except docker.errors.ImageNotFound:
            continue
        return name
    message = f"none of {BASE_IMAGES} is built: run docker/build-base.sh"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def label(engine: Any) -> Iterator[str]:
    """A label value unique to the test; no container with it may outlive the test."""
    value = uuid.uuid4().hex
    yield value
    left = engine.containers.list(all=True, filters={"label": f"{TEST_LABEL}={value}"})
    for container in left:
        container.remove(force=True, v=True)
    assert not left, f"containers left behind: {[c.name for c in left]}"


def leftovers(engine: Any, label: str) -> list[str]:
    """The names of the test's containers that still exist."""
    found = engine.containers.list(all=True, filters={"label": f"{TEST_LABEL}={label}"})
    return [c.name for c in found]


def free_port() -> int:
    """A port nothing listens on at the moment (127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def write_target(tmp_path: Path) -> WriteTarget:
    """Writes a target file with a launch section; keyword arguments go into ``launch``."""

    def write(name: str = "launched", port: int | None = None, **launch: Any) -> Path:
        port = port or free_port()
        doc = {
            "name": name,
            "base_url": f"http://127.0.0.1:{port}",
            "users": USERS,
            "launch": {"port": port, **launch},
        }
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        return path

    return write


def http_server(port: int) -> list[str]:
    """A command that prints the secret, then serves the working directory on ``port``."""
    return [
        "sh",
        "-c",
        f"echo the secret is $PLATFORM_SECRET; exec python3 -m http.server --bind 127.0.0.1 {port}",
    ]


# -- the section, read without an engine -------------------------------------------------


def read(tmp_path: Path, launch: Any, *, base_url: str = "http://127.0.0.1:8811", **env: str):
    path = tmp_path / "t.yaml"
    doc = {"name": "t", "base_url": base_url, "users": USERS, "launch": launch}
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return load_target(path, env)


@pytest.mark.parametrize(
    ("launch", "key", "words"),
    [
        ({"port": 8811}, "launch.image", "missing"),
        ({"image": "x:1"}, "launch.port", "missing"),
        ({"image": "x:1", "port": 70000}, "launch.port", "1-65535"),
        ({"image": "x:1", "port": 9000}, "launch.port", "base_url names port 8811"),
        ({"image": "x:1", "port": 8811, "ports": [1]}, "launch.ports", "unknown key"),
        ({"image": "x:1", "port": 8811, "command": []}, "launch.command", "empty"),
        ({"image": "x:1", "port": 8811, "command": "a 'b"}, "launch.command", "quotes"),
        ({"image": "x:1", "port": 8811, "start_timeout": "soon"}, "launch.start_timeout", "60s"),
        ({"image": "x:1", "port": 8811, "start_timeout": 0}, "launch.start_timeout", "above 0"),
        (
            {"image": "x:1", "port": 8811, "health_url": "http://10.0.0.1:8811/"},
            "launch.health_url",
            "loopback",
        ),
        ({"image": "x:1", "port": 8811, "environment": {"A": "${}"}}, "launch.environment.A", "$"),
        ({"image": "x:1", "port": 8811, "environment": {"A": [1]}}, "launch.environment.A", "str"),
        ("x:1", "launch", "mapping"),
    ],
)
def test_a_malformed_launch_section_is_a_config_error_naming_the_key(
    tmp_path: Path, launch: Any, key: str, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        read(tmp_path, launch)
    assert caught.value.key == key
    assert words in f"{caught.value.problem} {caught.value.fix}"
    assert str(tmp_path / "t.yaml") in str(caught.value)


def test_a_launched_platform_must_be_on_loopback(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        read(tmp_path, {"image": "x:1", "port": 443}, base_url="https://api.example.org")
    assert caught.value.key == "base_url"
    assert "http://127.0.0.1:443" in caught.value.fix


def test_a_missing_host_variable_names_the_file_the_key_and_the_fix(tmp_path: Path) -> None:
    launch = {"image": "x:1", "port": 8811, "environment": {"TOKEN": "${H13_NOT_SET}"}}
    with pytest.raises(ConfigError) as caught:
        read(tmp_path, launch)
    assert caught.value.key == "launch.environment.TOKEN"
    assert "H13_NOT_SET is not set" in caught.value.problem
    assert caught.value.fix.startswith("export H13_NOT_SET=")


def test_host_values_are_secrets_and_reports_name_only_the_variables(tmp_path: Path) -> None:
    launch = {
        "image": "x:1",
        "port": 8811,
        "command": "serve --port 8811",
        "environment": {"TOKEN": "${H13_TOKEN}", "AUTH": "Bearer ${H13_TOKEN}", "LEVEL": "info"},
        "start_timeout": "2min",
    }
    target = read(tmp_path, launch, H13_TOKEN=SECRET)
    settings = target.launch
    assert settings is not None
    assert settings.command == ("serve", "--port", "8811")
    assert settings.start_timeout == 120
    assert settings.health_url == "http://127.0.0.1:8811/.well-known/interop"
    assert settings.revealed_environment()["AUTH"] == f"Bearer {SECRET}"
    assert SECRET in {s.reveal() for s in target.secrets()}  # so the run scrubs it everywhere
    described = repr(target.describe()) + repr(settings)
    assert SECRET not in described
    assert target.describe()["launch"]["environment"] == ["AUTH", "LEVEL", "TOKEN"]


@pytest.mark.parametrize(("written", "seconds"), [(45, 45), ("500ms", 0.5), ("90 s", 90)])
def test_start_timeout_takes_seconds_or_a_unit(tmp_path: Path, written: Any, seconds: float):
    target = read(tmp_path, {"image": "x:1", "port": 8811, "start_timeout": written})
    assert target.launch is not None and target.launch.start_timeout == seconds


def test_a_target_without_launch_needs_no_engine(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump({"name": "t", "base_url": "http://127.0.0.1:1", "users": USERS}))
    target = load_target(path, {})
    with launched([target, None], say=lambda _: None) as logs:  # no engine is contacted
        assert logs.written == []


def test_the_log_names_are_those_the_manifest_seals() -> None:
    names = [log_name(0, "x"), log_name(1, "Platform B (staging)"), log_name(1, "")]
    assert names[0] == "container.log"
    assert all(CONTAINER_LOG.fullmatch(n) for n in names), names


# -- waiting, without an engine ---------------------------------------------------------


def test_the_wait_ends_at_once_when_the_container_exits() -> None:
    started = time.monotonic()
    waited = wait_healthy("http://127.0.0.1:9/", 60, lambda: ("exited", 3))
    assert (waited.how, waited.exit_code) == ("exited", 3)
    assert time.monotonic() - started < 30


def test_the_wait_is_bounded_by_the_timeout() -> None:
    port = free_port()
    started = time.monotonic()
    waited = wait_healthy(f"http://127.0.0.1:{port}/", 1.0, lambda: ("running", None))
    assert waited.how == "timeout"
    assert "refused" in waited.last_answer
    assert time.monotonic() - started < 1.0 + 5


# -- real containers ----------------------------------------------------------------------


def test_no_engine_is_a_launch_error(
    write_target: WriteTarget, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    pytest.importorskip("docker")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    path = write_target(image="x:1")
    code = cli.main(["run", "--target", str(path), "--report-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert f"no Docker engine: its socket {tmp_path}/no-engine.sock does not exist" in err
    assert "set DOCKER_HOST to the socket of one that runs" in err
    assert not (tmp_path / "r").exists()


def test_a_missing_image_is_named_with_how_to_build_it(
    engine: Any, write_target: WriteTarget, label: str, tmp_path: Path, capsys: Any
) -> None:
    image = f"interop-conformance/absent-{label[:8]}:never"
    path = write_target(image=image, labels={TEST_LABEL: label})
    code = cli.main(["run", "--target", str(path), "--report-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert f"the image {image} (launch.image) is not in the local Docker engine" in err
    assert "docker/build-images.sh" in err
    assert leftovers(engine, label) == []


def test_a_container_that_exits_at_once_is_reported_with_its_code_and_log(
    engine: Any,
    base_image: str,
    write_target: WriteTarget,
    label: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    path = write_target(
        image=base_image,
        command=["sh", "-c", "echo boom; echo token $PLATFORM_SECRET; exit 3"],
        environment={"PLATFORM_SECRET": "${H13_LAUNCH_SECRET}"},
        start_timeout=120,
        labels={TEST_LABEL: label, OWNER: "tests"},
    )
    monkeypatch.setenv("H13_LAUNCH_SECRET", SECRET)
    started = time.monotonic()
    code = cli.main(["run", "--quiet", "--target", str(path)])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert "exited with code 3" in err
    assert "| boom" in err
    assert SECRET not in err and "token [REDACTED]" in err
    assert elapsed < 60, "an exit is reported at once, not after start_timeout (120 s)"
    assert leftovers(engine, label) == []


def test_a_container_never_healthy_is_reported_within_its_timeout(
    engine: Any, base_image: str, write_target: WriteTarget, label: str, capsys: Any
) -> None:
    path = write_target(
        image=base_image,
        command=["sh", "-c", "echo starting slowly; exec sleep 600"],
        start_timeout="3s",
        labels={TEST_LABEL: label},
    )
    started = time.monotonic()
    code = cli.main(["run", "--quiet", "--target", str(path)])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert "did not become healthy within 3 s (launch.start_timeout)" in err
    assert "refused the connection" in err
    assert "| starting slowly" in err
    assert elapsed < 3 + 30, "the timeout bounds the wait (with slack for start and removal)"
    assert leftovers(engine, label) == []


def test_a_taken_port_is_refused_before_any_container_starts(
    engine: Any, base_image: str, write_target: WriteTarget, label: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        path = write_target(port=port, image=base_image, labels={TEST_LABEL: label})
        with pytest.raises(LaunchError, match=f"already listens on 127.0.0.1:{port}"):
            with launched([load_target(path)], say=lambda _: None):
                pass
    assert leftovers(engine, label) == []


def test_a_healthy_launch_runs_and_keeps_the_scrubbed_logs_in_the_sealed_run(
    engine: Any,
    base_image: str,
    write_target: WriteTarget,
    label: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    monkeypatch.setenv("H13_LAUNCH_SECRET", SECRET)
    paths = []
    for name in ("served", "served-b"):
        port = free_port()
        paths.append(
            write_target(
                name=name,
                port=port,
                image=base_image,
                command=http_server(port),
                environment={"PLATFORM_SECRET": "${H13_LAUNCH_SECRET}"},
                health_url=f"http://127.0.0.1:{port}/",
                labels={TEST_LABEL: label, OWNER: "tests"},
            )
        )
    reports = tmp_path / "reports"
    code = cli.main(
        ["run", "--quiet", "--target", str(paths[0]), "--second-target", str(paths[1]),
         "--report-dir", str(reports)]
    )  # fmt: skip
    out, err = capsys.readouterr()
    # http.server has no discovery document: the run ends NO DISCOVERY, its reports written.
    assert code == cli.EXIT_GARBAGE, err
    assert "conformance: started" in out
    (run_dir,) = [d for d in reports.iterdir() if not d.is_symlink()]
    first = (run_dir / "container.log").read_text()
    second = (run_dir / "container-served-b.log").read_text()
    assert "the secret is [REDACTED]" in first and "the secret is [REDACTED]" in second
    assert "GET /.well-known/interop" in first  # the run's own requests, as the platform saw them
    assert not any(SECRET in p.read_text(errors="replace") for p in run_dir.iterdir())
    found = verify_run(run_dir)
    assert found.ok, found.problems  # the logs are sealed with the reports
    assert leftovers(engine, label) == []


def test_ctrl_c_mid_run_still_removes_the_container(
    engine: Any,
    base_image: str,
    write_target: WriteTarget,
    label: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = free_port()
    path = write_target(
        port=port,
        image=base_image,
        command=http_server(port),
        environment={"PLATFORM_SECRET": "not-secret"},
        health_url=f"http://127.0.0.1:{port}/",
        labels={TEST_LABEL: label},
    )
    seen: list[str] = []

    def interrupted_run(*args: Any, **kwargs: Any) -> Any:
        seen.extend(
            c.status for c in engine.containers.list(filters={"label": f"{TEST_LABEL}={label}"})
        )
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run", interrupted_run)
    # --verbose: no progress line, whose stream only a real run closes
    assert cli.main(["run", "--verbose", "--target", str(path)]) == cli.EXIT_INTERRUPTED
    assert seen == ["running"]
    assert leftovers(engine, label) == []


def test_every_container_carries_the_suites_label(
    engine: Any, base_image: str, write_target: WriteTarget, label: str
) -> None:
    port = free_port()
    path = write_target(
        port=port,
        image=base_image,
        command=http_server(port),
        environment={"PLATFORM_SECRET": "x"},
        health_url=f"http://127.0.0.1:{port}/",
        labels={TEST_LABEL: label},
    )
    with launched([load_target(path)], say=lambda _: None):
        (container,) = engine.containers.list(filters={"label": f"{TEST_LABEL}={label}"})
        assert container.labels[LAUNCHED_BY] == "conformance"
        assert container.attrs["HostConfig"]["NetworkMode"] == "host"
        assert not container.attrs["HostConfig"].get("PortBindings")
    assert leftovers(engine, label) == []
