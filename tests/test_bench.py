"""The benchmarks under bench/ run, in quick mode or smaller, and measure what they claim.

Figures are not asserted (a shared machine makes timings move); what is: each
benchmark runs end to end, reports the fields the README's table reads, and
sees what it must see (an export checked without a mismatch, a corrupted one
with one, a fault both tools catch).
"""

from __future__ import annotations

import configparser
import json
import sys
from pathlib import Path

import pytest

# bench/ is beside tests/, not installed: appended, so the installed package (tox tests the
# wheel) is still the one imported.
sys.path.append(str(Path(__file__).resolve().parent.parent))
from bench import (
    bench_export_scale,
    bench_own_tests,
    bench_parallel,
    bench_probe_overhead,
    bench_schemathesis,
    bench_whole_run,
    run_all,
)


@pytest.mark.slow
def test_an_export_is_checked_in_bounded_memory_without_a_mismatch() -> None:
    result = bench_export_scale.measure(quick=True, megabytes=3)
    checked = result["check"]
    assert checked["mismatches"] == 0, checked["first_mismatches"]
    assert checked["format_errors"] == 0
    assert checked["records"] == result["archive"]["records"]
    assert result["baseline"]["lines"] == result["archive"]["records"] + 1  # and the manifest
    assert checked["peak_rss_mb"] < bench_export_scale.TARGET_RSS_MB
    assert result["ratio"] > 0 and result["cpu_ratio"] > 0
    assert "MiB" in bench_export_scale.headline(result)


def test_the_same_path_finds_a_corrupted_export(tmp_path: Path) -> None:
    made = bench_export_scale.write_archive(tmp_path, 600_000)
    archive = tmp_path / "export.ndjson"
    data = bytearray(archive.read_bytes())
    at = data.index(b'"visibility":"public"')
    data[at : at + 21] = b'"visibility":"secret"'
    archive.write_bytes(bytes(data))
    checked = bench_export_scale.check(tmp_path)
    assert checked["records"] == made["records"]
    found = " ".join(checked["first_mismatches"])
    assert "visibility" in found and "sha256" in found, found


@pytest.mark.slow
def test_a_whole_run_is_timed_against_its_exchanges_and_waits() -> None:
    result = bench_whole_run.measure(quick=True)
    run = result["runs"]["default"]
    assert run["exchanges"] > 50
    assert 0 < run["http_s"] <= run["wall_s"]
    assert run["checks_s"] <= run["wall_s"]
    assert run["ratio"] == pytest.approx(run["wall_s"] / (run["http_s"] + run["waits_s"]), rel=0.05)
    assert run["slowest_checks"] and run["slowest_checks"][0]["wall_s"] > 0
    assert "`default`" in bench_whole_run.headline(result)


@pytest.mark.slow
def test_both_tools_meet_a_fault_that_breaks_the_discovery_document() -> None:
    result = bench_schemathesis.compare(quick=True, names=("discovery-without-standards",))
    (row,) = result["faults"]
    assert row["suite"]["detected"] and row["suite"]["requests"] >= 1
    assert row["schemathesis"]["detected"] and row["schemathesis"]["requests"] >= 1
    assert "/.well-known/interop" in row["schemathesis"]["finding"]
    assert not any(c["detected"] for c in result["control"].values())
    assert "detected after" in bench_schemathesis.details(result)


@pytest.mark.slow
def test_the_probe_is_timed_beside_raw_requests_and_its_time_is_profiled_by_part() -> None:
    result = bench_probe_overhead.measure(quick=True)
    assert result["raw_rps"] > 0 and result["probe_rps"] > 0
    assert result["ratio"] == pytest.approx(result["probe_rps"] / result["raw_rps"], abs=0.002)
    assert result["probe_cpu_ms"] > result["raw_cpu_ms"] > 0  # validated and recorded: more
    assert 0 < result["allowed_own_ms"] < result["raw_cpu_ms"]
    parts = {row["part"]: row for row in result["profile"]}
    for suite_only in ("response validation", "the evidence record", "the destination guard"):
        (row,) = [r for name, r in parts.items() if name.startswith(suite_only)]
        assert row["probe_share"] > 0 and row["raw_share"] == 0, row
    (http,) = [r for name, r in parts.items() if name.startswith("requests itself")]
    assert http["raw_share"] > 0.5 and http["probe_share"] > 0.3
    assert sum(r["probe_share"] for r in result["profile"]) == pytest.approx(1, abs=0.01)
    assert "ratio" in bench_probe_overhead.headline(result)
    assert "| response validation (compiled plans) | — |" in bench_probe_overhead.details(result)


