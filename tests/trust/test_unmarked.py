"""Nothing the suite sends marks it as the suite, and what it makes up changes from run to run.

Two runs of every requirement but FAIR-003 (thousands of reads, nothing made
up) against two fresh references, with different seeds. The request side of
every exchange (URL, headers, body) carries no fixed marker of the suite
("conformance", "interop", "pytest", "probe", "test-", ...) except where the
standards or the target file put it: the discovery path the specs fix
(``/.well-known/interop``) and what the target file configures (client
headers, user ids, the LINK domains, names of the target). And the ids the
suite makes up (unknown ids, media digests, record ids, file names) differ
between the two runs: a value in a request path or query that both runs
sent, and neither platform assigned, would be one a platform could learn.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from reference_runs import args_for, exchanges, report, request_texts, run_reference

from conformance._harness.catalogue import Catalogue
from conformance._harness.evidence import EvidenceLog
from conformance._harness.ordinary import ordinary
from conformance._harness.probe import Probe, Transport
from conformance._harness.secrets import Redactor
from conformance._harness.target import Target
from conformance.common.claims import DISCOVERY_PATH
from conformance.reference.target_files import REFERENCE_DOMAINS

MARKERS = re.compile(
    r"conformance|interop|pytest|hypothesis|\bprobe|\btest-|\bsuite\b|x-test", re.IGNORECASE
)
SEEDS = (101, 202)
REQUIREMENTS = tuple(r.id for r in Catalogue.load() if r.id != "FAIR-003")
_MADE_UP = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.~:+-]{7,}")
"""A token long enough to be an id, a digest or a generated name."""
SPEC_TOKENS = frozenset({"v1"})
"""Tokens of the specs' own paths (none is eight characters long today)."""
ISSUED = frozenset({"cursor", "page_token"})
"""Query parameters whose values the platform issued (PORT's and FAIR's continuation
tokens): the page that carried one may be cut in the evidence (bodies over 4 KiB)."""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return [
        run_reference(
            tmp_path_factory.mktemp(f"seed-{seed}"), *args_for(REQUIREMENTS, "--seed", str(seed))
        )
        for seed in SEEDS
    ]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _configured(run_dir: Path) -> list[str]:
    """What the target file (here, the reference's) and the specs fix, longest first."""
    found = {s for s in _strings(report(run_dir)["target"]) if len(s) >= 3}
    found |= {d for domains in REFERENCE_DOMAINS.values() for d in domains}
    found.add(DISCOVERY_PATH)
    return sorted(found, key=len, reverse=True)


@pytest.mark.slow
def test_the_runs_judged_and_passed(runs: list[Path]) -> None:
    for run_dir in runs:
        summary = report(run_dir)["summary"]
        assert not summary["counts"]["fail"] and not summary["counts"]["error"], summary


@pytest.mark.slow
def test_no_fixed_marker_in_what_the_suite_sends(runs: list[Path]) -> None:
    found: dict[str, str] = {}
    for run_dir in runs:
        allowed = _configured(run_dir)
        for record in exchanges(run_dir):
            for where, text in request_texts(record).items():
                for value in allowed:
                    text = text.replace(value, "")
                for hit in MARKERS.finditer(text):
                    excerpt = text[max(0, hit.start() - 40) : hit.end() + 40]
                    found.setdefault(f"{record['check']} ({where})", excerpt)
    assert not found, "\n".join(f"{k}: {v!r}" for k, v in sorted(found.items()))


@pytest.mark.slow
def test_no_user_agent_of_the_suite(runs: list[Path]) -> None:
    """Requests of no client carry no User-Agent: the reference's target file sets none."""
    configured = {
        headers.get("User-Agent") for headers in report(runs[0])["target"]["clients"].values()
    }
    sent = {
        record["request"]["headers"].get("User-Agent")
        for run_dir in runs
        for record in exchanges(run_dir)
    }
    assert None in sent
    assert {agent for agent in sent if agent is not None and agent not in configured}, (
        "FAIR's generated presentations should still send ordinary user agents"
    )
    assert not any(agent and MARKERS.search(agent) for agent in sent)


