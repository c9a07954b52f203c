"""The pytest plugin, driven the way users drive it: ``pytest --pyargs conformance.checks``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.catalog import Fault, load_faults
from conformance.faults.proxy import FaultProxy
from conformance.faults.transforms import TRANSFORMS
from conformance.reference.server import ReferencePlatform


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(
        "--pyargs", "conformance.checks", "-p", "no:cacheprovider", *args
    )


def test_checks_pass_against_the_reference(
    pytester: pytest.Pytester, target_file: Callable[..., Path], tmp_path: Path
) -> None:
    result = _run(
        pytester,
        "--target",
        str(target_file()),
        "--requirement",
        "C-001",
        "--requirement",
        "PORT-016",
        "--report-dir",
        str(tmp_path / "reports"),
    )
    result.assert_outcomes(passed=2)
    assert "CONFORMANT" in result.stdout.str()
    (run_dir,) = (tmp_path / "reports").iterdir()
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in report["requirements"]] == ["C-001", "PORT-016"]
    assert all(r["evidence"] for r in report["requirements"])


def test_a_failing_must_fails_the_pytest_run(
    pytester: pytest.Pytester, target_file: Callable[..., Path], reference: ReferencePlatform
) -> None:
    fault = next(f for f in load_faults() if f.name == "media-store-trusts-path")
    with FaultProxy(reference.base_url, fault) as proxy:
        result = _run(
            pytester,
            "--target",
            str(target_file(base_url=proxy.base_url)),
            "--requirement",
            "PORT-016",
        )
    result.assert_outcomes(failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_failing_should_is_reported_but_does_not_fail_the_run(
    pytester: pytest.Pytester, target_file: Callable[..., Path], reference: ReferencePlatform
) -> None:
    fault = next(f for f in load_faults() if f.name == "no-rate-limit-headers")
    with FaultProxy(reference.base_url, fault) as proxy:
        result = _run(
            pytester,
            "--target",
            str(target_file(base_url=proxy.base_url)),
            "--requirement",
            "C-004",
        )
    result.assert_outcomes(xfailed=1)
    assert result.ret == pytest.ExitCode.OK


class _ClaimOnly(Transform):
    """Rewrites the discovery document to claim only PORT's core profile."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if request.path == "/.well-known/interop":
            body = json.loads(response.body)
            body["standards"] = [{"id": "PORT", "version": "1.0", "profiles": ["core"]}]
            response.body = json.dumps(body).encode()
        return response


def test_unclaimed_profiles_are_not_claimed_never_pass(
    pytester: pytest.Pytester,
    target_file: Callable[..., Path],
    reference: ReferencePlatform,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setitem(TRANSFORMS, "claim_core_only", _ClaimOnly)
    fault = Fault("claims-core-only", (), "test only", "claim_core_only")
    with FaultProxy(reference.base_url, fault) as proxy:
        result = _run(
            pytester,
            "--target",
            str(target_file(base_url=proxy.base_url)),
            "--requirement",
            "PORT-009",
            "--requirement",
            "PORT-012",
            "--report-dir",
            str(tmp_path / "r"),
            "-rs",
        )
    result.assert_outcomes(skipped=2)
    assert "not-claimed" in result.stdout.str()
    (run_dir,) = (tmp_path / "r").iterdir()
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert {r["outcome"] for r in report["requirements"]} == {"not-claimed"}
    assert report["summary"]["conformant"] is True


def test_the_plugin_is_inert_without_a_target(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_nothing_to_do_with_us():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "conformance of" not in result.stdout.str()


def test_checks_without_a_target_say_so(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--requirement", "C-001")
    assert result.ret != pytest.ExitCode.OK
    assert "need a target" in result.stdout.str() + result.stderr.str()


def test_a_malformed_target_file_is_a_usage_error(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("base_url: nowhere\n", encoding="utf-8")
    result = _run(pytester, "--target", str(bad))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert str(bad) in result.stderr.str()


def test_checks_deselected_with_k_end_skip_not_error(
    pytester: pytest.Pytester, target_file: Callable[..., Path], tmp_path: Path
) -> None:
    result = _run(
        pytester,
        "--target",
        str(target_file()),
        "--standard",
        "PORT",
        "-k",
        "media_store",
        "--report-dir",
        str(tmp_path / "r"),
    )
    result.assert_outcomes(passed=1)
    (run_dir,) = (tmp_path / "r").iterdir()
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    outcomes = {r["id"]: r["outcome"] for r in report["requirements"]}
    assert outcomes["PORT-016"] == "pass"
    assert {o for rid, o in outcomes.items() if rid != "PORT-016"} == {"skip"}
