"""A campaign run again into its folder starts the targets that took longest first."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conformance._harness.campaign.history import last_durations, start_order
from conformance._harness.campaign.plan import CampaignTarget, plan_targets
from conformance._harness.campaign.pool import run_all
from conformance._harness.campaign.unit import Settings


def _targets(tmp_path: Path, *names: str) -> list[CampaignTarget]:
    folder = tmp_path / "targets"
    folder.mkdir()
    for name in names:
        (folder / f"{name}.yaml").write_text(f"name: {name}\n", encoding="utf-8")
    return plan_targets([folder])


def test_longest_last_time_first_and_an_unknown_one_before_them(tmp_path: Path) -> None:
    targets = _targets(tmp_path, "a", "b", "c", "d")
    order = start_order(targets, {"a": 5.0, "b": 40.0, "d": 5.0})
    assert [t.name for t in order] == ["c", "b", "a", "d"]
    assert start_order(targets, {}) == targets


def test_the_last_summary_is_read_and_a_broken_one_changes_nothing(tmp_path: Path) -> None:
    summary = tmp_path / "campaign.json"
    assert last_durations(summary) == {}
    rows = [{"name": "a", "duration_s": 3.5}, {"name": "b", "duration_s": "x"}, "junk", {}]
    summary.write_text(json.dumps({"targets": rows}), encoding="utf-8")
    assert last_durations(summary) == {"a": 3.5}
    for broken in ("{", "[]", '{"targets": 7}', '{"targets": [{"name": 1, "duration_s": 2}]}'):
        summary.write_text(broken, encoding="utf-8")
        assert last_durations(summary) == {}


def test_runs_start_in_that_order_and_are_reported_in_plan_order(tmp_path: Path) -> None:
    targets = _targets(tmp_path, "a", "b", "c")
    log = tmp_path / "started.log"

    def records(target: CampaignTarget, report_dir: Path) -> list[str]:
        """A stand-in run that notes the order runs started in."""
        return [sys.executable, "-c", f"open({str(log)!r}, 'a').write({target.name!r} + ' ')"]

    settings = Settings(tmp_path / "out", records, 30)
    outcomes, _ = run_all(targets, settings, 1, durations={"a": 1.0, "b": 2.0, "c": 30.0})
    started = log.read_text(encoding="utf-8").split()
    assert started == ["c", "b", "a"]
    assert [o.target.name for o in outcomes] == ["a", "b", "c"]
