"""Servers the suite starts stop at once: a stop wakes the serving loop instead of waiting for its poll."""

from __future__ import annotations

import socket
import socketserver
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from conformance.faults.catalog import load_faults
from conformance.faults.proxy import FaultProxy
from conformance.reference.server import STOP_POLL_SECONDS, ReferencePlatform, ServingThread


class _Echo(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.wfile.write(self.rfile.readline())


def _seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_a_stop_does_not_wait_for_the_poll(host: str) -> None:
    server = socketserver.ThreadingTCPServer((host, 0), _Echo)
    serving = ServingThread(server, "echo")
    server.timeout = 30.0  # were the stop to wait for the poll, it would take this long
    serving.start()
    with socket.create_connection(("127.0.0.1", server.server_address[1])) as conn:
        conn.sendall(b"ping\n")
        assert conn.makefile("rb").readline() == b"ping\n"
    assert _seconds(serving.stop) < 5.0
    assert not serving.is_alive()
    assert server.socket.fileno() == -1  # closed


def test_the_reference_platform_stops_within_its_poll(tmp_path: Path) -> None:
    stops = []
    for i in range(3):
        platform = ReferencePlatform(data_dir=tmp_path / str(i)).start()
        requests.get(platform.base_url + "/.well-known/interop", timeout=10)
        stops.append(_seconds(platform.stop))
    assert min(stops) < STOP_POLL_SECONDS, stops


def test_a_fault_proxy_stops_within_the_poll(reference: ReferencePlatform) -> None:
    fault = load_faults()[0]
    stops = []
    for _ in range(3):
        proxy = FaultProxy(reference.base_url, fault)
        with proxy:
            requests.get(proxy.base_url + "/.well-known/interop", timeout=10)
            started = time.perf_counter()
        stops.append(time.perf_counter() - started)
    assert min(stops) < STOP_POLL_SECONDS, stops
