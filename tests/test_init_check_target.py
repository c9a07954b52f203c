"""``conformance init`` writes a starter a run loads; ``check-target`` finds every problem at once.

Against the reference: each standard's starter, filled in with the
reference's addresses, ids and tokens, loads with the target loader and
passes ``check-target`` (every credential accepted, S3 keys listing
buckets); mistakes, unset variables, a refused token, a wrong S3 secret and
an unreachable base URL are each reported, all in one go, with exit 2, and
only GET leaves the suite.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from conformance._harness.cli import EXIT_USAGE, main
from conformance._harness.starter import NEEDS, env_names, starter
from conformance._harness.target import CLIENTS, CORE_USERS, Role, load_target
from conformance._harness.target_check import check_target
from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.catalog import Fault
from conformance.faults.proxy import FaultProxy
from conformance.faults.transforms import TRANSFORMS
from conformance.reference.server import ReferencePlatform
from conformance.reference.target_files import OCI_USER

STANDARDS = [s for s in NEEDS if s != "COMMON"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _filled(text: str, reference: ReferencePlatform, base_url: str | None = None) -> dict[str, Any]:
    """The starter with the reference's addresses and ids where the placeholders are."""
    document: dict[str, Any] = yaml.safe_load(text)
    document["base_url"] = base_url or reference.base_url
    document["users"] = {u: {"id": reference.identities.users[u]} for u in document["users"]}
    document["limits"] = {"requests_per_second": 0}
    cloud = document.get("cloud")
    if cloud:
        cloud["s3"]["endpoint"] = reference.s3_endpoint
        for user, entry in cloud["s3"]["users"].items():
            entry["access_key_id"] = reference.identities.s3_keys[user][0]
        cloud["oci"]["endpoint"] = reference.base_url
    return document


def _secrets(document: dict[str, Any], reference: ReferencePlatform) -> dict[str, str]:
    """Each variable the document names, set to the reference's secret it stands for."""
    ids = reference.identities
    env = {
        body["token_env"]: ids.token(client, user)
        for client, users in document["credentials"].items()
        for user, body in users.items()
    }
    cloud = document.get("cloud") or {}
    for user, entry in cloud.get("s3", {}).get("users", {}).items():
        env[entry["secret_access_key_env"]] = ids.s3_keys[user][1]
    if "oci" in cloud:
        env[cloud["oci"]["password_env"]] = ids.token("first_party", OCI_USER)
    return env