def _made_up(run_dir: Path) -> dict[str, str]:
    """Id-like tokens of request paths and query values, CLOUD's checks left out.

    CLOUD names its buckets, repositories and tags per run (``conformance.cloud.names``),
    but its S3 checks still write some fixed keys (``photos/2006/January/sample.jpg``,
    ``etag/single-<size>``): left to that standard's checks, and said in the README.
    """
    assigned: set[str] = set()
    out: dict[str, str] = {}
    for record in exchanges(run_dir):
        if not record["check"].startswith(("cloud/", "cloud:")):
            url = urlsplit(record["request"]["url"])
            query = parse_qsl(url.query)
            parts = [unquote(url.path), *(v for k, v in query if k not in ISSUED)]
            for token in _MADE_UP.findall(" ".join(parts)):
                if (
                    re.search(r"[0-9]", token)
                    and token not in SPEC_TOKENS
                    and token not in assigned
                ):
                    out.setdefault(token, record["check"])
        assigned |= _assigned(record)
    return out


def _assigned(record: dict[str, Any]) -> set[str]:
    """Id-like tokens the platform sent back in one exchange (headers and body).

    A token the platform sent before the suite sent it was assigned there (a
    cursor, a job id), not made up by the suite: two platforms may well assign
    the same one. One the suite sent first stays the suite's, echoed or not.
    """
    response = record.get("response") or {}
    body = response.get("body") or {}
    text = body.get("text") or ""
    if not text and body.get("base64"):
        text = base64.b64decode(body["base64"]).decode("utf-8", errors="replace")
    text += " " + json.dumps(response.get("headers") or {}, ensure_ascii=False)
    return set(_MADE_UP.findall(text)) | set(_MADE_UP.findall(unquote(text)))


def test_a_token_the_platform_sent_first_is_not_made_up(tmp_path: Path) -> None:
    def exchange(url: str, body: str) -> str:
        response = {"status": 200, "headers": {}, "body": {"text": body}}
        return json.dumps({"check": "port/x.py::t", "request": {"url": url}, "response": response})

    lines = [
        exchange("http://h/port/v1/changes", '{"next_cursor": "YzE6Njc4OA"}'),
        exchange("http://h/port/v1/changes?cursor=YzE6Njc4OA", '{"items": []}'),
        exchange("http://h/port/v1/changes?cursor=YzE6OTk5OQ", "{...cut"),
        exchange("http://h/port/v1/records/made0up0id", '{"id": "made0up0id"}'),
        exchange("http://h/port/v1/records/made0up0id?again=1", "{}"),
    ]
    (tmp_path / "evidence.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _made_up(tmp_path) == {"made0up0id": "port/x.py::t"}


@pytest.mark.slow
def test_made_up_ids_differ_between_runs(runs: list[Path]) -> None:
    first, second = (_made_up(r) for r in runs)
    assert len(first) > 50 and len(second) > 50
    shared = {token: first[token] for token in first.keys() & second.keys()}
    assert not shared, "\n".join(f"{t} (sent by {c})" for t, c in sorted(shared.items()))


@pytest.mark.slow
def test_an_unknown_id_is_the_runs_own(runs: list[Path]) -> None:
    """C-002's unknown id is drawn from the seed: each run sent its own, not the other's."""
    urls = [" ".join(r["request"]["url"] for r in exchanges(run_dir)) for run_dir in runs]
    for i, seed in enumerate(SEEDS):
        unknown = ordinary(seed, "C-002").uuid()
        assert unknown in urls[i]
        assert unknown not in urls[1 - i]


class _Agents(BaseHTTPRequestHandler):
    seen: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("User-Agent"))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("agent", [None, "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"])
def test_a_user_agent_only_if_the_target_file_sets_one(
    agent: str | None, serve_http: Callable[..., str], tmp_path: Path
) -> None:
    """Neither the suite's nor the HTTP library's (``python-requests/…``): the file's, or none."""
    _Agents.seen.clear()
    target = Target("t", serve_http(_Agents), {}, {}, {}, user_agent=agent)
    transport = Transport(target, None, EvidenceLog(None, Redactor()))
    Probe(transport).get("/")
    transport.close()
    assert _Agents.seen == [agent]
