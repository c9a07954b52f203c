"""Bodies no platform should send: memory stays bounded, every exchange is recorded once.

- Memory: a run's peak RSS stays under ``memory_bound`` (README, Trust) whatever
  the discovery document holds: 40 MiB of ``{}`` (once 2.1 GB) or 4 MiB of
  ``{}`` inside ``standards`` (parsed, validated: openapi-core once built every
  schema error of it, 14 GB); report.json copies at most 64 KiB of the claims.
- Nesting: JSON nested 100 000 deep is a finding ("nested deeper than 64
  levels"), never a ``RecursionError``, and its exchange is in the evidence.
- One exchange, one record: whatever ends an exchange (a Content-Length over
  the cap, a bug while judging the answer), its id is written exactly once; and
  ``verify`` names an id recorded twice and a citation of an id not recorded.
- Text: lone surrogates and invalid UTF-8 in every string field end in reports
  that parse, a console that stays inert and a run that verifies.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance._harness.catalogue import Catalogue
from conformance._harness.cli import EXIT_GARBAGE, EXIT_NOT_CONFORMANT, main
from conformance._harness.errors import Finding, ResponseTooLarge, SchemaViolation
from conformance._harness.evidence import EvidenceLog
from conformance._harness.manifest import MANIFEST_FILE, SIGNATURE_FILE
from conformance._harness.probe import Probe, Transport
from conformance._harness.report.outputs import run_dirs
from conformance._harness.safe_text import json_bytes
from conformance._harness.secrets import Redactor, Secret
from conformance._harness.signing import PUBLIC_KEY_FILE, encode_signature, generate, public_pem
from conformance._harness.target import Limits, Role, Target
from conformance._harness.validation import SCHEMA_ERRORS_KEPT, Operation, validator_for
from conformance._harness.verify import verify_run
from conformance.reference.server import ServingThread

MiB = 1024 * 1024
TOKEN = "hostile-bodies-token-0123456789"
LINK = b'{"id":"LINK","version":"1.0","profiles":["core"]}'
DISCOVERY = b'{"standards":[' + LINK + b"]}"
DEEP = 100_000


def memory_bound(limits: Limits) -> int:
    """The README's bound on a run's peak RSS, in bytes."""
    return 256 * MiB + 4 * limits.max_response_bytes + 96 * limits.max_json_bytes


# -- a platform that serves what each test says ------------------------------------------


Route = tuple[int, dict[str, str], bytes]


def _handler(routes: Callable[[str], Route]) -> type[BaseHTTPRequestHandler]:
    class Canned(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            status, headers, body = routes(self.path)
            self.send_response(status)
            for name, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                pass  # the suite stopped reading: as it should

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, *args: object) -> None:
            pass

    return Canned


class _QuietServer(ThreadingHTTPServer):
    """A server that does not print the suite hanging up on it (it should) to stderr."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@contextmanager
def _serving(routes: Callable[[str], Route]) -> Iterator[str]:
    server = _QuietServer(("127.0.0.1", 0), _handler(routes))
    serving = ServingThread(server, "hostile-bodies")
    serving.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        serving.stop()


def _json(body: bytes, status: int = 200) -> Route:
    kind = "application/json" if status < 400 else "application/problem+json"
    return status, {"Content-Type": kind}, body


def _discovery_then_404(discovery: bytes) -> Callable[[str], Route]:
    def routes(path: str) -> Route:
        if path.startswith("/.well-known/interop"):
            return _json(discovery)
        return _json(b'{"type":"about:blank","title":"Not Found","status":404}', 404)

    return routes


def _target_file(directory: Path, base_url: str) -> Path:
    credentials = {
        c: {u: {"token_env": "HOSTILE_BODIES_TOKEN"} for u in ("alice", "bob", "carol")}
        for c in ("first_party", "third_party", "competitor")
    }
    path = directory / "target.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "hostile-bodies",
                "base_url": base_url,
                "users": {u: {"id": u} for u in ("alice", "bob", "carol")},
                "credentials": credentials,
                "limits": {"requests_per_second": 0, "check_timeout": 30, "request_timeout": 10},
            }
        ),
        encoding="utf-8",
    )
    return path


def _run_dir(reports: Path) -> Path:
    (run_dir,) = run_dirs(reports)
    return run_dir


def _evidence(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "evidence.jsonl").read_bytes().splitlines()]


# -- memory ---------------------------------------------------------------------------------


def _objects(size: int, head: bytes = b'{"standards":[' + LINK + b'],"x":[') -> bytes:
    """A JSON document of about ``size`` bytes, most of it ``{},{},{},…``."""
    count = (size - len(head) - 2) // 3
    return head + b"{}," * (count - 1) + b"{}]}"


