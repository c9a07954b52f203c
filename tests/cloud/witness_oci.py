"""Witness support for OCI: a tiny real image, a registry login, skopeo run offline.

The image is built here (one gzip'd tar layer and an OCI config whose
``diff_ids`` match it), pushed with plain ``requests`` (``POST`` an upload
session, ``PUT`` the whole blob with ``?digest=``, ``PUT`` the manifest), and
read back the same way, so what skopeo did is judged by code that shares
nothing with it or with the suite's OCI client.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


def digest_of(data: bytes) -> str:
    """The sha256 digest of ``data`` in OCI form."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Image:
    """A manifest's exact bytes and the blobs it references (config first)."""

    manifest: bytes
    blobs: tuple[bytes, ...]

    @property
    def digest(self) -> str:
        """The manifest's digest."""
        return digest_of(self.manifest)


def build_image(seed: bytes) -> Image:
    """A valid single-layer linux/amd64 image whose content depends on ``seed``."""
    content = hashlib.sha256(seed).digest() * 64
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("probe/content.bin")
        info.size, info.mtime = len(content), 0
        tar.addfile(info, io.BytesIO(content))
    layer_tar = tar_buffer.getvalue()
    layer = gzip.compress(layer_tar, mtime=0)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [digest_of(layer_tar)]},
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": digest_of(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": digest_of(layer),
                    "size": len(layer),
                }
            ],
        }
    ).encode()
    return Image(manifest, (config, layer))


class Registry:
    """Plain HTTP to one registry, answering its 401 challenge (Basic, or Bearer tokens)."""

    def __init__(self, endpoint: str, username: str | None = None, password: str | None = None):
        self.endpoint = endpoint.rstrip("/")
        self.username = username
        self.password = password
        self._authorization: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send; on a 401 with credentials configured, log in as challenged and send again."""
        url = urljoin(self.endpoint + "/", url)
        headers = dict(kwargs.pop("headers", {}))
        answer = requests.request(
            method, url, headers=headers | self._authorization, timeout=30, **kwargs
        )
        if answer.status_code != 401 or self.username is None:
            return answer
        self._authorization = {"Authorization": self._login(answer)}
        return requests.request(
            method, url, headers=headers | self._authorization, timeout=30, **kwargs
        )

    def _login(self, answer: requests.Response) -> str:
        challenge = answer.headers.get("WWW-Authenticate", "")
        basic = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        if challenge.lower().startswith("basic"):
            return f"Basic {basic}"
        assert challenge.lower().startswith("bearer"), f"unknown challenge {challenge!r}"
        params = dict(_CHALLENGE_PARAM.findall(challenge))
        realm = params.pop("realm")
        token = requests.get(
            realm, params=params, headers={"Authorization": f"Basic {basic}"}, timeout=30
        )
        assert token.status_code == 200, f"token endpoint {realm}: {token.status_code}"
        body = token.json()
        return f"Bearer {body.get('token') or body['access_token']}"

    def push(self, repository: str, tag: str, image: Image) -> None:
        """Push every blob (upload session, then one ``PUT``) and the manifest by tag."""
        for blob in image.blobs:
            started = self.request("POST", f"/v2/{repository}/blobs/uploads/")
            assert started.status_code == 202, (started.status_code, started.text)
            location = urljoin(self.endpoint + "/", started.headers["Location"])
            put = self.request(
                "PUT",
                location,
                params={"digest": digest_of(blob)},
                data=blob,
                headers={"Content-Type": "application/octet-stream"},
            )
            assert put.status_code == 201, (put.status_code, put.text)
        put = self.request(
            "PUT",
            f"/v2/{repository}/manifests/{tag}",
            data=image.manifest,
            headers={"Content-Type": OCI_MANIFEST},
        )
        assert put.status_code == 201, (put.status_code, put.text)

    def assert_holds(self, repository: str, tag: str, image: Image) -> None:
        """The manifest by tag and by digest is byte-identical, and every blob matches."""
        for reference in (tag, image.digest):
            got = self.request(
                "GET", f"/v2/{repository}/manifests/{reference}", headers={"Accept": OCI_MANIFEST}
            )
            assert got.status_code == 200, (reference, got.status_code, got.text)
            assert got.content == image.manifest
            assert got.headers.get("Docker-Content-Digest") in (None, image.digest)
        for blob in image.blobs:
            got = self.request("GET", f"/v2/{repository}/blobs/{digest_of(blob)}")
            assert got.status_code == 200, (digest_of(blob), got.status_code)
            assert digest_of(got.content) == digest_of(blob)
            assert len(got.content) == len(blob)


def skopeo_copy(
    source: str,
    destination: str,
    workdir: Path,
    *,
    source_creds: str | None = None,
    destination_creds: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """``skopeo copy --preserve-digests`` between two ``docker://`` references, offline.

    skopeo reads only what is set up here: its own trust policy, an empty
    registries.conf, an auth file and a HOME in ``workdir``.
    """
    home = workdir / "skopeo-home"
    (home / "registries.d").mkdir(parents=True, exist_ok=True)
    policy = home / "policy.json"
    policy.write_text(json.dumps({"default": [{"type": "insecureAcceptAnything"}]}))
    (home / "registries.conf").write_text("")
    environment: Mapping[str, str] = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(home),
        "XDG_CONFIG_HOME": str(home),
        "CONTAINERS_REGISTRIES_CONF": str(home / "registries.conf"),
        "REGISTRY_AUTH_FILE": str(home / "auth.json"),
    }
    argv = ["skopeo", "--policy", str(policy), "--registries.d", str(home / "registries.d")]
    argv += ["--tmpdir", str(home), "copy", "--preserve-digests"]
    argv += ["--src-tls-verify=false", "--dest-tls-verify=false"]
    argv += [f"--src-creds={source_creds}"] if source_creds else ["--src-no-creds"]
    argv += [f"--dest-creds={destination_creds}"] if destination_creds else ["--dest-no-creds"]
    done = subprocess.run(
        [*argv, source, destination],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    shown = [a.split("=")[0] + "=***" if "-creds=" in a else a for a in argv]
    (workdir / "skopeo.log").write_text(
        f"{shown} {source} {destination}\n{done.stdout}{done.stderr}"
    )
    assert done.returncode == 0, f"skopeo failed ({done.returncode}):\n{done.stdout}{done.stderr}"
    return done


def docker_reference(endpoint: str, repository: str, tag: str) -> str:
    """``docker://host:port/repository:tag`` for a registry at ``endpoint``."""
    return f"docker://{urlsplit(endpoint).netloc}/{repository}:{tag}"
