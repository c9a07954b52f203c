"""Checking a PORT export at scale: throughput and peak memory against ``sha256sum`` + a JSON parse.

Method. A ``port/1.0`` archive of about 1 GiB (quick mode: 50 MB) is written
to a temporary directory: a Manifest with exact counts, one Profile, and
millions of Media, Post, Contact, Order and Review records, valid against the
PORT spec's schemas, whose posts name earlier media and posts. A loopback
server serves it as an export of 32 MiB parts (cut anywhere, inside a line or
a UTF-8 character, as a platform may), each declared with its size and
SHA-256.

The check runs in a child process (its peak memory its own) along the suite's
own path: ``PortClient.download`` streams each part through the probe
(evidence recorded, size and hash tallied) into ``NdjsonReader`` and
``parse_line``, and :class:`conformance.port.conformity.ArchiveCheck` holds each
record to PORT-003 as it arrives (schema, types, counts, ids, references;
ids and references kept on disk) — then the parts' sizes and hashes are
compared with their declarations (PORT-002). Reported: MB/s, records/s, peak
RSS (``VmHWM``) and the mismatches found (0 expected). ``cpu_ratio`` compares
CPU seconds instead (the baseline's over the check's, ``sha256sum``'s
included): on a shared machine it moves less than the wall-clock ``ratio``.

The baseline reads the same bytes the cheapest way that still hashes and
parses them: ``sha256sum`` of the file plus ``json.loads`` of each line in
Python. Targets: peak RSS < 200 MB whatever the size; throughput ≥ 0.5 of
the baseline's.

    python bench/bench_export_scale.py [--quick] [--mb 1024]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._child import emit, in_child, peak_rss_mb
from conformance._harness.catalogue import Catalogue
from conformance._harness.errors import Mismatch
from conformance._harness.evidence import EvidenceLog
from conformance._harness.probe import Probe, Transport
from conformance._harness.schemas import ComponentSchemas
from conformance._harness.secrets import Redactor, Secret
from conformance._harness.target import Target
from conformance._harness.validation import OpenApiCoreValidator
from conformance.common.claims import Claims
from conformance.common.roles import ALICE
from conformance.port.client import Export, PortClient, PortRun
from conformance.port.conformity import ArchiveCheck

FULL_MB = 1024
QUICK_MB = 50
PART_BYTES = 32 * 1024 * 1024
SUBJECT = "usr_bench_alice"
TOKEN = "bench-export-token-0123456789"
STAMP = "2026-12-05T10:00:00Z"
TARGET_RSS_MB = 200
TARGET_RATIO = 0.5
# One cycle of 20 records: the mix of an account with many posts.
CYCLE = ("Post",) * 9 + ("Media",) * 2 + ("Contact",) * 3 + ("Order",) * 3 + ("Review",) * 3
WORDS = (
    "port interop archive record export stream memory bounded check "
    "schema manifest counts media post contact order review profile "
).split()


def measure(quick: bool, megabytes: int | None = None) -> dict[str, Any]:
    """Write the archive, check it in a child, time the baseline on it; the figures."""
    size = (megabytes or (QUICK_MB if quick else FULL_MB)) * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="bench-export-") as scratch:
        work = Path(scratch)
        made = in_child("bench.bench_export_scale", ["--write", str(work), str(size)], 3600.0)
        checked = in_child("bench.bench_export_scale", ["--check", str(work)], 3600.0)
        baseline = in_child("bench.bench_export_scale", ["--baseline", str(work)], 3600.0)
    megabytes_read = made["bytes"] / 1e6
    rate = megabytes_read / checked["seconds"]
    base_rate = megabytes_read / baseline["seconds"]
    return {
        "benchmark": "export_scale",
        "quick": quick,
        "archive": made,
        "check": checked | {"mb_per_s": round(rate, 1)},
        "baseline": baseline | {"mb_per_s": round(base_rate, 1)},
        "ratio": round(rate / base_rate, 3),
        "cpu_ratio": round(baseline["cpu_seconds"] / max(checked["cpu_seconds"], 1e-9), 3),
        "target": f"peak RSS < {TARGET_RSS_MB} MB; throughput >= {TARGET_RATIO} of the baseline",
        "met": checked["peak_rss_mb"] < TARGET_RSS_MB and rate / base_rate >= TARGET_RATIO,
    }


def headline(result: dict[str, Any]) -> str:
    """Size, throughput, memory and the ratio to the baseline."""
    made, checked, base = result["archive"], result["check"], result["baseline"]
    return (
        f"{made['bytes'] / 2**20:.0f} MiB, {made['records']:,} records: "
        f"{checked['mb_per_s']} MB/s, {checked['records_per_s']:,} records/s, peak RSS "
        f"{checked['peak_rss_mb']:.0f} MB, {checked['mismatches']} mismatches; baseline "
        f"{base['mb_per_s']} MB/s; ratio {result['ratio']} (CPU {result['cpu_ratio']})"
    )


# -- the archive -----------------------------------------------------------------------------


def records(count: int) -> Iterator[bytes]:
    """``count`` records after the Profile, each a line of compact JSON (no newline)."""
    for i in range(count):
        kind = CYCLE[i % len(CYCLE)]
        yield _record(kind, i).encode("utf-8")


def _text(i: int, words: int) -> str:
    return " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(words))


def _record(kind: str, i: int) -> str:
    base = f'"id":"{kind.lower()}_{i:09d}","created_at":"{STAMP}","updated_at":"{STAMP}"'
    cycle, media = i // len(CYCLE), f"media_{(i // len(CYCLE)) * len(CYCLE) + 9:09d}"
    if kind == "Post":
        reply = f'"post_{i - 1:09d}"' if i % len(CYCLE) and cycle % 2 else "null"
        medias = f'["{media}"]' if cycle else "[]"
        return (
            f'{{"type":"Post",{base},"content":"{_text(i, 20 + i % 40)}","visibility":"public",'
            f'"media_ids":{medias},"in_reply_to":{reply}}}'
        )
    if kind == "Media":
        sha = hashlib.sha256(str(i).encode()).hexdigest()
        return (
            f'{{"type":"Media",{base},"media_type":"image/png","size":{1000 + i},'
            f'"sha256":"{sha}","filename":"photo-{i}.png","url":"/port/v1/media/{sha}"}}'
        )
    if kind == "Contact":
        return (
            f'{{"type":"Contact",{base},"name":"Contact {i}","emails":["c{i}@example.test"],'
            f'"phones":["+3361234{i % 100000:05d}"],'
            f'"handles":[{{"platform":"example","handle":"@c{i}"}}]}}'
        )
    if kind == "Order":
        return (
            f'{{"type":"Order",{base},"order_number":"ORD-{i}","ordered_at":"{STAMP}",'
            f'"status":"delivered","merchant":"Shop {i % 97}","currency":"EUR",'
            f'"items":[{{"sku":"SKU-{i}","title":"{_text(i, 4)}","quantity":2,"unit_price":"9.95"}}],'
            f'"total":"19.90"}}'
        )
    return (
        f'{{"type":"Review",{base},"item_ref":"item-{i}","rating":{1 + i % 5},'
        f'"text":"{_text(i, 12)}","reviewed_at":"{STAMP}"}}'
    )


def _profile() -> bytes:
    media = f"media_{9:09d}"
    return (
        f'{{"type":"Profile","id":"profile_1","created_at":"{STAMP}","updated_at":"{STAMP}",'
        f'"display_name":"Alice","bio":"{_text(1, 10)}","locale":"en",'
        f'"avatar_media_id":"{media}"}}'
    ).encode()


def write_archive(work: Path, size: int) -> dict[str, Any]:
    """Write ``export.ndjson`` of about ``size`` bytes and ``parts.json`` (its declared parts)."""
    sampled = len(CYCLE) * 50
    average = sum(len(r) + 1 for r in records(sampled)) / sampled
    cycles = max(1, int(size / average) // len(CYCLE))
    count = cycles * len(CYCLE)  # whole cycles: every post's media is in the archive
    counts = {kind: CYCLE.count(kind) * cycles for kind in sorted(set(CYCLE))} | {"Profile": 1}
    manifest = {
        "type": "Manifest",
        "format": "port/1.0",
        "subject": SUBJECT,
        "generated_at": STAMP,
        "counts": dict(sorted(counts.items())),
    }
    cutter = PartCutter()
    with (work / "export.ndjson").open("wb") as out:
        buffer = bytearray()
        for line in archive_lines(manifest, count):
            buffer += line
            if len(buffer) >= 1 << 20:
                cutter.write(out, buffer)
        cutter.write(out, buffer)
    (work / "parts.json").write_text(json.dumps(cutter.declared()))
    return {"bytes": cutter.written, "records": count + 1, "parts": len(cutter.parts)}


def archive_lines(manifest: dict[str, Any], count: int) -> Iterator[bytes]:
    """The archive's lines, newline included: manifest, Profile, records."""
    yield json.dumps(manifest, separators=(",", ":")).encode() + b"\n"
    yield _profile() + b"\n"
    for record in records(count):
        yield record + b"\n"


