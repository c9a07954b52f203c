"""``deploy/`` and ``examples/``: manifests valid against Kubernetes' schemas, workflows that
call commands the suite has.

Every manifest under ``deploy/`` is validated with ``kubernetes-validate``
(strict: an unknown field is an error) against the schemas the package
ships; no network is used (the test forbids sockets while validating). The
campaign Job is held to its invariants: Indexed, one completion per target
file of its ConfigMap, the suite image, the index reaching ``--index``, and
its ConfigMap and Secret read by the campaign's own planner as a pod would.
The CI examples parse as YAML, and every suite command in them parses with
the suite's own argument parser.
"""

from __future__ import annotations

import re
import shlex
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from conformance._harness.campaign.plan import plan_targets, read_env_file
from conformance._harness.catalogue import Catalogue
from conformance._harness.cli import _parser
from conformance._harness.cli_campaign import _campaign
from conformance._harness.target import load_target
from conformance._harness.tolerate import load_tolerations

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
EXAMPLES = ROOT / "examples"
KUBERNETES = DEPLOY / "kubernetes"
SUITE_IMAGE = "interop-conformance/suite"
INDEX_ANNOTATION = "metadata.annotations['batch.kubernetes.io/job-completion-index']"


def _documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def _manifests() -> list[Path]:
    return sorted(DEPLOY.rglob("*.yaml"))


