"""Runs of ``conformance run`` against a fresh built-in reference, and what their evidence sent.

Shared by the trust tests of ``--shuffle``, ``--replay``, ``--read-only`` and
of traffic that carries no marker of the suite.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from conformance._harness.cli import main

_ID_LIKE = re.compile(r"^(?=.*[0-9])[^/]{8,}$")
"""A path segment that may be an id (eight characters or more, a digit among them)."""


def run_reference(report_dir: Path, *args: str) -> Path:
    """``conformance run`` against a fresh reference with ``args``; the run's folder."""
    main(["run", "--report-dir", str(report_dir), *args])
    runs = [p for p in report_dir.iterdir() if not p.is_symlink() and (p / "report.json").is_file()]
    assert len(runs) == 1, f"expected one run in {report_dir}, found {runs}"
    return runs[0]


def report(run_dir: Path) -> dict[str, Any]:
    """The run's report.json."""
    data: dict[str, Any] = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    return data


def exchanges(run_dir: Path) -> Iterator[dict[str, Any]]:
    """Every record of the run's evidence.jsonl, in order."""
    with (run_dir / "evidence.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def request_texts(record: dict[str, Any]) -> dict[str, str]:
    """The request side of one exchange as text: URL (unquoted), headers, body."""
    request = record["request"]
    body = request.get("body") or {}
    text = body.get("text") or ""
    if not text and body.get("base64"):
        text = base64.b64decode(body["base64"]).decode("utf-8", errors="replace")
    return {
        "url": unquote(request["url"]),
        "headers": json.dumps(request.get("headers") or {}, ensure_ascii=False),
        "body": text,
    }


def sequence(run_dir: Path) -> list[tuple[str, str, int, str, tuple[str, ...]]]:
    """(check, method, origin, operation or path, query names) of every request, in order.

    What the platform assigns differs between two platforms run from the same
    seed, and is normalised away: the origin is the order in which it was
    first contacted (the reference listens on new ports), a path is its spec
    operation's id when it has one, else its path with id-like segments as
    ``{id}`` (job, part and record ids, signed URLs), and a query keeps its
    parameter names (values carry expiries and signatures).
    """
    origins: dict[str, int] = {}
    out = []
    for record in exchanges(run_dir):
        request = record["request"]
        url = urlsplit(request["url"])
        origin = origins.setdefault(url.netloc, len(origins))
        where = record.get("operation") or "/".join(
            "{id}" if _ID_LIKE.match(segment) else segment for segment in url.path.split("/")
        )
        names = tuple(sorted(name for name, _ in parse_qsl(url.query, keep_blank_values=True)))
        out.append((record["check"], request["method"], origin, where, names))
    return out


def check_order(run_dir: Path) -> list[str]:
    """The checks (node ids) in the order they first sent a request."""
    return list(dict.fromkeys(r["check"] for r in exchanges(run_dir) if "::" in r["check"]))


def args_for(requirements: Sequence[str], *more: str) -> list[str]:
    """``--requirement`` for each of ``requirements``, then ``more``."""
    out: list[str] = []
    for requirement in requirements:
        out += ["--requirement", requirement]
    return [*out, *more]