CASES = {
    # Read whole (under the 64 MiB cap), not parsed: over limits.max_json_bytes.
    "40-mib-of-objects": (_objects(40 * MiB), EXIT_GARBAGE, "limits.max_json_bytes"),
    # Parsed and validated: the entries of `standards` each break COMMON's schema.
    "4-mib-of-objects-in-standards": (
        _objects(4 * MiB - 64, b'{"standards":[' + LINK + b","),
        EXIT_NOT_CONFORMANT,
        "claims cut to 64 KiB",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_peak_memory_stays_under_the_stated_bound(case: str, tmp_path: Path) -> None:
    document, expected_exit, said = CASES[case]
    bound = memory_bound(Limits())
    with _serving(_discovery_then_404(document)) as base_url:
        target = _target_file(tmp_path, base_url)
        args = ["run", "--target", str(target), "--report-dir", str(tmp_path / "r")]
        # A child of its own, reaped with wait4, so its peak is measured alone; capped in
        # address space (well above the bound) so that a regression fails here, not the machine.
        with (tmp_path / "output").open("wb") as sink:
            child = subprocess.Popen(
                [sys.executable, "-m", "conformance._harness.cli", *args, "--requirement", "C-001"],
                env={**os.environ, "HOSTILE_BODIES_TOKEN": TOKEN},
                stdout=sink,
                stderr=subprocess.STDOUT,
                preexec_fn=_cap_address_space,
            )
            killer = threading.Timer(300, child.kill)
            killer.start()
            try:
                _, status, usage = os.wait4(child.pid, 0)
            finally:
                killer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
    output = (tmp_path / "output").read_text(encoding="utf-8", errors="replace")
    peak = usage.ru_maxrss * 1024  # Linux reports it in KiB
    assert child.returncode == expected_exit, output[-3000:]
    assert "Traceback" not in output
    assert peak < bound, f"peak RSS {peak // MiB} MiB, bound {bound // MiB} MiB"
    run_dir = _run_dir(tmp_path / "r")
    report = (run_dir / "report.json").read_bytes()
    assert len(report) < MiB  # the claims, reasons and notes are bounded
    assert said in report.decode("utf-8")
    assert verify_run(run_dir).ok


def _cap_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (6 * 1024 * MiB, 6 * 1024 * MiB))


# -- nesting --------------------------------------------------------------------------------


def _deep(depth: int = DEEP) -> bytes:
    return b"[" * depth + b"]" * depth


def _probe(base_url: str, tmp_path: Path, **limits: int) -> Probe:
    role = Role("first_party", "alice")
    target = Target(
        "t",
        base_url,
        {},
        {"alice": "a"},
        {role: Secret(TOKEN)},
        Limits(requests_per_second=0, check_timeout=30, **limits),
    )
    log = EvidenceLog(tmp_path / "evidence.jsonl", Redactor([Secret(TOKEN)]))
    transport = Transport(target, validator_for(Catalogue.load()), log)
    return Probe(transport, check="t", requirement="PORT-001")


def _ids(tmp_path: Path) -> list[str]:
    return [r["id"] for r in _evidence(tmp_path)]


def test_json_nested_100000_deep_is_a_finding_and_its_exchange_is_recorded(
    tmp_path: Path,
) -> None:
    def routes(path: str) -> Route:
        if path == "/port/v1/exports":
            return _json(_deep())
        if path == "/port/v1/exports/e1":
            return _json(_deep(), 404)
        return _json(b'{"deep": ' + _deep() + b"}")

    with _serving(routes) as base_url:
        probe = _probe(base_url, tmp_path)
        with pytest.raises(SchemaViolation) as violation:  # validated: a row, not a crash
            probe.get("/port/v1/exports")
        assert "JSON nested deeper than 64 levels" in violation.value.describe()
        response = probe.get("/anything", validate=False)
        with pytest.raises(Finding, match="nested deeper than 64 levels"):
            response.json()
        probe.get("/port/v1/exports/e1")  # an error body: C-002 judges it, charged there
        probe.transport.log.close()
    (charge,) = probe.transport.charges
    assert charge.requirement == "C-002"
    assert "nested deeper than 64 levels" in charge.mismatches[0].why
    assert _ids(tmp_path) == probe.exchanges == ["ex-000001", "ex-000002", "ex-000003"]


def test_a_discovery_document_nested_100000_deep_is_no_discovery_and_verifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOSTILE_BODIES_TOKEN", TOKEN)
    with _serving(_discovery_then_404(b'{"standards": ' + _deep() + b"}")) as base_url:
        target = _target_file(tmp_path, base_url)
        code = main(["run", "--target", str(target), "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr()
    assert code == EXIT_GARBAGE, out.out[-2000:] + out.err[-2000:]
    assert "JSON nested deeper than 64 levels" in out.err
    assert "Traceback" not in out.out + out.err and "RecursionError" not in out.out + out.err
    run_dir = _run_dir(tmp_path / "r")
    ids = [r["id"] for r in _evidence(run_dir)]
    assert ids and len(ids) == len(set(ids))
    assert verify_run(run_dir).ok  # every exchange the report cites is in the evidence


# -- one exchange, one record ----------------------------------------------------------------


def test_an_exception_while_judging_an_answer_still_records_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _serving(lambda path: _json(b'{"exports": []}')) as base_url:
        probe = _probe(base_url, tmp_path)
        validator = probe.transport.validator
        assert validator is not None

        def broken(*args: object, **kwargs: object) -> list[object]:
            raise RuntimeError("a validator that breaks")

        monkeypatch.setattr(validator, "check_response", broken)
        with pytest.raises(RuntimeError):
            probe.get("/port/v1/exports")
        probe.transport.log.close()
    (record,) = _evidence(tmp_path)
    assert record["id"] == probe.exchanges[0]
    assert record["error"] == "RuntimeError: a validator that breaks"
    assert record["response"]["status"] == 200


def test_an_error_answer_whose_screening_breaks_is_recorded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def routes(path: str) -> Route:
        return _json(b'{"type":"about:blank","status":404}', 404)

    monkeypatch.setattr("conformance._harness.probe.problem_defects", _divide_by_zero)
    with _serving(routes) as base_url:
        probe = _probe(base_url, tmp_path)
        with pytest.raises(ZeroDivisionError):
            probe.get("/port/v1/exports/e1")
        probe.transport.log.close()
    (record,) = _evidence(tmp_path)
    assert record["id"] == probe.exchanges[0] and record["error"].startswith("ZeroDivisionError")


def _divide_by_zero(*args: object) -> list[object]:
    return [1 // 0]


@pytest.mark.parametrize("streamed", [False, True], ids=["read-whole", "streamed"])
def test_a_content_length_over_the_cap_is_one_record(streamed: bool, tmp_path: Path) -> None:
    def routes(path: str) -> Route:
        return 200, {"Content-Length": str(10**10), "Content-Type": "application/json"}, b"{}"

    with _serving(routes) as base_url:
        probe = _probe(base_url, tmp_path)
        with pytest.raises(ResponseTooLarge, match="Content-Length 10000000000 exceeds the cap"):
            if streamed:
                with probe.stream("/big") as stream:
                    b"".join(stream.chunks)
            else:
                probe.get("/big")
        probe.transport.log.close()
    (record,) = _evidence(tmp_path)
    assert record["id"] == probe.exchanges[0]
    assert "Content-Length 10000000000 exceeds the cap" in record["error"]


def test_json_over_max_json_bytes_is_not_parsed_an_error_not_a_finding(tmp_path: Path) -> None:
    with _serving(lambda path: _json(b'{"exports": [' + b'"x",' * 2000 + b'"x"]}')) as base_url:
        probe = _probe(base_url, tmp_path, max_json_bytes=4096)
        with pytest.raises(ResponseTooLarge, match=r"limits\.max_json_bytes"):
            probe.get("/port/v1/exports")  # validated: its body would be parsed
        response = probe.get("/anything", validate=False)
        assert len(response.content) > 4096  # read whole: under max_response_bytes
        with pytest.raises(ResponseTooLarge, match="at most 4096 bytes"):
            response.json()
        probe.transport.log.close()
    assert _ids(tmp_path) == probe.exchanges == ["ex-000001", "ex-000002"]


def test_a_validator_reports_the_first_schema_errors_of_a_huge_array() -> None:
    validator = validator_for(Catalogue.load())
    op = validator.find("GET", "/.well-known/interop")
    assert isinstance(op, Operation)
    body = b'{"standards": [' + b"{}," * 200_000 + b"{}]}"
    found = validator.check_response(
        op, "/.well-known/interop", 200, {"Content-Type": "application/json"}, body
    )
    assert 0 < len(found) < 3 * SCHEMA_ERRORS_KEPT  # of 600 000 errors: the first ones


# -- what verify says of a run that recorded an exchange twice -----------------------------


@pytest.fixture(scope="module")
def sealed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small sealed run: a platform that claims LINK and answers 404 to the rest."""
    root = tmp_path_factory.mktemp("sealed")
    os.environ.setdefault("HOSTILE_BODIES_TOKEN", TOKEN)
    with _serving(_discovery_then_404(DISCOVERY)) as base_url:
        target = _target_file(root, base_url)
        args = ["run", "--target", str(target), "--report-dir", str(root / "r")]
        assert main([*args, "--requirement", "C-001", "--requirement", "C-002"]) in (0, 1, 5)
    return _run_dir(root / "r")


def _reseal(run_dir: Path, records: list[dict[str, Any]]) -> None:
    """Chain ``records`` as the harness does and seal the run again, consistently, with a
    key of its own: what a harness that wrote them would have sealed."""
    previous, lines = "0" * 64, []
    for n, record in enumerate(records, 1):
        line = json_bytes({**record, "n": n, "prev": previous})
        previous = hashlib.sha256(line).hexdigest()
        lines.append(line)
    (run_dir / "evidence.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    key = generate()
    (run_dir / PUBLIC_KEY_FILE).write_bytes(public_pem(key.public))
    manifest = json.loads((run_dir / MANIFEST_FILE).read_bytes())
    manifest["evidence"].update(records=len(lines), head=previous)
    for name in manifest["files"]:
        manifest["files"][name] = hashlib.sha256((run_dir / name).read_bytes()).hexdigest()
    data = json_bytes(manifest, indent=2) + b"\n"
    (run_dir / MANIFEST_FILE).write_bytes(data)
    (run_dir / SIGNATURE_FILE).write_bytes(encode_signature(key.sign(data)))


def test_verify_names_an_exchange_recorded_twice(sealed_run: Path, tmp_path: Path) -> None:
    run_dir = _copy(sealed_run, tmp_path)
    records = _evidence(run_dir)
    assert len(records) >= 2
    records.insert(1, dict(records[0]))  # the first exchange, recorded again as the second
    _reseal(run_dir, records)
    problems = verify_run(run_dir).problems
    assert any(
        f"exchange {records[0]['id']} is recorded 2 times (lines 1, 2)" in p for p in problems
    )


def test_verify_names_a_cited_exchange_that_was_never_recorded(
    sealed_run: Path, tmp_path: Path
) -> None:
    run_dir = _copy(sealed_run, tmp_path)
    records = _evidence(run_dir)
    cited = {
        e
        for r in json.loads((run_dir / "report.json").read_bytes())["requirements"]
        for e in r["evidence"]
    }
    assert cited
    missing = sorted(cited)[0]
    _reseal(run_dir, [r for r in records if r["id"] != missing])
    problems = verify_run(run_dir).problems
    assert any(f"cites exchanges that are not in evidence.jsonl: {missing}" in p for p in problems)


def _copy(run_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run_dir, tmp_path / "run"))


# -- text no format can carry as it came -----------------------------------------------------


SURROGATES = (
    b'{"standards": [' + LINK + b'], "name": "\\ud800", "\\udfff": {"\\udbff x": ["\\udc00"]}, '
    b'"contact": {"url": "http://x.invalid/\\ud800", "email": "\\udfffa@b"}}'
)
INVALID_UTF8 = (
    b'{"type": "about:blank", "title": "\xff\xfe\xc3", "detail": "\xed\xa0\x80", "status": 404}'
)


def test_lone_surrogates_and_invalid_utf8_in_every_string_end_in_reports_that_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def routes(path: str) -> Route:
        if path.startswith("/.well-known/interop"):
            return _json(SURROGATES)
        headers = {"Content-Type": "application/problem+json", "X-Note": "caf\xe9 \x1b[2J"}
        return 404, headers, INVALID_UTF8

    monkeypatch.setenv("HOSTILE_BODIES_TOKEN", TOKEN)
    with _serving(routes) as base_url:
        target = _target_file(tmp_path, base_url)
        args = ["run", "--target", str(target), "--report-dir", str(tmp_path / "r"), "-v"]
        code = main([*args, "--requirement", "C-001", "--requirement", "C-002"])
    out = capsys.readouterr()
    assert code in (EXIT_NOT_CONFORMANT, 5), out.out[-2000:] + out.err[-2000:]
    assert "Traceback" not in out.out + out.err
    assert not any(c in out.out + out.err for c in ("\x1b", "\ud800", "\udfff"))
    run_dir = _run_dir(tmp_path / "r")
    report = json.loads((run_dir / "report.json").read_bytes())
    assert report["claims"]["name"] == "\ud800" and "\udfff" in report["claims"]
    assert ET.parse(run_dir / "junit.xml").getroot().tag == "testsuites"
    records = _evidence(run_dir)  # every line is JSON; bodies not UTF-8 are base64
    assert any("base64" in (r["response"] or {}).get("body", {}) for r in records)
    assert verify_run(run_dir).ok
