"""Fixtures of the Docker tests: the engine, the project's images, and nothing left behind.

In CI (``CI=true``) a missing engine or SDK fails these tests: they must run
there, not skip. Elsewhere they skip and say why. The images are built by
``docker/build-images.sh`` when missing or older than the tree (their
``source-digest`` label), under a file lock, since pytest-xdist runs several
workers at once. Everything a test creates carries its own label, and after
each test nothing with that label may remain.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from docker_support import (
    DIGEST_LABEL,
    OWNER_LABEL,
    REFERENCE_IMAGE,
    REFERENCE_LIMITS,
    ROOT,
    SUITE_IMAGE,
    TEST_LABEL,
    free_port_pair,
    tree_digest,
)

from conformance.reference.choices import choice_set
from conformance.reference.cloud_s3 import advertised_addressing
from conformance.reference.identities import generate_identities
from conformance.reference.identities_env import identities_env
from conformance.reference.target_files import target_document

BUILD_LOCK = Path(tempfile.gettempdir()) / "interop-conformance-images.lock"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    """Fail in CI, where the Docker tests must run; skip elsewhere, saying why."""
    if _in_ci():
        pytest.fail(f"CI=true and {reason}: the Docker tests must run in CI (.ci/run starts one)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    """A client of the local engine, pinged; a missing engine fails in CI and skips elsewhere."""
    try:
        import docker  # the test extra has it; checked here to say so plainly
    except ImportError:
        _unavailable("the Docker SDK (`docker`) is not installed")
    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except Exception as exc:  # the SDK's and requests' errors alike: no engine answered
        where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        _unavailable(f"no Docker engine answers at {where} ({str(exc).splitlines()[0][:200]})")
    yield client
    client.close()


def _current(client: Any, image: str, digest: str) -> bool:
    try:
        labels = client.images.get(image).labels or {}
    except Exception:  # ImageNotFound, or an engine error: build (it reports the error)
        return False
    return bool(labels.get(DIGEST_LABEL)) and (not digest or labels[DIGEST_LABEL] == digest)


def _ensure_images(client: Any) -> None:
    """Build both images when either is missing or stale; one builder at a time.

    ``CONFORMANCE_DOCKER_STALE_OK=1`` accepts images of an older tree (a fast inner
    loop while editing; never set in CI).
    """
    digest = tree_digest()
    if os.environ.get("CONFORMANCE_DOCKER_STALE_OK") == "1":
        digest = ""
    images = (REFERENCE_IMAGE, SUITE_IMAGE)
    if all(_current(client, image, digest) for image in images):
        return
    with BUILD_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be building: wait, then look again
        if all(_current(client, image, digest) for image in images):
            return
        built = subprocess.run(
            ["bash", str(ROOT / "docker" / "build-images.sh")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if built.returncode != 0:
            pytest.fail(
                "docker/build-images.sh failed (exit "
                f"{built.returncode}):\n{built.stdout[-2000:]}\n{built.stderr[-4000:]}"
            )


@pytest.fixture(scope="session")
def reference_image(docker_client: Any) -> str:
    """The reference platform's image of this tree, built if missing or stale."""
    _ensure_images(docker_client)
    return REFERENCE_IMAGE


@pytest.fixture(scope="session")
def suite_image(docker_client: Any) -> str:
    """The suite's image of this tree, built if missing or stale."""
    _ensure_images(docker_client)
    return SUITE_IMAGE


@pytest.fixture
def docker_labels(request: pytest.FixtureRequest) -> dict[str, str]:
    """The labels of everything this test creates: the owner and one value for this test."""
    return {OWNER_LABEL: "tests", TEST_LABEL: f"{request.node.name[:80]}-{uuid.uuid4().hex[:8]}"}


@pytest.fixture(autouse=True)
def _nothing_left_behind(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used the engine, no container, network or volume with its label
    remains; any found is removed, and the test errors, naming them."""
    if "docker_labels" not in request.fixturenames:
        yield
        return
    client = request.getfixturevalue("docker_client")
    label = f"{TEST_LABEL}={request.getfixturevalue('docker_labels')[TEST_LABEL]}"
    yield
    left = [
        *(("container", c) for c in client.containers.list(all=True, filters={"label": label})),
        *(("network", n) for n in client.networks.list(filters={"label": label})),
        *(("volume", v) for v in client.volumes.list(filters={"label": label})),
    ]
    for kind, thing in left:
        if kind == "container":
            thing.remove(force=True, v=True)
        else:
            thing.remove()
    assert not left, f"left behind by the test: {[(kind, t.name) for kind, t in left]}"


ReferenceContainerTarget = Callable[..., tuple[Path, dict[str, str]]]


@pytest.fixture
def reference_container_target(
    reference_image: str, docker_labels: dict[str, str], tmp_path: Path
) -> ReferenceContainerTarget:
    """Writes a target file for a reference container BEFORE it starts; returns the file and
    the host environment it reads.

    The identities are made here; the target file names them by host variables
    (``<prefix>INTEROP_REFERENCE_…``), and its ``launch.environment`` hands each
    to the container under the name ``serve-reference --identities-from-env``
    reads. A prefix per instance keeps two containers' identities apart.
    """

    taken: set[int] = set()  # two instances of one test never share a port

    def write(
        choices: str = "default", *, name: str = "reference-container", prefix: str = "A_"
    ) -> tuple[Path, dict[str, str]]:
        port = free_port_pair(taken)
        base_url = f"http://127.0.0.1:{port}"
        identities = generate_identities()
        container_env = identities_env(identities)
        document: dict[str, Any] = target_document(
            base_url,
            identities,
            s3_endpoint=f"http://127.0.0.1:{port + 1}",
            s3_addressing=advertised_addressing(choice_set(choices)),
        )
        document = yaml.safe_load(yaml.safe_dump(document).replace("INTEROP_", f"{prefix}INTEROP_"))
        document["name"] = name
        document["limits"] = dict(REFERENCE_LIMITS)
        document["launch"] = {
            "image": reference_image,
            "port": port,
            "environment": {
                "PORT": str(port),
                "CHOICES": choices,
                **{var: f"${{{prefix}{var}}}" for var in container_env},
            },
            "start_timeout": "60s",
            "labels": dict(docker_labels),
        }
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return path, {f"{prefix}{var}": value for var, value in container_env.items()}

    return write
