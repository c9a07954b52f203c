"""The same verdicts in containers: the reference as an image, and the suite as an image.

Each test is one whole-catalogue run (~80 s) compared, requirement by
requirement, with what the in-process reference gives under the same choice
set: every requirement passes (tests/test_sensitivity.py runs that, under
every named set), so the expectation is that, and the in-process side is run
again only for a requirement that differs. A container that changed any
outcome (a file the wheel left out, an identity the target file and the
container disagree on, a port, the S3 surface) shows here.

A requirement whose outcome differs is decided once more on both sides, from
fresh platforms, with only the differing requirements selected, and must
agree then. Some checks measure time (FAIR-003 counts a quota within a rate
window) and may end ``error`` on a machine loaded by the other workers; a
difference the container causes shows again, a passing accident does not.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from docker_support import REFERENCE_LIMITS, differences

from conformance._harness.catalogue import Catalogue
from conformance._harness.launch.launcher import launched
from conformance._harness.options import Options
from conformance._harness.results import RunResult
from conformance._harness.runner import run
from conformance._harness.target import load_target
from conformance.reference.choices import choice_set
from conformance.reference.cloud_s3 import advertised_addressing
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target
from conformance.reference.target_files import read_env_file, write_target_files

pytestmark = pytest.mark.slow

ReferenceContainerTarget = Callable[..., tuple[Path, dict[str, str]]]
Outcomes = dict[str, str]
Side = Callable[[tuple[str, ...]], Outcomes]
"""Decides the given requirements (all when empty) from fresh platforms; their outcomes."""


def _outcomes(result: RunResult) -> Outcomes:
    return {r.info.id: r.outcome.value for r in result.requirements}


def _in_process(choices: str, requirements: tuple[str, ...] = ()) -> RunResult:
    """A run of the in-process reference and its second instance, as `conformance run
    --choices` makes it."""
    with ExitStack() as stack:
        first, second = (
            stack.enter_context(ReferencePlatform(choices=choice_set(choices))) for _ in range(2)
        )
        return run(
            reference_target(first),
            options=Options(requirements=requirements),
            second=reference_target(second, "reference-b"),
        )


def _agree(expected: Outcomes, got: Outcomes, choices: str, side: Side) -> None:
    """``got`` agrees with ``expected``, or each requirement that differs agrees when both
    sides decide it again (see the module's docstring)."""
    first = differences(expected, got)
    if not first:
        return
    again = tuple(sorted(r for r in set(expected) | set(got) if expected.get(r) != got.get(r)))
    expected_again = _outcomes(_in_process(choices, again))
    got_again = side(again)
    still = differences(expected_again, got_again)
    assert not still, "differ twice:\n" + "\n".join(still) + "\nfirst:\n" + "\n".join(first)


CATALOGUE = Catalogue.load()


def _in_process_verdicts() -> Outcomes:
    """What a whole run of the in-process reference decides under ``default`` and ``alt``:
    every requirement passes (proven by tests/test_sensitivity.py, under every named set)."""
    return {r.id: "pass" for r in CATALOGUE}


@pytest.mark.parametrize("choices", ["default", "alt"])
def test_reference_containers_give_the_in_process_verdicts(
    choices: str,
    reference_container_target: ReferenceContainerTarget,
    tmp_path: Path,
) -> None:
    """Two reference containers (PORT-005 and the other cross-target checks need a second
    platform), started from target files written before them through their ``launch``
    sections, probed by the suite on the host; their logs are kept with the evidence."""
    runs: list[RunResult] = []

    def containers(requirements: tuple[str, ...]) -> Outcomes:
        first, first_env = reference_container_target(choices, name="reference", prefix="A_")
        second, second_env = reference_container_target(choices, name="reference-b", prefix="B_")
        env = {**os.environ, **first_env, **second_env}
        target, other = load_target(first, env), load_target(second, env)
        options = Options(requirements=requirements, report_dir=tmp_path / f"reports{len(runs)}")
        with launched([target, other], say=lambda _: None) as logs:
            runs.append(run(target, options=options, second=other, plugins=[logs]))
        return _outcomes(runs[-1])

    got = containers(())
    _agree(_in_process_verdicts(), got, choices, containers)
    run_dir = tmp_path / "reports0" / runs[0].run_id
    kept = sorted(p.name for p in run_dir.glob("container*.log"))
    assert kept == ["container-reference-b.log", "container.log"], kept
    assert "serving at" in (run_dir / "container.log").read_text(encoding="utf-8")


@contextmanager
def _host_references(folder: Path) -> Iterator[tuple[Path, Path, dict[str, str]]]:
    """Two in-process references on the host (127.0.0.1), each described by a target file in
    ``folder/in`` (``B_``-prefixed variables for the second), and the environment both read."""
    with ExitStack() as stack:
        files: list[Path] = []
        env: dict[str, str] = {}
        for name, prefix in (("reference", ""), ("reference-b", "B_")):
            platform = stack.enter_context(ReferencePlatform(folder / f"{name}-data"))
            target, env_file = write_target_files(
                folder / name,
                platform.base_url,
                platform.identities,
                s3_endpoint=platform.s3_endpoint,
                s3_addressing=advertised_addressing(platform.choices),
            )
            document = yaml.safe_load(
                target.read_text(encoding="utf-8").replace("INTEROP_", f"{prefix}INTEROP_")
            )
            document |= {"name": name, "limits": dict(REFERENCE_LIMITS)}
            files.append(folder / "in" / f"{name}.yaml")
            files[-1].parent.mkdir(parents=True, exist_ok=True)
            files[-1].write_text(yaml.safe_dump(document), encoding="utf-8")
            env |= {f"{prefix}{k}": v for k, v in read_env_file(env_file).items()}
        yield files[0], files[1], env


def _suite_container(
    client: Any, image: str, labels: dict[str, str], folder: Path, requirements: tuple[str, ...]
) -> tuple[int, dict[str, Any], str]:
    """The suite image run against two fresh host references: exit code, report.json, log."""
    reports = folder / "reports"
    reports.mkdir(parents=True)
    with _host_references(folder) as (first, second, env):
        command = ["run", "--target", f"/work/in/{first.name}"]
        command += ["--second-target", f"/work/in/{second.name}", "--report-dir", "/reports"]
        command += ["--quiet", *(f"--requirement={r}" for r in requirements)]
        container = client.containers.create(
            image,
            command,
            environment=env,
            volumes={
                str(first.parent): {"bind": "/work/in", "mode": "ro"},
                str(reports): {"bind": "/reports", "mode": "rw"},
            },
            user=f"{os.getuid()}:{os.getgid()}",
            labels=labels,
            network_mode="host",
            detach=True,
        )
        try:
            container.start()
            status = container.wait(timeout=1200)
            log = container.logs(stdout=True, stderr=True).decode("utf-8", "replace")
        finally:
            container.remove(force=True, v=True)
    found = [p for p in reports.glob("*/report.json") if not p.parent.is_symlink()]
    assert len(found) == 1, f"{[p.name for p in reports.iterdir()]}\n{log[-3000:]}"
    assert (found[0].parent / "junit.xml").is_file()
    return int(status["StatusCode"]), json.loads(found[0].read_text(encoding="utf-8")), log


def test_suite_image_gives_the_in_process_verdicts(
    docker_client: Any,
    suite_image: str,
    docker_labels: dict[str, str],
    tmp_path: Path,
) -> None:
    """The suite image, with the target files and a report folder mounted, probing two
    in-process references on the host (its network), as a platform's CI would run it."""

    def suite(requirements: tuple[str, ...]) -> Outcomes:
        folder = tmp_path / "again"
        _, report, _ = _suite_container(
            docker_client, suite_image, docker_labels, folder, requirements
        )
        return {r["id"]: r["outcome"] for r in report["requirements"]}

    folder = tmp_path / "whole"
    code, report, log = _suite_container(docker_client, suite_image, docker_labels, folder, ())
    got = {r["id"]: r["outcome"] for r in report["requirements"]}
    expected = _in_process_verdicts()
    if not differences(expected, got):
        assert code == 0, log[-3000:]  # CONFORMANT, as the in-process run ends
    _agree(expected, got, "default", suite)
