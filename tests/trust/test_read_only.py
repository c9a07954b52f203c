"""``--read-only``: only GET, HEAD and OPTIONS leave the machine; a check that would write says so.

Enforced at the probe, before a request is sent or logged; checks are not
deselected up front (``conformance._harness.read_only``). Against the
reference: no other method appears in the evidence, the checks that only
read still decide, those that would write end not-applicable naming the
request, and the verdict is PARTIAL with the selection saying --read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest
from reference_runs import args_for, exchanges, report, run_reference

from conformance._harness.evidence import EvidenceLog
from conformance._harness.probe import Probe, Transport
from conformance._harness.read_only import SAFE_METHODS, WriteRefused, refuse_writes
from conformance._harness.secrets import Redactor
from conformance._harness.target import Target

# Discovery, rate-limit headers and disclosures read; problems, quotes, links and exports write.
REQUIREMENTS = ("C-001", "C-002", "C-004", "DISC-001", "DISC-005", "LINK-001", "PORT-001")
READ_ONLY_PASSES = ("C-001", "C-004", "DISC-001")


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "get"])
def test_safe_methods_pass(method: str) -> None:
    refuse_writes(method, "http://127.0.0.1:1/x", read_only=True)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "PROPFIND", "post"])
def test_every_other_method_is_refused_naming_the_request(method: str) -> None:
    with pytest.raises(WriteRefused) as refused:
        refuse_writes(method, "http://127.0.0.1:1/port/v1/exports?sig=secret", read_only=True)
    message = str(refused.value.msg)
    assert message == f"writes ({method.upper()} /port/v1/exports), and the run is --read-only"
    assert "secret" not in message
    refuse_writes(method, "http://127.0.0.1:1/x", read_only=False)  # only in a read-only run
    assert method.upper() not in SAFE_METHODS


class _Counting(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def _answer(self) -> None:
        self.seen.append(self.command)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = do_OPTIONS = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

    def log_message(self, *args: object) -> None:
        pass


def test_the_probe_refuses_before_sending_or_logging(
    serve_http: Callable[..., str], tmp_path: Path
) -> None:
    base = serve_http(_Counting)
    target = Target("counting", base, {}, {}, {})
    log = EvidenceLog(tmp_path / "evidence.jsonl", Redactor())
    transport = Transport(target, None, log)
    transport.read_only = True
    probe = Probe(transport, check="a check", requirement="C-001")
    assert probe.get("/a").status == 200
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        with pytest.raises(WriteRefused):
            probe.request(method, "/a", json_body={"a": 1})
    log.close()
    transport.close()
    assert _Counting.seen == ["GET"]
    assert len(probe.exchanges) == 1
    assert (tmp_path / "evidence.jsonl").read_text().count("\n") == 1


@pytest.fixture(scope="module")
def read_only_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("read-only")
    return run_reference(out, *args_for(REQUIREMENTS, "--seed", "9", "--read-only"))


def test_nothing_but_safe_methods_is_sent(read_only_run: Path) -> None:
    methods = {r["request"]["method"] for r in exchanges(read_only_run)}
    assert methods and methods <= SAFE_METHODS


def test_reading_checks_decide_and_writing_checks_say_why_not(read_only_run: Path) -> None:
    outcomes = {r["id"]: r for r in report(read_only_run)["requirements"]}
    for rid in READ_ONLY_PASSES:
        assert outcomes[rid]["outcome"] == "pass", outcomes[rid]["reason"]
    for rid in ("DISC-005", "LINK-001", "PORT-001"):
        assert outcomes[rid]["outcome"] == "not-applicable"
        assert outcomes[rid]["reason"].startswith("writes (POST /")
        assert outcomes[rid]["reason"].endswith("and the run is --read-only")


def test_the_verdict_is_partial_and_says_read_only(read_only_run: Path) -> None:
    data = report(read_only_run)
    selection = data["selection"]
    assert data["summary"]["verdict"] == "partial"
    assert selection["read_only"] is True and data["options"]["read_only"] is True
    assert {"DISC-005", "LINK-001", "PORT-001"} <= set(selection["writes"])
    assert not set(READ_ONLY_PASSES) & set(selection["writes"])
    assert "--read-only" in selection["description"]
    assert "--read-only" in data["summary"]["headline"]
    assert not data["summary"]["counts"]["fail"] and not data["summary"]["counts"]["error"]