class PartCutter:
    """Writes the archive while cutting it into parts of :data:`PART_BYTES`, each hashed."""

    def __init__(self) -> None:
        self.written = 0
        self.parts: list[tuple[int, int, Any]] = []  # offset, size, hasher

    def write(self, out: Any, buffer: bytearray) -> None:
        """Write ``buffer`` out (and empty it), noting part boundaries as they pass."""
        view = bytes(buffer)
        buffer.clear()
        offset = 0
        while offset < len(view):
            if not self.parts or self.parts[-1][1] == PART_BYTES:
                self.parts.append((self.written, 0, hashlib.sha256()))
            start, size, hasher = self.parts[-1]
            piece = view[offset : offset + PART_BYTES - size]
            hasher.update(piece)
            out.write(piece)
            self.parts[-1] = (start, size + len(piece), hasher)
            self.written += len(piece)
            offset += len(piece)

    def declared(self) -> list[dict[str, Any]]:
        """Each part's offset in the file, size and SHA-256."""
        return [{"offset": o, "size": n, "sha256": h.hexdigest()} for o, n, h in self.parts]


# -- serving it ------------------------------------------------------------------------------


class PartServer(ThreadingHTTPServer):
    """Serves ``/port/v1/parts/exp_bench/<k>``: part k of the archive, by ``sendfile``."""

    daemon_threads = True

    def __init__(self, work: Path) -> None:
        super().__init__(("127.0.0.1", 0), _PartHandler)
        self.archive = work / "export.ndjson"
        self.parts: list[dict[str, Any]] = json.loads((work / "parts.json").read_text())

    @property
    def base_url(self) -> str:
        """Where it listens."""
        return f"http://127.0.0.1:{self.server_address[1]}"


