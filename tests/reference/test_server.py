"""The reference platform as a process: lifecycle, identities, target files, parity."""

from __future__ import annotations

import os
import queue
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
import requests
import yaml
from reference_support import TIMEOUT, Api, record

import conformance.reference
from conformance._harness.target import Role, load_target
from conformance.reference import ReferencePlatform, generate_identities
from conformance.reference.identities import DEFAULT_USERS
from conformance.reference.target_files import read_env_file

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


# Sets SIGINT's disposition (argv[1]) and execs the rest: a disposition of
# SIG_IGN survives exec, as for a job a shell starts in the background.
_EXEC_WITH_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, getattr(signal, sys.argv[1])); "
    "os.execv(sys.executable, sys.argv[2:])"
)
# Generous, for a machine busy with other work; a healthy stop takes well under a second.
_START_SECONDS = 60.0
_STOP_SECONDS = 30.0


class _Served:
    """``python -m conformance.reference`` as a child process, read line by line.

    It stays in the test's process group, so that whatever stops the test
    run as a group (a CI job's timeout, Ctrl-C) stops it too.
    """

    def __init__(self, data: Path, sigint: str | None = None) -> None:
        command = [sys.executable, "-m", "conformance.reference", "--port", "0", "--s3-port", "0"]
        command += ["--data", str(data)]
        if sigint is not None:
            command = [sys.executable, "-c", _EXEC_WITH_SIGINT, sigint, *command]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(MAIN)},
            cwd=data.parent,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line)

    def line(self, timeout: float = _START_SECONDS) -> str:
        """The next printed line; a process that prints nothing in time fails the test."""
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"the reference printed nothing within {timeout:.0f} s")

    def stop(self, sig: signal.Signals) -> tuple[int, str, str]:
        """Send ``sig``; return the exit code, the rest of stdout, and stderr."""
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the reference did not stop within {_STOP_SECONDS:.0f} s of {sig.name}")
        assert self.process.stderr is not None
        stderr = self.process.stderr.read()
        self._reader.join(_STOP_SECONDS)  # the last lines, up to end of file
        rest = []
        while not self._lines.empty():
            rest.append(self._lines.get())
        return self.process.returncode, "".join(rest), stderr

    def kill(self) -> None:
        """Kill the process if it is still running, and close the pipes."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=_STOP_SECONDS)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., _Served]]:
    """Starts the reference as a process; whatever the test does, nothing is left running."""
    if sys.platform == "win32":
        pytest.skip("needs POSIX signals")
    started: list[_Served] = []

    def start(sigint: str | None = None) -> _Served:
        """``sigint``: SIG_DFL or SIG_IGN for the process; None inherits the test's."""
        served = _Served(tmp_path / "data", sigint)
        started.append(served)
        return served

    yield start
    for served in started:
        served.kill()


def test_module_main_serves_and_writes_target_files(
    serve: Callable[..., _Served], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    served = serve()
    printed = [served.line() for _ in range(5)]
    base_url = printed[0].rsplit(" ", 1)[1].strip()
    assert base_url.startswith("http://127.0.0.1:")
    discovery = requests.get(base_url + "/.well-known/interop", timeout=TIMEOUT)
    assert discovery.json()["platform"] == "reference"

    target = yaml.safe_load((data / "target.yaml").read_text(encoding="utf-8"))
    env_path = data / "reference.env"
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
    tokens = read_env_file(env_path)  # export NAME='value' lines, as a shell sources them
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

    code, out, stderr = served.stop(signal.SIGTERM)
    assert (code, out) == (0, "stopping on SIGTERM\n"), stderr
    with pytest.raises(requests.ConnectionError):
        requests.get(base_url + "/.well-known/interop", timeout=TIMEOUT)


@pytest.mark.parametrize("sigint", ["SIG_DFL", "SIG_IGN"])
def test_module_main_stops_on_sigint_unless_started_ignoring_it(
    serve: Callable[..., _Served], sigint: str
) -> None:
    ignore_sigint = sigint == "SIG_IGN"
    served = serve(sigint)
    printed = [served.line() for _ in range(5)]
    assert ("Ctrl-C" in printed[4]) is not ignore_sigint
    assert f"(kill {served.process.pid})" in printed[4]
    if ignore_sigint:
        # The kernel drops a signal the process ignores when it is sent, so
        # the SIGTERM that follows is the first signal it sees.
        served.process.send_signal(signal.SIGINT)
    stop_with = signal.SIGTERM if ignore_sigint else signal.SIGINT
    code, out, stderr = served.stop(stop_with)
    assert (code, out) == (0, f"stopping on {stop_with.name}\n"), stderr
