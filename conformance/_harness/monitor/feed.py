"""``feed.xml``: the monitor's alerts as an Atom feed (RFC 4287), beside ``history.json``.

Made anew from the history after each run, newest alert first, at most
``MOST_ENTRIES``: a feed reader (or a CI job) polling the file sees each
alert once, under an id that stays the same (a UUID derived from the run's
id). Every text passes through ``xml_text`` and ElementTree's escaping, so
what a platform put in a reason can neither break the XML nor add to it.
Links are relative to the feed, to the run's own ``index.html``.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance._harness.monitor.history import History
from conformance._harness.safe_text import xml_text

FEED_FILE = "feed.xml"
ATOM = "http://www.w3.org/2005/Atom"
MOST_ENTRIES = 50


def write_feed(history: History) -> Path:
    """Write ``feed.xml`` for ``history``'s alerts; returns its path."""
    feed = ET.Element("feed", xmlns=ATOM)  # children unprefixed: in Atom's namespace
    _add(feed, "id", _urn(f"conformance-monitor:{history.platform}|{history.base_url}"))
    _add(feed, "title", f"Conformance monitor: {history.platform}")
    _add(feed, "subtitle", f"Alerts of the scheduled runs against {history.base_url}")
    alerts = [e for e in history.runs if e.get("alert")][-MOST_ENTRIES:]
    newest = alerts[-1].get("finished_at") if alerts else None
    _add(feed, "updated", str(newest or _now()))
    author = ET.SubElement(feed, "author")
    _add(author, "name", "conformance monitor")
    ET.SubElement(feed, "link", rel="self", href=FEED_FILE)
    for entry in reversed(alerts):
        _entry(feed, history.platform, entry)
    path = history.folder / FEED_FILE
    scratch = path.with_name(f".{FEED_FILE}.tmp")
    ET.ElementTree(feed).write(scratch, encoding="utf-8", xml_declaration=True)
    scratch.replace(path)
    return path


def _entry(feed: ET.Element, platform: str, alert: Mapping[str, Any]) -> None:
    entry = ET.SubElement(feed, "entry")
    run_id = str(alert.get("run_id", ""))
    _add(entry, "id", _urn(f"conformance-run:{run_id}"))
    _add(entry, "title", title(platform, alert))
    _add(entry, "updated", str(alert.get("finished_at") or _now()))
    if alert.get("dir"):
        ET.SubElement(entry, "link", href=xml_text(f"{alert['dir']}/index.html"))
    _add(entry, "summary", summary(alert))


def title(platform: str, alert: Mapping[str, Any]) -> str:
    """``REGRESSION on NAME: PORT-015 pass -> fail`` (the feed's and the webhook's headline)."""
    kind = str(alert.get("alert", "")).upper().replace("-", " ")
    changes = alert.get("regressions") or []
    what = ", ".join(
        f"{c.get('id')} {c.get('before')} -> {c.get('after')}"
        for c in changes[:5]
        if isinstance(c, dict)
    )
    more = f" and {len(changes) - 5} more" if len(changes) > 5 else ""
    return f"{kind} on {platform}: {what}{more}" if what else f"{kind} on {platform}"


def summary(alert: Mapping[str, Any]) -> str:
    """The alert's run, its baseline, and its headline, in plain text."""
    baseline = alert.get("baseline")
    compared = f"compared with run {baseline}" if baseline else "no earlier run to compare with"
    return (
        f"Run {alert.get('run_id')} ({alert.get('started_at')}), {compared}: "
        f"{alert.get('headline', '')}"
    )


def _add(parent: ET.Element, tag: str, text: str) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = xml_text(text)
    return child


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
