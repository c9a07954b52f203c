"""Debian's Chromium, headless, driven by Playwright: what the browser tests share.

Playwright's own browser download is never used: it launches the Chromium
Debian installs (``.ci/run`` does), with the flags that keep it off the
network. Each page records everything it tried to do, for the tests to judge.
Screenshots go to the test's temporary folder unless ``CONFORMANCE_SCREENSHOTS``
names where to keep them (``screenshot_path``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CONFORMANCE_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS_ENV = "CONFORMANCE_SCREENSHOTS"
"""Set to a folder to keep the tests' screenshots there; ``reports/screenshots`` refreshes
the ones the README shows."""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@dataclass
class Opened:
    """A page opened in Chromium, with everything it tried to do."""

    page: Any
    console: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def chromium() -> Iterator[Any]:
    """The launched browser (a fixture's body); skipped without Chromium, failed in CI."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_page(browser: Any, document: Path) -> Opened:
    """``document`` opened from ``file://``, its console, errors, requests and dialogs recorded
    (a dialog is dismissed)."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    opened = Opened(page)
    page.on("console", lambda m: opened.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.on("request", lambda r: opened.requests.append(r.url))

    def dialog(d: Any) -> None:
        opened.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(document.as_uri())
    return opened


def screenshot_path(name: str, scratch: Path) -> Path:
    """Where a test writes the screenshot ``name``.

    Under ``$CONFORMANCE_SCREENSHOTS`` when it is set (the README's command
    that refreshes the committed ones), else in the test's own temporary
    folder: the screenshot is still taken, and a run of the tests leaves the
    working tree as it found it.
    """
    chosen = os.environ.get(SCREENSHOTS_ENV, "")
    folder = Path(chosen).resolve() if chosen else scratch / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
