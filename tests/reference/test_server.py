"""The reference platform as a process: lifecycle, identities, target files, parity."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml
from reference_support import TIMEOUT, Api, record

import conformance.reference
from conformance.reference import ReferencePlatform, generate_identities
from conformance.reference.identities import DEFAULT_USERS
from conformance.target import Role, load_target

MAIN = Path(__file__).resolve().parents[2]


def test_public_interface_is_what_all_says() -> None:
    assert sorted(conformance.reference.__all__) == [
        "Identities",
        "ReferencePlatform",
        "generate_identities",
    ]
    for name in conformance.reference.__all__:
        assert getattr(conformance.reference, name) is not None


def test_identities_cover_every_role_and_hide_tokens() -> None:
    identities = generate_identities()
    assert set(identities.users) == set(DEFAULT_USERS)
    assert set(identities.clients) == {"first_party", "third_party", "competitor"}
    for headers in identities.clients.values():
        assert set(headers) == {"User-Agent", "Origin", "Referer"}
    roles = 3 * len(DEFAULT_USERS)
    assert len(identities.tokens) == roles and len(set(identities.tokens.values())) == roles
    assert not any(token in repr(identities) for token in identities.tokens.values())
    assert generate_identities().tokens != identities.tokens
    with pytest.raises(KeyError, match="clients are"):
        identities.token("nobody", "alice")


def test_start_and_stop_and_accounts_survive_a_restart(tmp_path: Path) -> None:
    platform = ReferencePlatform(tmp_path)
    with pytest.raises(RuntimeError, match="not running"):
        _ = platform.base_url
    with platform:
        assert platform.base_url.startswith("http://127.0.0.1:")
        users = dict(platform.identities.users)
        token = platform.identities.token("first_party", "alice")
        api = Api(platform, "first_party", "alice")
        post = api.import_records(record("Post", "kept"))["id_map"]["kept"]
        url = platform.base_url
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/.well-known/interop", timeout=2)
    with ReferencePlatform(tmp_path) as again:
        assert again.identities.users == users
        assert again.identities.token("first_party", "alice") != token
        again_api = Api(again, "first_party", "alice")
        assert post in {r["id"] for r in again_api.exported_records()}
        profiles = [r for r in again_api.exported_records() if r["type"] == "Profile"]
        assert len(profiles) == 1


def test_temporary_data_dir_is_removed_on_stop() -> None:
    with ReferencePlatform() as platform:
        data_dir = platform.data_dir
        assert (data_dir / "reference.sqlite3").exists()
    assert not data_dir.exists()


def test_clients_get_the_same_answers(platform: ReferencePlatform) -> None:
    roles = [
        Api(platform, client, "bob") for client in ("first_party", "third_party", "competitor")
    ]
    roles[0].import_records(record("Post", "parity"))
    answers = [
        (api.get("/port/v1/changes").json(), api.get("/port/v1/exports/none").status_code)
        for api in roles
    ]
    assert answers[0] == answers[1] == answers[2]


def test_module_main_serves_and_writes_target_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(MAIN)}
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.reference", "--port", "0", "--data", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        printed = [process.stdout.readline() for _ in range(4)]
        base_url = printed[0].rsplit(" ", 1)[1].strip()
        assert base_url.startswith("http://127.0.0.1:")
        discovery = requests.get(base_url + "/.well-known/interop", timeout=TIMEOUT)
        assert discovery.json()["platform"] == "reference"

        target = yaml.safe_load((data / "target.yaml").read_text(encoding="utf-8"))
        env_path = data / "reference.env"
        assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
        tokens = dict(line.split("=", 1) for line in env_path.read_text().splitlines())
        assert target["base_url"] == base_url
        assert set(target["users"]) == set(DEFAULT_USERS)
        name = target["credentials"]["third_party"]["alice"]["token_env"]
        response = requests.get(
            base_url + "/port/v1/exports",
            headers={"Authorization": f"Bearer {tokens[name]}"},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200
        assert not any(token in "".join(printed) for token in tokens.values())
        assert not any(token in (data / "target.yaml").read_text() for token in tokens.values())
        # The written file is a target the suite loads as it is, with the env file's tokens.
        loaded = load_target(data / "target.yaml", tokens)
        assert loaded.base_url == base_url and loaded.domains["competitor"]
        assert loaded.token(Role("third_party", "alice")).reveal() == tokens[name]
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
