"""The OCI client: against the distribution registry, and its challenge handling on a stub."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest

from conformance._harness.cloud_target import OciSettings
from conformance._harness.evidence import EvidenceLog
from conformance._harness.probe import Probe, Transport
from conformance._harness.secrets import Redactor, Secret
from conformance._harness.target import Limits, Target
from conformance.cloud.oci import OciClient, parse_challenge, sha256_digest
from conformance.peers import DistributionRegistry


def probe_of(target: Target, tmp_path: Path) -> Iterator[Probe]:
    log = EvidenceLog(tmp_path / "evidence.jsonl", Redactor(target.secrets()))
    transport = Transport(target, None, log)
    yield Probe(transport, check="test_ociclient")
    log.close()
    transport.close()


@pytest.fixture
def registry_client(registry: DistributionRegistry, tmp_path: Path) -> Iterator[OciClient]:
    target = registry.target(repository="core/ociclient")
    assert target.oci is not None
    for probe in probe_of(target, tmp_path):
        yield OciClient(probe, target.oci)


def test_a_seeded_image_pulls_by_tag_and_digest_with_its_blobs(
    registry_client: OciClient,
) -> None:
    assert registry_client.ping().status == 200
    image = registry_client.seed_image("t1", random.Random(7))
    assert len(image.blobs) == 3
    by_tag = registry_client.get_manifest("t1")
    assert by_tag.status == 200 and by_tag.content == image.manifest
    assert by_tag.headers["Docker-Content-Digest"] == image.manifest_digest
    assert sha256_digest(by_tag.content) == image.manifest_digest
    by_digest = registry_client.get_manifest(image.manifest_digest)
    assert by_digest.status == 200 and by_digest.content == image.manifest
    assert registry_client.head_manifest("t1").status == 200
    manifest = json.loads(image.manifest)
    assert manifest["config"]["digest"] == image.blobs[0].digest
    for blob in image.blobs:
        got = registry_client.get_blob(blob.digest)
        assert got.status == 200 and got.content == blob.data
        assert blob.digest == "sha256:" + hashlib.sha256(got.content).hexdigest()
    missing = registry_client.get_manifest("sha256:" + "0" * 64)
    assert missing.status == 404 and json.loads(missing.content)["errors"][0]["code"]
    registry_client.cleanup(image)
    assert registry_client.get_manifest(image.manifest_digest).status == 404


def test_a_challenge_is_parsed_with_quoted_and_bare_values() -> None:
    scheme, params = parse_challenge(
        'Bearer realm="http://127.0.0.1:1/token",service=registry,scope="repository:a/b:pull,push"'
    )
    assert scheme == "bearer"
    assert params == {
        "realm": "http://127.0.0.1:1/token",
        "service": "registry",
        "scope": "repository:a/b:pull,push",
    }
    assert parse_challenge('Basic realm="r"') == ("basic", {"realm": "r"})


PASSWORD = "registry-password-42"
TOKEN = "bearer-token-of-the-stub"


class Guarded(BaseHTTPRequestHandler):
    """/v2/ under Basic (scheme in ``mode``) or Bearer with a token from /token."""

    mode: ClassVar[str] = "basic"
    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization")
        Guarded.seen.append((self.path, auth))
        basic = "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
        if self.path.startswith("/token"):
            ok = auth == basic and "scope=repository%3Acore%2Fx%3Apull" in self.path
            return self._send(200 if ok else 401, {"token": TOKEN} if ok else {})
        wanted = basic if Guarded.mode == "basic" else f"Bearer {TOKEN}"
        if auth == wanted:
            return self._send(200, {})
        host = self.headers["Host"]
        challenge = (
            'Basic realm="registry"'
            if Guarded.mode == "basic"
            else f'Bearer realm="http://{host}/token",service="stub",scope="repository:core/x:pull"'
        )
        self._send(401, {"errors": [{"code": "UNAUTHORIZED", "message": "no"}]}, challenge)

    def _send(self, status: int, body: dict[str, Any], challenge: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        if challenge:
            self.send_header("WWW-Authenticate", challenge)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.parametrize("mode", ["basic", "bearer"])
def test_a_challenge_is_answered_with_the_configured_login(
    mode: str, serve_http: Any, tmp_path: Path
) -> None:
    Guarded.mode, Guarded.seen = mode, []
    base = serve_http(Guarded)
    settings = OciSettings(base, "core/x", "alice", Secret(PASSWORD))
    target = Target("t", base, {}, {}, {}, Limits(requests_per_second=0), oci=settings)
    for probe in probe_of(target, tmp_path):
        client = OciClient(probe, settings)
        assert client.ping().status == 200
        assert client.ping().status == 200  # the credentials are kept: no second challenge
    paths = [p for p, _ in Guarded.seen]
    if mode == "basic":
        assert paths == ["/v2/", "/v2/", "/v2/"]
    else:
        assert paths[0] == "/v2/" and paths[1].startswith("/token?") and paths[2:] == ["/v2/"] * 2
    text = (tmp_path / "evidence.jsonl").read_text()
    assert PASSWORD not in text


def test_without_a_login_the_challenge_is_returned(serve_http: Any, tmp_path: Path) -> None:
    Guarded.mode, Guarded.seen = "basic", []
    base = serve_http(Guarded)
    settings = OciSettings(base, "core/x")
    target = Target("t", base, {}, {}, {}, Limits(requests_per_second=0), oci=settings)
    for probe in probe_of(target, tmp_path):
        assert OciClient(probe, settings).ping().status == 401
    assert len(Guarded.seen) == 1
