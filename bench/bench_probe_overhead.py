"""Throughput of a validated, recorded exchange against raw ``requests``, side by side.

Both clients call the same reference platform on loopback, interleaved in
rounds so that drift in the machine's load hits both alike. Prints a JSON
line with requests per second for each and their ratio (probe / raw).

    python bench/bench_probe_overhead.py [--requests 2000] [--rounds 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import requests

from conformance._harness.catalogue import Catalogue
from conformance._harness.evidence import EvidenceLog
from conformance._harness.probe import Probe, Transport
from conformance._harness.secrets import Redactor
from conformance._harness.validation import OpenApiCoreValidator
from conformance.common.roles import ALICE
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

PATH = "/port/v1/exports"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="requests per client in all")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    per_round = max(1, args.requests // args.rounds)
    with tempfile.TemporaryDirectory() as data, ReferencePlatform(data_dir=Path(data)) as platform:
        target = reference_target(platform)
        token = target.token(ALICE).reveal()
        session = requests.Session()
        session.trust_env = False
        log = EvidenceLog(Path(data) / "evidence.jsonl", Redactor(target.credentials.values()))
        probe = Probe(Transport(target, OpenApiCoreValidator(Catalogue.load()), log), check="bench")
        probe.deadline = time.monotonic() + 86_400.0
        raw_rates, probe_rates = [], []
        for _ in range(args.rounds):
            started = time.perf_counter()
            for _ in range(per_round):
                response = session.get(
                    target.base_url + PATH, headers={"Authorization": f"Bearer {token}"}
                )
                response.json()
            raw_rates.append(per_round / (time.perf_counter() - started))
            started = time.perf_counter()
            for _ in range(per_round):
                probe.get(PATH, role=ALICE).json()
            probe_rates.append(per_round / (time.perf_counter() - started))
        log.close()
    raw, validated = statistics.median(raw_rates), statistics.median(probe_rates)
    print(
        json.dumps(
            {
                "requests_per_client": per_round * args.rounds,
                "raw_rps": round(raw, 1),
                "probe_rps": round(validated, 1),
                "ratio": round(validated / raw, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
