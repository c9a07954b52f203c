"""The peers start, answer as themselves, stop, and leave nothing running."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from peer_support import error_code, s3_client, started

from conformance._harness.target import load_target
from conformance.peers import DistributionRegistry, MotoServer, PeerUnavailable
from conformance.peers.target_files import write_target_files


def _port_closed(endpoint: str) -> bool:
    parts = urlsplit(endpoint)
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((parts.hostname or "", parts.port or 80)) != 0


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_moto_serves_alice_with_signed_requests(moto: MotoServer) -> None:
    alice = s3_client(moto.s3_settings(), "alice")
    alice.create_bucket(Bucket="peer-alice-own")
    alice.put_object(Bucket="peer-alice-own", Key="a b+c", Body=b"bytes", ContentType="text/x-t")
    got = alice.get_object(Bucket="peer-alice-own", Key="a b+c")
    assert got["Body"].read() == b"bytes"
    assert got["ContentType"] == "text/x-t"
    assert "peer-alice-own" in [b["Name"] for b in alice.list_buckets()["Buckets"]]


def test_moto_puts_alice_and_bob_in_two_accounts(moto: MotoServer) -> None:
    assert moto.users["alice"].account_id != moto.users["bob"].account_id
    s3_client(moto.s3_settings(), "alice").create_bucket(Bucket="peer-accounts")
    bob_sees = [b["Name"] for b in s3_client(moto.s3_settings(), "bob").list_buckets()["Buckets"]]
    assert "peer-accounts" not in bob_sees


def test_moto_checks_signatures(moto: MotoServer) -> None:
    settings = moto.s3_settings()
    request = AWSRequest(method="GET", url=f"{moto.endpoint}/")
    wrong = Credentials(settings.key("alice").access_key_id, "wrong-secret")
    S3SigV4Auth(wrong, "s3", settings.region).add_auth(request)
    answer = requests.get(request.url, headers=dict(request.headers.items()), timeout=10)
    assert answer.status_code == 403
    assert b"SignatureDoesNotMatch" in answer.content
    unknown = AWSRequest(method="GET", url=f"{moto.endpoint}/")
    S3SigV4Auth(Credentials("AKIAUNKNOWNUNKNOWN00", "x"), "s3", "us-east-1").add_auth(unknown)
    answer = requests.get(unknown.url, headers=dict(unknown.headers.items()), timeout=10)
    assert answer.status_code == 403
    assert b"InvalidAccessKeyId" in answer.content


def test_moto_without_cross_account_access_refuses_bob(tmp_path: Path) -> None:
    # moto as it ships finds any account's bucket and lets bob in (that is for the
    # suite to report); with its own setting off, bob is refused, as on AWS.
    with started(MotoServer(tmp_path, cross_account_access=False)) as moto:
        s3_client(moto.s3_settings(), "alice").create_bucket(Bucket="peer-private")
        with pytest.raises(ClientError) as refused:
            s3_client(moto.s3_settings(), "bob").list_objects_v2(Bucket="peer-private")
        assert error_code(refused.value) == (403, "AccessDenied")


def test_registry_answers_v2(registry: DistributionRegistry) -> None:
    answer = requests.get(f"{registry.endpoint}/v2/", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Docker-Distribution-Api-Version"] == "registry/2.0"
    missing = requests.get(f"{registry.endpoint}/v2/conformance/none/manifests/x", timeout=10)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"


def test_peers_stop_and_leave_nothing_running(tmp_path: Path) -> None:
    peers = [MotoServer(tmp_path / "moto"), DistributionRegistry(tmp_path / "registry")]
    seen = []
    for peer in peers:
        with started(peer) as running:
            assert running.process.running()
            seen.append((running.process.pid, running.endpoint, running.log_path))
    for pid, endpoint, log in seen:
        assert pid is not None and _gone(pid)
        assert _port_closed(endpoint)
        assert log.stat().st_size > 0  # the log stays, for evidence


def test_a_missing_program_is_unavailable_and_named(tmp_path: Path) -> None:
    peer = DistributionRegistry(tmp_path, program=str(tmp_path / "no-such-registry"))
    with pytest.raises(PeerUnavailable, match="apt-get install docker-registry"):
        peer.__enter__()


def test_a_missing_peer_skips_outside_ci_and_fails_in_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = DistributionRegistry(tmp_path, program=str(tmp_path / "no-such-registry"))
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception), started(missing):
        pass
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI installs it"), started(missing):
        pass


def test_target_files_load_back_as_the_same_surfaces(
    moto: MotoServer, registry: DistributionRegistry, tmp_path: Path
) -> None:
    for peer in (moto, registry):
        target_path, env_path = write_target_files(
            tmp_path / peer.process.name.split()[0], peer.target_document(), peer.environment()
        )
        assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
        loaded = load_target(target_path, environ=peer.environment())
        expected = peer.target()
        assert loaded.stated_claims == expected.stated_claims
        assert (loaded.s3 is None) == (expected.s3 is None)
        if loaded.s3 is not None and expected.s3 is not None:
            assert loaded.s3.endpoint == expected.s3.endpoint
            assert {u: k.access_key_id for u, k in loaded.s3.users.items()} == {
                u: k.access_key_id for u, k in expected.s3.users.items()
            }
            assert loaded.s3.users["alice"].secret == expected.s3.users["alice"].secret
        assert (loaded.oci is None) == (expected.oci is None)
        if loaded.oci is not None and expected.oci is not None:
            assert (loaded.oci.endpoint, loaded.oci.repository) == (
                expected.oci.endpoint,
                expected.oci.repository,
            )


def test_serve_peer_writes_a_target_file_and_stops_on_sigint(tmp_path: Path) -> None:
    if not Path("/usr/bin/docker-registry").exists():
        with started(DistributionRegistry(tmp_path / "probe")):
            pass  # skips outside CI, fails in it
    code = "from conformance._harness.cli import main; raise SystemExit(main())"
    serving = subprocess.Popen(
        [sys.executable, "-c", code, "serve-peer", "registry", "--dir", str(tmp_path / "r")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and serving.stdout is not None:
            line = serving.stdout.readline()
            lines.append(line)
            if "to stop" in line or not line:
                break
        target = tmp_path / "r" / "target.yaml"
        assert target.exists(), "".join(lines)
        endpoint = load_target(target, environ={}).oci
        assert endpoint is not None
        assert requests.get(f"{endpoint.endpoint}/v2/", timeout=10).status_code == 200
        serving.send_signal(signal.SIGINT)
        assert serving.wait(timeout=30) == 0
        assert _port_closed(endpoint.endpoint)
    finally:
        if serving.poll() is None:  # a failed assertion: stop it as a user would, so
            serving.terminate()  # the registry it started is stopped too
            try:
                serving.wait(timeout=30)
            except subprocess.TimeoutExpired:
                serving.kill()
                serving.wait()
        if serving.stdout is not None:
            serving.stdout.close()
