"""``conformance serve-reference``: a temporary folder by default, an env file a shell sources,
``--choices`` and ``--fault NAME`` (a failing platform, without writing code).

Each test starts the command as a child process in a folder of its own and
stops it with SIGTERM; nothing is left running.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
import requests
import yaml

from conformance._harness.cli import EXIT_NOT_CONFORMANT, EXIT_USAGE, main
from conformance._harness.cli_serve import behind_fault
from conformance._harness.report.outputs import run_dirs
from conformance.faults.catalog import load_faults
from conformance.reference.target_files import export_line, read_env_file

CLI = [sys.executable, "-m", "conformance._harness.cli"]
_SECONDS = 60.0

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")


class _Serving:
    """``conformance serve-reference …`` as a child process, its output read line by line."""

    def __init__(self, cwd: Path, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
        self.process = subprocess.Popen(
            [*CLI, "serve-reference", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=cwd,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))

    def until(self, start: str) -> str:
        """Lines up to the first that starts with ``start``; that line."""
        while True:
            try:
                line = self.lines.get(timeout=_SECONDS)
            except queue.Empty:
                pytest.fail(f"no line starting {start!r}; printed: {self.seen}")
            self.seen.append(line)
            if line.startswith(start):
                return line

    def value(self, start: str) -> str:
        """The path or URL a line names after ``start``."""
        return self.until(start)[len(start) :].split()[0]

    def stop(self) -> int:
        """SIGTERM, and the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=_SECONDS)
            pytest.fail("serve-reference did not stop on SIGTERM")


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[list[_Serving]]:
    started: list[_Serving] = []
    yield started
    for served in started:
        served.stop()
        if served.process.stdout is not None:
            served.process.stdout.close()


def _start(started: list[_Serving], cwd: Path, *args: str) -> _Serving:
    served = _Serving(cwd, *args)
    started.append(served)
    return served


def test_without_data_it_writes_into_a_temporary_folder_removed_at_stop(
    serving: list[_Serving], tmp_path: Path
) -> None:
    served = _start(serving, tmp_path)
    target = Path(served.value("target file: "))
    env = Path(served.value("token and secret key env file (0600): "))
    served.until("both are in a temporary folder")
    assert target.is_file() and env.is_file()
    assert not target.is_relative_to(tmp_path) and list(tmp_path.iterdir()) == []
    assert served.stop() == 0
    assert not target.exists() and not env.exists() and list(tmp_path.iterdir()) == []


def test_the_env_file_is_export_lines_a_shell_sources(
    serving: list[_Serving], tmp_path: Path
) -> None:
    served = _start(serving, tmp_path, "--data", str(tmp_path / "data"))
    base_url = served.value("reference platform serving at ")
    target = Path(served.value("target file: "))
    env = Path(served.value("token and secret key env file (0600): "))
    assert target.parent == tmp_path / "data"
    lines = env.read_text(encoding="utf-8").splitlines()
    assert lines and all(line.startswith("export ") and "='" in line for line in lines)
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    name = document["credentials"]["first_party"]["alice"]["token_env"]
    sourced = subprocess.run(
        ["sh", "-c", f'. "$1" && printf %s "${name}"', "sh", str(env)],
        capture_output=True,
        text=True,
        timeout=_SECONDS,
        check=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    ).stdout
    assert sourced == read_env_file(env)[name] and sourced
    answer = requests.get(
        base_url + "/port/v1/exports", headers={"Authorization": f"Bearer {sourced}"}, timeout=30
    )
    assert answer.status_code == 200
    assert sourced not in "\n".join(served.seen)
    assert served.stop() == 0
    assert env.is_file()  # --data keeps it


def test_export_lines_quote_what_a_shell_would_expand() -> None:
    line = export_line("T", "a'b $HOME `x`")
    done = subprocess.run(
        ["sh", "-c", line + 'printf %s "$T"'], capture_output=True, text=True, check=True
    )
    assert done.stdout == "a'b $HOME `x`"


def test_choices_name_the_platform_it_is(serving: list[_Serving], tmp_path: Path) -> None:
    served = _start(serving, tmp_path, "--choices", "alt", "--data", str(tmp_path / "alt"))
    target = yaml.safe_load(Path(served.value("target file: ")).read_text(encoding="utf-8"))
    assert target["cloud"]["s3"]["addressing"] == "virtual"  # alt takes the other option
    served.stop()


def test_an_unknown_choice_set_or_fault_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve-reference", "--choices", "nope"]) == EXIT_USAGE
    assert "--choices" in capsys.readouterr().err
    name = load_faults()[0].name
    assert main(["serve-reference", "--fault", name[:-1] + "#"]) == EXIT_USAGE
    assert f"Did you mean {name}" in capsys.readouterr().err


def test_a_fault_is_served_in_front_of_the_reference_and_its_run_fails(
    serving: list[_Serving],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fault = next(f for f in load_faults() if f.name == "deletes-forgotten")
    served = _start(serving, tmp_path, "--fault", fault.name)
    reference = served.value("reference platform serving at ")
    proxy = served.value(f"fault {fault.name} served at ")
    assert served.until("  ") == f"  {fault.description}"
    assert served.until("  it must break: ") == f"  it must break: {', '.join(fault.breaks)}"
    target = Path(served.value("target file: "))
    env = Path(served.value("token and secret key env file (0600): "))
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert document["base_url"] == proxy != reference
    assert document["cloud"]["oci"]["endpoint"] == proxy  # one server with the API
    for name, value in read_env_file(env).items():
        monkeypatch.setenv(name, value)
    reports = str(tmp_path / "r")
    code = main(
        ["run", "--target", str(target), "--requirement", "PORT-015", "--report-dir", reports]
    )
    out = capsys.readouterr().out
    assert code == EXIT_NOT_CONFORMANT, out
    assert any(
        line.split()[:4] == ["PORT-015", "MUST", "core", "FAIL"] for line in out.splitlines()
    )
    assert run_dirs(tmp_path / "r")
    assert served.stop() == 0


def test_a_fault_in_front_of_a_surface_moves_only_that_surface() -> None:
    def document() -> dict[str, object]:
        return {
            "base_url": "http://127.0.0.1:1000",
            "cloud": {
                "s3": {"endpoint": "http://127.0.0.1:1001"},
                "oci": {"endpoint": "http://127.0.0.1:1000"},
            },
        }

    s3 = behind_fault(document(), "s3", "http://127.0.0.1:2000")
    assert s3["base_url"] == "http://127.0.0.1:1000"
    assert s3["cloud"] == {
        "s3": {"endpoint": "http://127.0.0.1:2000"},
        "oci": {"endpoint": "http://127.0.0.1:1000"},
    }
    api = behind_fault(document(), "api", "http://127.0.0.1:2000")
    assert api["base_url"] == "http://127.0.0.1:2000"
    assert api["cloud"] == {
        "s3": {"endpoint": "http://127.0.0.1:1001"},
        "oci": {"endpoint": "http://127.0.0.1:2000"},
    }
