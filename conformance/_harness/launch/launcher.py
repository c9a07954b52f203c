"""Start the targets' containers, wait until they are healthy, and always remove them.

``launched(targets)`` is a context manager: on entry it starts the
container of each target with a ``launch`` section and waits for its
health URL; on exit (success, failure, a timeout or Ctrl-C alike) it
removes every container it created, with its anonymous volumes. While
it is open, ``logs()`` gives each container's log, scrubbed of every
secret of the targets, for the run's directory (``ContainerLogs``).
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from conformance._harness.errors import LaunchError
from conformance._harness.launch import engine
from conformance._harness.launch.container_logs import (
    TAIL_LINES,
    ContainerLogs,
    log_name,
    scrubbed,
    tail,
)
from conformance._harness.launch.health import Waited, wait_healthy
from conformance._harness.launch.settings import LABEL_PREFIX, LaunchSettings
from conformance._harness.secrets import Redactor
from conformance._harness.target import Target
from conformance._harness.units import human_duration

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

LAUNCHED_BY = LABEL_PREFIX + "launched-by"
"""Every container the suite starts carries ``org.interop-conformance.launched-by=conformance``."""


@dataclass
class _Running:
    target: Target
    settings: LaunchSettings
    container: Container
    log_name: str


class Launched:
    """The containers started for one run."""

    def __init__(self, redactor: Redactor, say: Callable[[str], None]) -> None:
        self.redactor = redactor
        self.running: list[_Running] = []
        self._say = say
        self._client: DockerClient | None = None

    def start(self, target: Target, position: int) -> None:
        """Start ``target``'s container and wait for its health URL (or raise ``LaunchError``)."""
        settings = target.launch
        assert settings is not None
        client = self._client = self._client or engine.connect()
        engine.require_image(client, settings.image)
        engine.require_free_port(urlsplit(target.base_url).hostname or "127.0.0.1", settings.port)
        name = f"conformance-{_slug(target.name)}-{secrets.token_hex(3)}"
        container = engine.create(
            client,
            settings.image,
            command=settings.command,
            environment=settings.revealed_environment(),
            labels=labels_of(settings, target.name),
            name=name,
        )
        self.running.append(_Running(target, settings, container, log_name(position, target.name)))
        waited = wait_healthy(
            settings.health_url, settings.start_timeout, lambda: engine.state(container)
        )
        if waited.how != "healthy":
            raise LaunchError(self._unhealthy(name, settings, waited) + self._tail(container))
        self._say(
            f"conformance: started {settings.image} as {name}; {settings.health_url} answered "
            f"after {human_duration(waited.seconds)}"
        )

    def logs(self) -> list[tuple[str, bytes]]:
        """Each container's whole log so far, scrubbed, with the file name it goes under."""
        return [
            (r.log_name, scrubbed(engine.logs(r.container), self.redactor)) for r in self.running
        ]

    def close(self) -> None:
        """Remove every container started, even when interrupted again while doing so."""
        problems = []
        for running in self.running:
            try:
                problem = engine.remove(running.container)
            except KeyboardInterrupt:  # a second Ctrl-C: still leave nothing behind
                problem = engine.remove(running.container)
            if problem:
                problems.append(problem)
        self.running.clear()
        if self._client is not None:
            self._client.close()
        for problem in problems:
            self._say(f"conformance: warning: a container could not be removed: {problem}")

    def _unhealthy(self, name: str, settings: LaunchSettings, waited: Waited) -> str:
        if waited.how == "exited":
            docker_run = ["docker", "run", "--rm", "--network", "host", settings.image]
            by_hand = shlex.join([*docker_run, *(settings.command or ())])
            return (
                f"the container {name} of {settings.image} exited with code "
                f"{waited.exit_code} after {human_duration(waited.seconds)}, before "
                f"{settings.health_url} answered. Fix: read its log below; try it by hand with "
                f"`{by_hand}`"
            )
        return (
            f"the container {name} of {settings.image} did not become healthy within "
            f"{human_duration(settings.start_timeout)} (launch.start_timeout): "
            f"{settings.health_url} {waited.last_answer}. Fix: check that it listens on 127.0.0.1:"
            f"{settings.port} and answers {settings.health_url} with a 2xx (launch.health_url), "
            "or raise launch.start_timeout"
        )

    def _tail(self, container: Container) -> str:
        return tail(engine.logs(container, tail=TAIL_LINES), self.redactor)


def labels_of(settings: LaunchSettings, target_name: str) -> dict[str, str]:
    """The container's labels: the file's ``launch.labels``, then the suite's own."""
    return {
        **settings.labels,
        LAUNCHED_BY: "conformance",
        LABEL_PREFIX + "target": target_name[:200],
    }


@contextmanager
def launched(
    targets: Sequence[Target | None], *, say: Callable[[str], None] = print
) -> Iterator[ContainerLogs]:
    """Start the containers of ``targets`` (those with ``launch``), yield the plugin that keeps
    their logs with the run's evidence, and remove them on the way out, whatever happens."""
    present = [t for t in targets if t is not None]
    redactor = Redactor([s for t in present for s in t.secrets()])
    run = Launched(redactor, say)
    try:
        for position, target in enumerate(targets):
            if target is not None and target.launch is not None:
                run.start(target, position)
        yield ContainerLogs(run.logs)
    finally:
        run.close()


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name.lower())[:30] or "target"
