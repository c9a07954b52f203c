"""``conformance monitor``: scheduled runs, a history, and an alert when a fault is switched on.

The regression test runs the monitor through the command line against the
reference behind a fault proxy that passes everything through; once the
first scheduled run is in ``history.json``, the proxy's transform is
switched to ``deletes-forgotten``, so the second run (3 s later) fails
PORT-015. The monitor must then exit 1, write the alert into
``feed.xml`` and POST it to a loopback receiver. The webhook guard is
tested with destinations that must be refused without a packet leaving:
every socket connection is made to fail the test while they are checked.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from conformance._harness.cli import main
from conformance._harness.errors import UsageError
from conformance._harness.monitor.feed import ATOM, write_feed
from conformance._harness.monitor.history import History
from conformance._harness.monitor.loop import EXIT_ALERTED
from conformance._harness.monitor.schedule import Schedule, parse_interval
from conformance._harness.monitor.webhook import checked
from conformance._harness.site import layout
from conformance._harness.site.collect import platform_slug
from conformance.faults.base import Transform
from conformance.faults.catalog import load_faults
from conformance.faults.proxy import FaultProxy
from conformance.reference.server import ReferencePlatform

A = f"{{{ATOM}}}"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def receiver(serve_http: Callable[..., str]) -> tuple[str, list[dict[str, Any]]]:
    """A loopback webhook receiver: its URL (with a secret path) and the POSTs it got."""
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(
                {"path": self.path, "type": self.headers["Content-Type"], "body": json.loads(body)}
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return serve_http(Hook) + "/hooks/s3cr3t-path", received


@pytest.fixture
def no_connection(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Any socket connection fails the test (what was attempted is kept)."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"a connection was attempted to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts


# -- the schedule and the guard -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("6h", 21600), ("15m", 900), ("30s", 30), ("1h30m", 5400), ("0.5s", 0.5), (" 2M ", 120)],
)
def test_an_interval_is_a_number_and_a_unit(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["6", "h", "6d", "-1s", "0s", "1h 30m", "6hours", ""])
def test_anything_else_is_not_an_interval(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_interval(text)


def test_runs_keep_to_the_grid_and_an_overrun_skips_slots_without_going_back_to_back() -> None:
    grid = Schedule(start=100.0, every=10.0)
    assert grid.next_slot(0, ended=103.0) == (1, 110.0)
    # Ended at 109.5: the next slot (110) is under a tenth of the interval away, so 120.
    assert grid.next_slot(0, ended=109.5) == (2, 120.0)
    assert grid.next_slot(0, ended=135.0) == (4, 140.0)
    assert grid.next_slot(3, ended=141.0) == (5, 150.0)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://192.0.2.10:8080/hook", "not on loopback"),
        ("https://hooks.example.org/T000/B000/secret", "not on loopback"),
        ("http://127.0.0.1@192.0.2.10/hook", "userinfo"),
        ("http://127.0.0.1:8000\\@192.0.2.10/hook", "backslash"),
        ("ftp://127.0.0.1/hook", "not HTTP"),
        ("http://[::ffff:192.0.2.10]/hook", "not on loopback"),
    ],
)
def test_a_webhook_off_this_machine_is_refused_before_connecting(
    url: str, why: str, no_connection: list[Any]
) -> None:
    with pytest.raises(UsageError, match=why):
        checked(url)
    assert no_connection == []


def test_a_webhook_host_named_by_the_user_is_allowed_and_only_its_origin_is_kept(
    no_connection: list[Any],
) -> None:
    hook = checked("https://hooks.example.org/T000/B000/secret", ["hooks.example.org"])
    assert hook.origin == "https://hooks.example.org"
    assert checked("http://[::1]:9/x").origin == "http://[::1]:9"
    assert checked("http://localhost:9/x").origin == "http://localhost:9"
    assert no_connection == []


def test_usage_errors_come_before_any_run(
    tmp_path: Path, target_file: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history"
    base = ["monitor", "--every", "1s", "--history", str(history)]
    target = str(target_file())
    assert main([*base]) == 2
    assert main([*base, "--target", target, "--webhook", "http://192.0.2.10/hook"]) == 2
    assert main([*base, "--target", target, "--runs", "0"]) == 2
    for wrong in (["--every", "soon"], ["--every", "1s", "--report-dir", str(tmp_path / "r")]):
        with pytest.raises(SystemExit) as stop:
            main(["monitor", "--target", target, "--history", str(history), *wrong])
        assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "monitor needs --target FILE" in err
    assert "refused before connecting: http://192.0.2.10 is not on loopback" in err
    assert "'soon' is not an interval" in err and "Traceback" not in err
    assert not history.exists(), "nothing is written before the usage is right"


# -- scheduled runs -------------------------------------------------------------------------


def _switch_on_after_first_run(
    history: Path, proxy: FaultProxy, fault: Transform, stop: threading.Event
) -> threading.Thread:
    """Turns the fault on as soon as the first run is in the history (between two runs)."""

    def watch() -> None:
        while not stop.is_set():
            try:
                runs = json.loads((history / "history.json").read_bytes())["runs"]
            except (OSError, ValueError, KeyError):
                runs = []
            if runs:
                proxy.transform = fault
                return
            time.sleep(0.02)

    thread = threading.Thread(target=watch, name="switch-fault-on", daemon=True)
    thread.start()
    return thread


@pytest.mark.slow
def test_a_fault_switched_on_between_two_runs_raises_the_alert(
    tmp_path: Path,
    reference: ReferencePlatform,
    target_file: Callable[..., Path],
    receiver: tuple[str, list[dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    hook, received = receiver
    fault = next(f for f in load_faults() if f.name == "deletes-forgotten")
    history = tmp_path / "history"
    stop = threading.Event()
    with FaultProxy(reference.base_url, fault) as proxy:
        proxy.transform = Transform()  # passes everything: the first run is clean
        watcher = _switch_on_after_first_run(history, proxy, fault.build(), stop)
        target = target_file(base_url=proxy.base_url)
        code = main(
            [
                "monitor",
                "--target",
                str(target),
                "--every",
                "3s",
                "--runs",
                "2",
                "--history",
                str(history),
                "--requirement",
                "PORT-015",
                "--requirement",
                "C-005",
                "--examples",
                "2",
                "--webhook",
                hook,
            ]
        )
        stop.set()
        watcher.join(5)
    out = capsys.readouterr().out
    assert code == EXIT_ALERTED, out
    assert "monitor: next run at" in out
    assert "monitor: ALERT: REGRESSION on reference-from-file: PORT-015 pass -> fail" in out
    assert "s3cr3t" not in out, "the webhook's path (its secret) is never shown"

    document = json.loads((history / "history.json").read_text(encoding="utf-8"))
    first, second = document["runs"]
    assert (first["alert"], first["baseline"], first["state"]) == (None, None, "partial")
    assert first["counts"]["pass"] == 2 and first["requests"] > 0
    assert second["alert"] == "regression" and second["baseline"] == first["run_id"]
    assert second["state"] == "not-conformant"
    assert [(r["id"], r["before"], r["after"]) for r in second["regressions"]] == [
        ("PORT-015", "pass", "fail")
    ]
    assert second["webhook"]["delivered"] is True and second["webhook"]["status"] == 204
    assert "s3cr3t" not in json.dumps(document)
    for entry in (first, second):
        assert (history / entry["dir"] / "report.json").is_file()
        assert entry["duration_s"] > 0
    assert first["started_at"] < second["started_at"]

    feed = ET.parse(history / "feed.xml").getroot()
    assert feed.tag == f"{A}feed"
    (entry,) = feed.findall(f"{A}entry")
    assert entry.findtext(f"{A}title") == (
        "REGRESSION on reference-from-file: PORT-015 pass -> fail"
    )
    assert entry.findtext(f"{A}id", "").startswith("urn:uuid:")
    link = entry.find(f"{A}link")
    assert link is not None and (history / link.attrib["href"]).is_file()
    assert second["run_id"] in entry.findtext(f"{A}summary", "")

    (post,) = received
    assert post["path"] == "/hooks/s3cr3t-path" and post["type"] == "application/json"
    body = post["body"]
    assert (body["alert"], body["run_id"], body["baseline"]) == (
        "regression",
        second["run_id"],
        first["run_id"],
    )
    assert body["regressions"][0]["id"] == "PORT-015"
    assert body["platform"] == "reference-from-file"

    # The site shows the history as a timeline: a bar per run, a marker on the alert.
    site = tmp_path / "site"
    assert main(["publish", str(history), "--out", str(site)]) == 0
    page = site / layout.platform_page(platform_slug("reference-from-file"))
    text = page.read_text(encoding="utf-8")
    timeline = text.split('<div class="monitor">')[1].split("</table>")[0]
    bars = re.findall(r'<rect [^>]*class="(st-[a-z-]+)"', timeline)
    assert bars == ["st-partial", "st-not-conformant"], "a bar per run, coloured by its state"
    assert timeline.count('class="alert"') == 1
    assert "PORT-015 pass -&gt; fail" in timeline
    data = json.loads(
        (site / layout.platform_data(platform_slug("reference-from-file"))).read_text(
            encoding="utf-8"
        )
    )
    (watched,) = data["monitors"]
    assert [r["alert"] for r in watched["runs"]] == [None, "regression"]


@pytest.mark.slow
def test_a_platform_that_stops_answering_raises_a_no_verdict_alert_once(
    tmp_path: Path, target_file: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history"
    gone = f"http://127.0.0.1:{_closed_port()}"
    hook = f"http://127.0.0.1:{_closed_port()}/hooks/s3cr3t-path"  # nobody listens
    target = target_file(base_url=gone)
    argv = ["monitor", "--target", str(target), "--every", "0.2s", "--history", str(history)]
    assert main([*argv, "--runs", "2", "--webhook", hook]) == EXIT_ALERTED
    out = capsys.readouterr().out
    runs = json.loads((history / "history.json").read_text(encoding="utf-8"))["runs"]
    assert [r["alert"] for r in runs] == ["no-verdict", None], "a platform still down is one alert"
    assert [r["state"] for r in runs] == ["no-verdict", "no-verdict"]
    delivery = runs[0]["webhook"]
    assert delivery["delivered"] is False and delivery["status"] is None
    assert "s3cr3t" not in delivery["problem"] + out
    assert "webhook: NOT delivered" in out
    feed = ET.parse(history / "feed.xml").getroot()
    assert [e.findtext(f"{A}title") for e in feed.findall(f"{A}entry")] == [
        "NO VERDICT on reference-from-file"
    ]
    # The same history, monitored again, carries on: a third entry, no new alert.
    assert main([*argv, "--runs", "1"]) == 0
    assert len(json.loads((history / "history.json").read_bytes())["runs"]) == 3
    other = target_file(name="other.yaml")
    other.write_text(other.read_text(encoding="utf-8").replace("reference-from-file", "other"))
    assert (
        main(["monitor", "--target", str(other), "--every", "1s", "--history", str(history)]) == 2
    )
    assert "one history folder per platform" in capsys.readouterr().err


def test_the_feed_keeps_a_hostile_platforms_text_as_text(tmp_path: Path) -> None:
    hostile = '<script>alert(1)</script> ]]> & "\x1b[31m'
    history = History(tmp_path, hostile, "http://127.0.0.1:9", 60.0)
    history.runs.append(
        {
            "run_id": "r1",
            "dir": "runs/r1",
            "started_at": "2026-12-05T10:00:00Z",
            "finished_at": "2026-12-05T10:00:05Z",
            "alert": "regression",
            "baseline": "r0",
            "headline": hostile,
            "regressions": [{"id": hostile, "before": "pass", "after": "fail"}],
        }
    )
    feed = ET.parse(write_feed(history)).getroot()
    (entry,) = feed.findall(f"{A}entry")
    title = entry.findtext(f"{A}title", "")
    assert title.startswith('REGRESSION on <script>alert(1)</script> ]]> & "\\x1b[31m: ')
    assert feed.find(f"{A}script") is None and entry.find(f"{A}script") is None
    assert "\x1b" not in (tmp_path / "feed.xml").read_text(encoding="utf-8")