def test_the_readme_block_is_rendered_from_the_results_and_replaced_in_place(
    tmp_path: Path,
) -> None:
    document = {
        "generated_at": "2026-12-05T00:00:00Z",
        "quick": True,
        "command": "python -m bench.run_all --quick",
        "machine": {"cpus": 2, "python": "3.11", "load_average": [1.0, 1.0, 1.0]},
        "results": {
            "whole_run": {"error": "RuntimeError: it broke"},
            "probe_overhead": {"error": "RuntimeError: not this time"},
            "a_new_one": {"ratio": 0.91, "met": True},
        },
    }
    results = tmp_path / "results.json"
    results.write_text(json.dumps(document))
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{run_all.BEGIN}\nold figures\n{run_all.END}\nafter\n")
    assert run_all.main(["--render-only", "--out", str(results), "--write", str(readme)]) == 0
    text = readme.read_text()
    assert "old figures" not in text and text.endswith(f"{run_all.END}\nafter\n")
    assert "| | a_new_one | ratio 0.91, met True | | |" in text  # no headline of its own
    assert "not measured: RuntimeError: it broke" in text
    assert "| 4 | parallel | not run | | |" in text


def test_every_benchmark_of_ours_is_found_and_has_a_measure() -> None:
    found = run_all.names()
    assert found == list(run_all.ORDER)


def test_the_readme_shows_the_figures_of_the_committed_results() -> None:
    results = run_all.DEFAULT_OUT
    if not results.exists():
        pytest.skip("no bench/results.json yet: run python -m bench.run_all --write README.md")
    readme = results.parent.parent / "README.md"
    document = json.loads(results.read_text(encoding="utf-8"))
    text = readme.read_text(encoding="utf-8")
    start = text.index(run_all.BEGIN) + len(run_all.BEGIN) + 1
    assert text[start : text.index(run_all.END)] == run_all.render(document), (
        "the README's figures differ from bench/results.json: "
        "python -m bench.run_all --render-only --write README.md"
    )


@pytest.mark.slow
def test_a_tier_of_our_tests_is_met_only_when_it_passes_in_time(tmp_path: Path) -> None:
    (tmp_path / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    (tmp_path / "test_bad.py").write_text("def test_bad():\n    assert False\n")
    (tmp_path / "empty").mkdir()
    passing = bench_own_tests.run_tier(("-q",), 600.0, (str(tmp_path / "test_ok.py"),))
    assert passing["met"] and passing["counts"] == {"passed": 1}, passing
    failing = bench_own_tests.run_tier(("-q",), 600.0, (str(tmp_path),))
    assert not failing["met"] and failing["counts"] == {"passed": 1, "failed": 1}, failing
    assert failing["exit_code"] == 1 and failing["tail"]
    none = bench_own_tests.run_tier(("-q",), 600.0, (str(tmp_path / "empty"),))
    assert not none["met"] and none["exit_code"] == 5, none
    too_slow = bench_own_tests.run_tier(("-q",), 0.0, (str(tmp_path / "test_ok.py"),))
    assert not too_slow["met"]
    line = bench_own_tests.headline({"tiers": {"fast": passing, "full": failing}})
    assert line.startswith("fast ") and "(1 passed); full " in line and "1 failing" in line


def test_pytests_summary_line_gives_the_counts() -> None:
    output = "....F\n=== 4 passed, 1 failed, 2 skipped, 3 errors in 12.5s ===\n"
    assert bench_own_tests.summary_counts(output) == {
        "passed": 4,
        "failed": 1,
        "skipped": 2,
        "error": 3,
    }
    assert bench_own_tests.summary_counts("no tests ran in 0.01s") == {}


@pytest.mark.slow
def test_a_campaign_is_timed_at_both_parallelisms_and_every_target_is_judged() -> None:
    result = bench_parallel.measure(quick=True)
    for side in ("parallel_1", "parallel_2"):
        assert result[side]["judged"] == result["targets"] == 8, result
        assert sorted(result[side]["exit_codes"].values()) == [0] * 6 + [1] * 2, result
    assert result["speedup"] > 1.0, result
    assert "--parallel 2" in bench_parallel.headline(result)


def test_the_tiers_timed_are_the_commands_tox_runs() -> None:
    tox = (Path(__file__).resolve().parent.parent / "tox.ini").read_text(encoding="utf-8")
    ini = configparser.ConfigParser(interpolation=None)
    ini.read_string(tox)
    for env, name in (("tests", "full"), ("fast", "fast")):
        section = tox.split(f"[testenv:{env}]", 1)[1].split("\n[", 1)[0]
        (command,) = [line for line in section.splitlines() if line.strip().startswith("pytest")]
        args, _ = bench_own_tests.TIERS[name]
        wanted = [a for a in args if a != "-q"]
        assert " ".join(wanted).replace("not slow", '"not slow"') in command, (env, command)
        # The environment's own setenv, else [testenv]'s: whether it keeps bytecode.
        setenv = ini.get(f"testenv:{env}", "setenv", fallback=ini.get("testenv", "setenv"))
        (set_to,) = [
            value.strip()
            for key, _, value in (line.partition("=") for line in setenv.splitlines())
            if key.strip() == "PYTHONDONTWRITEBYTECODE"
        ]
        assert bench_own_tests.BYTECODE[name] == (set_to == ""), (env, set_to)
