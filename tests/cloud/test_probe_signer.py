"""``Probe.request(signer=...)``: what is signed is what is sent, on every hop; Host as given."""

from __future__ import annotations

from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest

from conformance._harness.cloud_target import S3Settings
from conformance._harness.errors import RefusedDestination
from conformance._harness.evidence import EvidenceLog
from conformance._harness.probe import Probe, Transport
from conformance._harness.secrets import Redactor
from conformance._harness.target import Limits, Target


class Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Recorder.seen.append(
            {"path": self.path, "headers": dict(self.headers.items()), "body": body}
        )
        if self.path.startswith("/hop"):
            self.send_response(307)
            self.send_header("Location", "/landed")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


_made: list[Transport] = []


@pytest.fixture(autouse=True)
def _close_transports() -> Any:
    yield
    while _made:
        transport = _made.pop()
        transport.log.close()
        transport.close()


def probe_for(base: str, tmp_path: Path, *, s3_endpoint: str | None = None) -> Probe:
    target = Target(
        "t",
        "http://127.0.0.1:9",
        {},
        {},
        {},
        Limits(requests_per_second=0),
        s3=S3Settings(s3_endpoint or base),
    )
    transport = Transport(target, None, EvidenceLog(tmp_path / "e.jsonl", Redactor()))
    _made.append(transport)
    return Probe(transport, check="t")


def stamping(calls: list[tuple[str, str, dict[str, str], bytes | None]]) -> Any:
    def sign(
        method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> dict[str, str]:
        calls.append((method, url, dict(headers), body))
        return {**headers, "X-Signed": f"{method} {url} {len(body or b'')}"}

    return sign


def test_the_signer_sees_the_final_headers_and_body_and_its_headers_are_sent(
    serve_http: Any, tmp_path: Path
) -> None:
    Recorder.seen = []
    base = serve_http(Recorder)
    calls: list[tuple[str, str, dict[str, str], bytes | None]] = []
    probe = probe_for(base, tmp_path)
    response = probe.request(
        "PUT",
        f"{base}/b/k%2B1",
        content=b"payload",
        headers={"X-Mine": "1"},
        signer=stamping(calls),
    )
    assert response.status == 200
    ((method, url, headers, body),) = calls
    assert (method, url, body) == ("PUT", f"{base}/b/k%2B1", b"payload")
    assert headers["X-Mine"] == "1"
    assert "User-Agent" not in headers  # no suite marker unless the target file sets one
    (seen,) = Recorder.seen
    assert seen["headers"]["X-Signed"] == f"PUT {base}/b/k%2B1 7"
    assert seen["path"] == "/b/k%2B1" and seen["body"] == b"payload"


def test_each_redirect_hop_is_signed_again(serve_http: Any, tmp_path: Path) -> None:
    Recorder.seen = []
    base = serve_http(Recorder)
    calls: list[tuple[str, str, dict[str, str], bytes | None]] = []
    probe_for(base, tmp_path).request("GET", f"{base}/hop", signer=stamping(calls))
    assert [c[1] for c in calls] == [f"{base}/hop", f"{base}/landed"]
    assert Recorder.seen[1]["headers"]["X-Signed"] == f"GET {base}/landed 0"


def test_a_host_header_is_sent_as_given_while_the_connection_goes_to_the_url(
    serve_http: Any, tmp_path: Path
) -> None:
    Recorder.seen = []
    base = serve_http(Recorder)
    host = "bucket." + base.split("//")[1]
    calls: list[tuple[str, str, dict[str, str], bytes | None]] = []
    probe_for(base, tmp_path).request(
        "GET", f"{base}/key", headers={"Host": host}, signer=stamping(calls)
    )
    assert calls[0][2]["Host"] == host
    assert Recorder.seen[0]["headers"]["Host"] == host


def test_the_guard_decides_by_the_url_not_the_host_header(tmp_path: Path) -> None:
    probe = probe_for("http://127.0.0.1:9", tmp_path)
    with pytest.raises(RefusedDestination):
        probe.request("GET", "http://127.0.0.2:9/key", headers={"Host": "127.0.0.1:9"})
