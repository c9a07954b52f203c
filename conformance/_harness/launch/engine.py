"""The container engine, through the Docker SDK for Python: connect, check, create, remove.

Only what a launch needs, each failure a ``LaunchError`` that says what to do.
The SDK is the ``docker`` extra: a suite without it imports and runs; only a
target file with a ``launch`` section asks for it. Containers share the
host's network (``network_mode="host"``): nothing is published, no bridge
is made, and nothing is ever pulled (``containers.create`` never pulls; the
image is looked up first so that its absence is said plainly).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import requests

from conformance._harness.errors import LaunchError

try:
    import docker
    from docker.errors import DockerException, ImageNotFound, NotFound
except ImportError:  # the `docker` extra is not installed: only a launch needs it
    HAVE_SDK = False
else:
    HAVE_SDK = True

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
BUILD_HINT = (
    "build it first (the project's own images: docker/build-images.sh; your platform's: "
    "`docker build -t {image} .`) or `docker load` it"
)


def connect() -> DockerClient:
    """A client of the engine that ``DOCKER_HOST`` (or the default socket) names, pinged."""
    if not HAVE_SDK:
        raise LaunchError(
            "the target file has a launch section, which needs the Docker SDK for Python "
            "(the `docker` package). Fix: pip install 'interop-conformance[docker]'"
        )
    where = os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET
    fix = (
        "Fix: start the engine (`systemctl start docker`, or `dockerd` as root), or set "
        "DOCKER_HOST to the socket of one that runs"
    )
    socket_path = where.removeprefix("unix://") if where.startswith("unix://") else None
    if socket_path is not None and not os.path.exists(socket_path):
        # Said before the SDK tries: clearer, and its failed connect would leak the socket.
        raise LaunchError(f"no Docker engine: its socket {socket_path} does not exist. {fix}")
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except (DockerException, requests.RequestException, OSError) as exc:
        raise LaunchError(
            f"no Docker engine answered at {where} ({_first_line(exc)}). {fix}"
        ) from None
    return client


def require_image(client: DockerClient, image: str) -> None:
    """Fail unless ``image`` is in the local engine (the suite never pulls)."""
    try:
        client.images.get(image)
    except ImageNotFound:
        raise LaunchError(
            f"the image {image} (launch.image) is not in the local Docker engine, and the "
            f"suite never pulls. Fix: {BUILD_HINT.format(image=image)}"
        ) from None
    except DockerException as exc:
        raise LaunchError(f"the engine could not look up {image}: {_first_line(exc)}") from None


def require_free_port(host: str, port: int) -> None:
    """Fail if something already listens on the port: it, not the container, would answer."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        taken = probe.connect_ex((host.strip("[]"), port)) == 0
    if taken:
        raise LaunchError(
            f"something already listens on {host}:{port} (launch.port), so the health check "
            "and the run would reach it, not the container. Fix: stop it (a platform left "
            "running, another run?) or give the container another port"
        )


def create(
    client: DockerClient,
    image: str,
    *,
    command: Sequence[str] | None,
    environment: Mapping[str, str],
    labels: Mapping[str, str],
    name: str,
) -> Container:
    """Create and start the container on the host's network."""
    try:
        container = client.containers.create(
            image,
            command=list(command) if command is not None else None,
            environment=dict(environment),
            labels=dict(labels),
            name=name,
            network_mode="host",
            detach=True,
        )
    except ImageNotFound:
        raise LaunchError(
            f"the image {image} (launch.image) is not in the local Docker engine. "
            f"Fix: {BUILD_HINT.format(image=image)}"
        ) from None
    except DockerException as exc:
        raise LaunchError(f"the engine refused to create {name}: {_first_line(exc)}") from None
    try:
        container.start()
    except DockerException as exc:
        remove(container)
        raise LaunchError(
            f"the engine could not start {name} from {image}: {_first_line(exc)}. Fix: check "
            "launch.command (an executable the image has?)"
        ) from None
    return container


def logs(container: Container, *, tail: int | None = None) -> bytes:
    """The container's output, stdout and stderr interleaved (b"" if it is gone)."""
    try:
        data = container.logs(stdout=True, stderr=True, tail="all" if tail is None else tail)
    except (DockerException, requests.RequestException):
        return b""
    return data if isinstance(data, bytes) else b""


def state(container: Container) -> tuple[str, int | None]:
    """The container's status (``running``, ``exited``…) and its exit code once it ended."""
    container.reload()
    code = container.attrs.get("State", {}).get("ExitCode")
    return str(container.status), code if isinstance(code, int) else None


def remove(container: Container) -> str | None:
    """Remove the container and its anonymous volumes; None, or why it could not be."""
    try:
        container.remove(force=True, v=True)
    except NotFound:
        return None
    except (DockerException, requests.RequestException) as exc:
        return f"{_first_line(exc)}. Fix: docker rm -f -v {container.name}"
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