def _resources() -> dict[str, dict[str, Any]]:
    """Every resource under deploy/kubernetes by ``Kind/name``."""
    found = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in _documents(path):
            found[f"{document['kind']}/{document['metadata']['name']}"] = document
    return found


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any socket opened while validating fails the test: the schemas must ship offline."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("kubernetes-validate tried to open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize("path", _manifests(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_manifest_is_valid_against_the_kubernetes_schemas(path: Path) -> None:
    documents = _documents(path)
    assert documents, f"{path} holds no manifest"
    for document in documents:
        kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)


def test_the_validator_rejects_what_the_cluster_would() -> None:
    """The check above can fail: a misspelt field and a wrong type are each refused."""
    job = _resources()["Job/conformance-campaign"]
    version = kubernetes_validate.latest_version()
    misspelt = {**job, "spec": {**job["spec"], "completionsMode": "Indexed"}}
    with pytest.raises(kubernetes_validate.ValidationError, match="completionsMode"):
        kubernetes_validate.validate(misspelt, version, strict=True)
    wrong_type = {**job, "spec": {**job["spec"], "completions": "three"}}
    with pytest.raises(kubernetes_validate.ValidationError, match="three"):
        kubernetes_validate.validate(wrong_type, version, strict=True)


def test_the_campaign_job_runs_one_indexed_pod_per_target_of_its_configmap() -> None:
    resources = _resources()
    job = resources["Job/conformance-campaign"]
    spec, pod = job["spec"], job["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    sources = volumes["targets"]["projected"]["sources"]
    configmap = resources[f"ConfigMap/{_source(sources, 'configMap')}"]
    secret = resources[f"Secret/{_source(sources, 'secret')}"]
    targets = sorted(k for k in configmap["data"] if k.endswith((".yaml", ".yml")))
    assert spec["completionMode"] == "Indexed"
    assert spec["completions"] == len(targets) == 3
    assert 1 <= spec["parallelism"] <= spec["completions"]
    assert not pod.get("hostNetwork", False)  # in a cluster, the pod network reaches platforms
    assert pod["restartPolicy"] == "Never"
    (container,) = pod["containers"]
    image = container["image"]
    assert image.rsplit(":", 1)[0].endswith(SUITE_IMAGE), image
    env = {e["name"]: e for e in container["env"]}
    assert env["JOB_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"] == INDEX_ANNOTATION
    args = container["args"]
    assert args[:2] == ["campaign", "/targets"]
    assert args[args.index("--index") + 1] == "$(JOB_INDEX)"
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["targets"] == "/targets"
    claim = volumes["reports"]["persistentVolumeClaim"]["claimName"]
    assert f"PersistentVolumeClaim/{claim}" in resources
    assert args[args.index("--out") + 1] == mounts["reports"]
    assert sorted(secret["stringData"]) == sorted(Path(t).with_suffix(".env").name for t in targets)
    parsed = _parser().parse_args([a.replace("$(JOB_INDEX)", "2") for a in args])
    assert parsed.command is _campaign and parsed.index == 2


def test_each_pod_plans_its_target_from_the_projected_configmap_and_secret(
    tmp_path: Path,
) -> None:
    """The /targets folder a pod sees (ConfigMap and Secret in one projected volume):
    the planner picks one target per index, in key order, each with its own env file,
    and every target file loads with the variables its env file sets."""
    resources = _resources()
    configmap = resources["ConfigMap/conformance-targets"]["data"]
    secret = resources["Secret/conformance-secrets"]["stringData"]
    for key, text in {**configmap, **secret}.items():
        (tmp_path / key).write_text(text, encoding="utf-8")
    planned = plan_targets([tmp_path])
    assert [t.name for t in planned] == [Path(k).stem for k in sorted(configmap)]
    for target in planned:
        assert target.env_file is not None
        loaded = load_target(target.file, read_env_file(target.env_file))
        assert loaded.name == target.name


def _source(sources: list[dict[str, Any]], kind: str) -> str:
    (name,) = [s[kind]["name"] for s in sources if kind in s]
    return str(name)


# --- examples/: CI workflows for a platform that self-certifies ----------------------------

WORKFLOWS = sorted((EXAMPLES / "github-actions").glob("*.yml")) + sorted(
    (EXAMPLES / "gitlab-ci").glob("*.yml")
)
_SUITE = re.compile(r"^(conformance|\"\$SUITE_IMAGE\"|\$SUITE_IMAGE)$")


def _scripts(node: Any) -> Iterator[str]:
    """Every shell script of a workflow: GitHub's ``run:``, GitLab's ``script:`` lines."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                yield value
            elif key in ("script", "before_script", "after_script") and isinstance(value, list):
                yield from (str(line) for line in value)
            else:
                yield from _scripts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _scripts(item)


def suite_commands(script: str) -> list[list[str]]:
    """The suite's command lines in a script: the words after ``conformance`` or the suite
    image, up to the end of that command (a newline, ``;``, ``||``, ``&&`` or ``|``)."""
    found = []
    for command in re.split(r"\n|;|\|\||&&|\|", script.replace("\\\n", " ")):
        try:
            words = shlex.split(command, comments=True)
        except ValueError:
            continue
        for i, word in enumerate(words):
            if _SUITE.match(word) or word == "$SUITE_IMAGE":
                found.append(words[i + 1 :])
                break
    return found


def test_the_examples_are_there() -> None:
    assert [p.parent.name for p in WORKFLOWS] == ["github-actions", "gitlab-ci"]
    for name in ("target.yaml", "tolerate.yaml"):
        assert (EXAMPLES / "conformance" / name).is_file()


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.parent.name)
def test_every_suite_command_of_a_workflow_parses_with_the_suite_s_parser(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    commands = [c for script in _scripts(workflow) for c in suite_commands(script)]
    used = {c[0] for c in commands}
    assert {"run", "diff"} <= used, used  # a run against the platform, gated by a diff
    parser = _parser()
    for words in commands:
        concrete = [w.replace("$CONFORMANCE_ENV", "env") for w in words]
        try:
            parsed = parser.parse_args(concrete)
        except SystemExit:
            pytest.fail(f"{path.name}: `conformance {' '.join(words)}` is not a suite command")
        assert callable(parsed.command)
    diff = next(c for c in commands if c[0] == "diff")
    assert "--tolerate" in diff


def test_suite_commands_are_found_where_a_script_runs_them() -> None:
    script = 'docker run --rm \\\n  -v x:/y "$SUITE_IMAGE" run --target t.yaml || code=$?\n'
    script += "conformance diff a b --tolerate t.yaml; echo done\n"
    assert suite_commands(script) == [
        ["run", "--target", "t.yaml"],
        ["diff", "a", "b", "--tolerate", "t.yaml"],
    ]


def test_the_example_target_file_loads_and_the_tolerate_file_reads() -> None:
    target = EXAMPLES / "conformance" / "target.yaml"
    names = re.findall(r"token_env: ([A-Z0-9_]+)", target.read_text(encoding="utf-8"))
    loaded = load_target(target, dict.fromkeys(names, "a-token"))
    assert loaded.base_url == "http://127.0.0.1:8080"
    tolerate = EXAMPLES / "conformance" / "tolerate.yaml"
    (entry,) = load_tolerations(tolerate, [r.id for r in Catalogue.load()])
    assert entry.requirement == "DISC-006"
