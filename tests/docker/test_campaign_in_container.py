"""``conformance campaign --in-container IMAGE``: each target's run in the suite image.

Two reference platforms on the host (one behind a fault), the suite image
probing each with host networking, narrowed to the two requirements the
fault could break: the same verdicts as local runs, the reports where a
local campaign leaves them, and no
container left behind (the fixture checks by label).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance._harness.campaign.fleet import Member, ReferenceFleet
from conformance._harness.cli import main

FAULT = "commission-above-published"

# It needs the suite image of this tree, which the fast tier would rebuild on every change.
pytestmark = pytest.mark.slow


def test_a_campaign_in_the_suite_image_judges_as_a_local_one(
    tmp_path: Path, suite_image: str, docker_labels: dict[str, str]
) -> None:
    targets, out = tmp_path / "targets", tmp_path / "out"
    members = [Member("ref-alt", "alt"), Member("fault-commission", fault=FAULT)]
    argv = ["campaign", str(targets), "--out", str(out), "--parallel", "2"]
    argv += [
        "--in-container",
        suite_image,
        "--requirement",
        "DISC-001",
        "--requirement",
        "DISC-004",
    ]
    argv += [w for k, v in docker_labels.items() for w in ("--container-label", f"{k}={v}")]
    with ReferenceFleet(members, targets):
        code = main(argv)
    assert code == 0
    rows = {
        t["name"]: t
        for t in json.loads((out / "campaign.json").read_text(encoding="utf-8"))["targets"]
    }
    assert {n: r["exit_code"] for n, r in rows.items()} == {"ref-alt": 0, "fault-commission": 1}
    for name, row in rows.items():
        report = json.loads((out / row["run_dir"] / "report.json").read_text(encoding="utf-8"))
        assert report["target"]["name"] == name
        outcomes = {r["id"]: r["outcome"] for r in report["requirements"]}
        broken = "fail" if name == "fault-commission" else "pass"
        assert outcomes["DISC-004"] == broken and outcomes["DISC-001"] == "pass"
