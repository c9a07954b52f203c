"""The project's images: built offline from Debian packages and a local wheelhouse, and usable.

Each test here takes seconds; the whole-catalogue comparisons are in test_e2e.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from docker_support import BASE_IMAGE, DIGEST_LABEL

from conformance._harness.catalogue import Catalogue
from conformance._harness.errors import LaunchError
from conformance._harness.launch.launcher import launched
from conformance._harness.target import Role, load_target
from conformance._version import __version__

ReferenceContainerTarget = Callable[..., tuple[Path, dict[str, str]]]


def _output(client: Any, image: str, labels: dict[str, str], *args: str, **kw: Any) -> str:
    """What a short-lived container of ``image`` prints; it is removed whatever happens."""
    container = client.containers.create(
        image, list(args), labels=labels, network_mode="none", detach=True, **kw
    )
    try:
        container.start()
        status = container.wait(timeout=120)
        out = container.logs(stdout=True, stderr=True).decode("utf-8", "replace")
    finally:
        container.remove(force=True, v=True)
    assert status["StatusCode"] == 0, out
    return str(out)


def test_base_image_is_debian_bookworm_with_python_3_11(
    docker_client: Any, reference_image: str, docker_labels: dict[str, str]
) -> None:
    base = docker_client.images.get(BASE_IMAGE)
    assert base.labels["org.interop-conformance.component"] == "base"
    assert base.labels["org.opencontainers.image.base.name"] == "debian:bookworm"
    out = _output(
        docker_client,
        BASE_IMAGE,
        docker_labels,
        "python3",
        "-c",
        "import sys, venv, ssl; print(sys.version_info[:2], open('/etc/debian_version').read())",
    )
    assert out.startswith("(3, 11) 12."), out


def test_images_are_of_this_tree_and_run_unprivileged_without_the_wheelhouse(
    docker_client: Any, reference_image: str, suite_image: str, docker_labels: dict[str, str]
) -> None:
    for image, component in ((reference_image, "reference"), (suite_image, "suite")):
        labels = docker_client.images.get(image).labels
        # The fixture rebuilt a stale one; the tree may have moved on since (while editing).
        assert re.fullmatch("[0-9a-f]{16}", labels[DIGEST_LABEL]), image
        assert labels["org.interop-conformance.component"] == component
        assert labels["org.opencontainers.image.version"] == __version__
        out = _output(
            docker_client,
            image,
            docker_labels,
            "-c",
            "id -u; ls /tmp; conformance --version",
            entrypoint=["/bin/sh"],
        )
        uid, *rest = out.split()
        assert uid == "65534", out  # nobody: neither image needs root
        assert "wheelhouse" not in rest, out
        assert out.rstrip().endswith(f"conformance {__version__}"), out


def test_suite_image_lists_every_requirement_of_the_bundled_specs(
    docker_client: Any, suite_image: str, docker_labels: dict[str, str]
) -> None:
    out = _output(docker_client, suite_image, docker_labels, "specs")
    missing = [r.id for r in Catalogue.load() if r.id not in out]
    assert not missing, f"the suite image's catalogue lacks {missing}"


def test_reference_container_accepts_the_identities_of_a_target_file_written_before_it(
    reference_container_target: ReferenceContainerTarget,
) -> None:
    path, env = reference_container_target("alt")
    target = load_target(path, env)
    said: list[str] = []
    with launched([target], say=said.append):
        url = target.base_url + "/fair/v1/products"
        token = target.token(Role("competitor", "carol")).reveal()
        accepted = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        refused = requests.get(url, headers={"Authorization": "Bearer unknown"}, timeout=10)
        assert target.s3 is not None
        s3 = requests.get(target.s3.endpoint + "/", timeout=10)
    assert (accepted.status_code, refused.status_code) == (200, 401)
    assert s3.status_code == 403  # the S3 surface on PORT+1 answers, and wants a signature
    assert said and "answered after" in said[0]


def test_reference_container_without_its_identities_exits_at_once_naming_them(
    reference_container_target: ReferenceContainerTarget, tmp_path: Path
) -> None:
    path, env = reference_container_target()
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    environment = document["launch"]["environment"]
    document["launch"]["environment"] = {k: environment[k] for k in ("PORT", "CHOICES")}
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    target = load_target(path, env)
    with pytest.raises(LaunchError) as caught, launched([target], say=lambda _: None):
        pass
    message = str(caught.value)
    assert "exited with code 2" in message, message
    assert "INTEROP_REFERENCE_USER_ID_ALICE" in message, message