class _PartHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: PartServer

    def do_GET(self) -> None:
        part = self.server.parts[int(self.path.rsplit("/", 1)[-1])]
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Content-Length", str(part["size"]))
        self.end_headers()
        with self.server.archive.open("rb") as handle:
            self.connection.sendfile(handle, part["offset"], part["size"])

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a benchmark prints only its figures."""


# -- the check (child) -----------------------------------------------------------------------


def check(work: Path) -> dict[str, Any]:
    """Download and check the served archive along the suite's own path."""
    server = PartServer(work)
    threading.Thread(target=server.serve_forever, name="bench-parts", daemon=True).start()
    try:
        target = Target(
            name="bench-export",
            base_url=server.base_url,
            clients={"first_party": {}},
            users={"alice": SUBJECT},
            credentials={ALICE: Secret(TOKEN)},
        )
        catalogue = Catalogue.load()
        log = EvidenceLog(work / "evidence.jsonl", Redactor(target.credentials.values()))
        probe = Probe(Transport(target, OpenApiCoreValidator(catalogue), log), check="bench")
        probe.deadline = time.monotonic() + 3600.0
        job = {
            "id": "exp_bench",
            "status": "ready",
            "parts": [
                {"url": f"/port/v1/parts/exp_bench/{k}", "size": p["size"], "sha256": p["sha256"]}
                for k, p in enumerate(server.parts)
            ],
        }
        export = Export(job, server.base_url + "/port/v1/exports/exp_bench", 0.0)
        client = PortClient(probe, Claims(None, stated=True), PortRun(4))
        schemas = ComponentSchemas(catalogue)
        ready_rss = peak_rss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        with ArchiveCheck(schemas, SUBJECT) as checking:
            client.download(ALICE, export, into=checking)
            found: list[Mismatch] = checking.mismatches()
            records = checking.records
        found += [m for i, part in enumerate(export.parts) for m in part.mismatches(i)]
        seconds = time.perf_counter() - started
        log.close()
    finally:
        server.shutdown()
        server.server_close()
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "records": records,
        "records_per_s": round(records / seconds),
        "format_errors": len(export.format_errors),
        "mismatches": len(found),
        "first_mismatches": [str(m) for m in found[:3]],
        "rss_before_mb": ready_rss,
        "peak_rss_mb": peak_rss_mb(),
    }


def baseline(work: Path) -> dict[str, Any]:
    """``sha256sum`` of the file, then ``json.loads`` of each of its lines."""
    path = work / "export.ndjson"
    before = _children_cpu()
    started = time.perf_counter()
    subprocess.run(["sha256sum", str(path)], check=True, capture_output=True)
    hashed = time.perf_counter() - started
    hashing_cpu = _children_cpu() - before
    started, cpu, lines = time.perf_counter(), time.process_time(), 0
    with path.open("rb") as handle:
        for line in handle:
            json.loads(line)
            lines += 1
    parsed = time.perf_counter() - started
    return {
        "seconds": round(hashed + parsed, 2),
        "cpu_seconds": round(hashing_cpu + time.process_time() - cpu, 2),
        "sha256sum_s": round(hashed, 2),
        "json_parse_s": round(parsed, 2),
        "lines": lines,
        "peak_rss_mb": peak_rss_mb(),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    """The CLI: print the measurement as JSON (``--write/--check/--baseline``: the children)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_MB} MB, not {FULL_MB}")
    parser.add_argument("--mb", type=int, help="the archive's size in MB (overrides --quick)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write", nargs=2, metavar=("DIR", "BYTES"), help=argparse.SUPPRESS)
    parser.add_argument("--check", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.write:
        emit(write_archive(Path(args.write[0]), int(args.write[1])))
    elif args.check:
        emit(check(Path(args.check)))
    elif args.baseline:
        emit(baseline(Path(args.baseline)))
    else:
        print(json.dumps(measure(args.quick, args.mb), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