# -- init ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("standard", STANDARDS)
def test_each_standards_starter_loads_once_its_variables_are_set(
    standard: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.yaml"
    assert main(["init", "--standard", standard, "--out", str(out), "--name", "acme"]) == 0
    text = out.read_text(encoding="utf-8")
    printed = capsys.readouterr().out
    names = env_names(text)
    assert names and all(name.startswith("ACME_") for name in names)
    assert all(f"export {name}=" in printed for name in names)
    assert "<" in text and "#" in text  # placeholders to replace, comments that say what
    with pytest.raises(Exception, match="not set or empty"):
        load_target(out, {})
    target = load_target(out, dict.fromkeys(names, "a-token-of-the-platform"))
    needs = NEEDS[standard]
    assert set(CORE_USERS) | set(needs.users) <= set(target.users)
    assert {Role(c, u) for c, u in needs.roles} <= set(target.credentials)
    assert bool(target.s3) is needs.s3 and bool(target.oci) is needs.oci
    assert bool(target.domains) is needs.domains
    if needs.domains:
        assert set(target.domains) == {"own", "competitor", "neutral"}


def test_init_without_a_standard_covers_them_all_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.yaml"
    assert main(["init", "--out", str(out)]) == 0
    first = out.read_text(encoding="utf-8")
    target = load_target(out, dict.fromkeys(env_names(first), "x" * 12))
    assert {Role(c, u) for c in CLIENTS for u in ("w1", "m2")} <= set(target.credentials)
    assert target.s3 is not None and target.domains
    capsys.readouterr()
    assert main(["init", "--standard", "PORT", "--out", str(out)]) == EXIT_USAGE
    assert "never overwrites" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == first


def test_init_of_an_unknown_standard_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--standard", "PROT", "--out", str(tmp_path / "t.yaml")]) == EXIT_USAGE
    assert "PORT" in capsys.readouterr().err and not (tmp_path / "t.yaml").exists()


def test_init_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--standard", "LINK", "--out", "-"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["domains"]["competitor"]


# -- check-target against the reference ----------------------------------------------------------


@pytest.mark.parametrize("standard", [*STANDARDS, "all"])
def test_a_filled_in_starter_passes_check_target_against_the_reference(
    standard: str, reference: ReferencePlatform, tmp_path: Path
) -> None:
    chosen = [] if standard == "all" else [standard]
    document = _filled(starter(chosen, "acme"), reference)
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    env = _secrets(document, reference)
    assert load_target(path, env).base_url == reference.base_url
    found = check_target(path, env)
    assert not found.problems, found.render()
    subjects = {line.subject for line in found.lines}
    for client, users in document["credentials"].items():
        for user in users:
            assert f"credentials.{client}.{user}.token_env" in subjects
    if NEEDS.get(standard, NEEDS["CLOUD"]).s3 or standard == "all":
        assert {"cloud.s3.users.alice", "cloud.s3.users.bob", "cloud.oci"} <= subjects
    assert "no problem found" in found.render()


def test_check_target_exits_0_and_the_run_needs_nothing_more(
    reference: ReferencePlatform,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = _filled(starter(["PORT"], "acme"), reference)
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    for name, value in _secrets(document, reference).items():
        monkeypatch.setenv(name, value)
    assert main(["check-target", str(path)]) == 0
    out = capsys.readouterr().out
    assert "no problem found" in out
    for value in _secrets(document, reference).values():
        assert value not in out
    code = main(
        [
            "run",
            "--target",
            str(path),
            "--requirement",
            "PORT-001",
            "--report-dir",
            str(tmp_path / "r"),
        ]
    )
    assert code == 0, capsys.readouterr().out


def test_every_problem_is_reported_at_once(
    reference: ReferencePlatform, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = _filled(starter(["PORT", "CLOUD"], "acme"), reference)
    env = _secrets(document, reference)
    unset = [document["credentials"]["first_party"]["bob"]["token_env"]]
    unset.append(document["cloud"]["s3"]["users"]["bob"]["secret_access_key_env"])
    for name in unset:
        del env[name]
    env[document["credentials"]["third_party"]["carol"]["token_env"]] = "not-a-token-it-issued"
    env[document["cloud"]["s3"]["users"]["alice"]["secret_access_key_env"]] = "wrong-secret-key"
    document["limits"]["request_timout"] = 5  # a typo
    document["colour"] = "blue"  # not a key
    document["clients"]["partner"] = {}  # not a client
    document["users"]["carol"] = {"name": "no id"}
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    found = check_target(path, env)
    problems = {line.subject: line.text for line in found.problems}
    expected = {
        "colour",
        "clients.partner",
        "users.carol.id",
        "limits.request_timout",
        "credentials.first_party.bob.token_env",
        "cloud.s3.users.bob.secret_access_key_env",
        "credentials.third_party.carol.token_env",
        "cloud.s3.users.alice",
    }
    assert expected <= set(problems), found.render()
    assert (
        "refused the token of third_party/carol with 401"
        in problems["credentials.third_party.carol.token_env"]
    )
    assert "Fix: export " in problems["credentials.first_party.bob.token_env"]
    assert "ListBuckets" in problems["cloud.s3.users.alice"]
    fine = {line.subject for line in found.lines if line.ok}
    assert {"discovery", "credentials.first_party.alice.token_env"} <= fine
    assert (
        "not-a-token-it-issued" not in found.render() and "wrong-secret-key" not in found.render()
    )


def test_an_unreachable_base_url_and_a_missing_file_are_problems(
    reference: ReferencePlatform, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = _filled(starter(["PORT"], "acme"), reference, f"http://127.0.0.1:{_closed_port()}")
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    found = check_target(path, _secrets(document, reference))
    assert [line.subject for line in found.problems] == ["base_url"]
    assert "nothing answered" in found.problems[0].text
    assert main(["check-target", str(tmp_path / "missing.yaml")]) == EXIT_USAGE
    assert "does not exist" in capsys.readouterr().out


class _Methods(Transform):
    """Records the method of every request that reaches the platform."""

    seen: ClassVar[list[str]] = []

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        self.seen.append(request.method)
        return None


def test_check_target_sends_only_get(
    reference: ReferencePlatform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(TRANSFORMS, "methods", _Methods)
    _Methods.seen = []
    with FaultProxy(reference.base_url, Fault("methods", (), "test only", "methods")) as proxy:
        document = _filled(starter([], "acme"), reference, proxy.base_url)
        document["cloud"]["oci"]["endpoint"] = proxy.base_url
        path = tmp_path / "t.yaml"
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
        found = check_target(path, _secrets(document, reference))
    assert not found.problems, found.render()
    assert _Methods.seen and set(_Methods.seen) == {"GET"}
