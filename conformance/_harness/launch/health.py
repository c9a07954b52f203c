"""Waiting for a launched platform: its health URL answers 2xx, it exits, or time runs out.

The container's state is read before each try, so one that exits at once
is reported at once, not after the whole ``start_timeout``. The tries are
plain GETs to a loopback URL (``settings`` refuses any other), without
proxies from the environment and without following redirects; they are not
evidence of the run, which starts only once the platform is healthy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

_FIRST_PAUSE = 0.1
_LONGEST_PAUSE = 0.5
_TRY_SECONDS = 2.0


@dataclass(frozen=True)
class Waited:
    """How the wait ended: ``healthy``, or ``exited`` (with the code) or ``timeout``."""

    how: str
    seconds: float
    last_answer: str = ""
    exit_code: int | None = None


def wait_healthy(
    url: str,
    timeout: float,
    state: Callable[[], tuple[str, int | None]],
    *,
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[float], None] = time.sleep,
) -> Waited:
    """Poll ``url`` with short pauses until it answers 2xx, ``state`` says the container
    ended, or ``timeout`` seconds pass."""
    start = clock()
    deadline = start + timeout
    wait = _FIRST_PAUSE
    last = "no answer yet"
    with requests.Session() as http:
        http.trust_env = False  # no proxy: the URL is loopback
        while True:
            status, code = state()
            if status in ("exited", "dead"):
                return Waited("exited", clock() - start, last, code)
            left = deadline - clock()
            if left <= 0:
                return Waited("timeout", clock() - start, last)
            answer = _try(http, url, min(_TRY_SECONDS, max(left, 0.1)))
            if answer is None:
                return Waited("healthy", clock() - start)
            last = answer
            left = deadline - clock()
            if left <= 0:
                return Waited("timeout", clock() - start, last)
            pause(min(wait, left))
            wait = min(wait * 1.5, _LONGEST_PAUSE)


def _try(http: requests.Session, url: str, seconds: float) -> str | None:
    """None when ``url`` answers 2xx; otherwise what happened, for the timeout message."""
    try:
        with http.get(url, timeout=seconds, allow_redirects=False, stream=True) as response:
            if 200 <= response.status_code < 300:
                return None
            return f"answered {response.status_code}"
    except requests.ConnectionError:
        return "refused the connection (nothing listens yet)"
    except requests.Timeout:
        return f"did not answer within {seconds:.1f} s"
    except requests.RequestException as exc:
        return f"failed: {type(exc).__name__}"
