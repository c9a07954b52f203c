"""Where each file of the site goes, named once (paths relative to the site's root).

::

    index.html                       the matrix: platforms x requirements
    platforms/<platform>.html        a platform: badges, history, monitor timeline, runs
    runs/<run>.html                  a run: verdict, signature, requirements
    runs/<run>/                      the run's sealed files as the run wrote them
                                     (index.html, report.json, evidence.jsonl, manifest...)
    badges/<platform>-<standard>.svg one badge per platform and standard
    data/index.json, data/platform-<platform>.json, data/run-<run>.json
                                     the JSON behind each page

Names are slugs (``collect.platform_slug``, ``collect.run_slug``): letters,
digits, dots, dashes and underscores only, so no name from a report can
reach outside the site or into a link's scheme.
"""

from __future__ import annotations

import hashlib
import re

INDEX = "index.html"
INDEX_DATA = "data/index.json"
OWNED = ("index.html", "platforms", "runs", "badges", "data")
"""What a publish writes at the root, and replaces when it publishes again."""
MARKER = ".conformance-site"
"""A file that says a folder holds a site this command wrote (so it may replace it)."""
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def platform_page(slug: str) -> str:
    """A platform's page."""
    return f"platforms/{slug}.html"


def platform_data(slug: str) -> str:
    """The JSON behind a platform's page."""
    return f"data/platform-{slug}.json"


def run_page(slug: str) -> str:
    """A run's page on the site."""
    return f"runs/{slug}.html"


def run_files(slug: str) -> str:
    """The folder of the run's sealed files."""
    return f"runs/{slug}"


def run_data(slug: str) -> str:
    """The JSON behind a run's page."""
    return f"data/run-{slug}.json"


def badge(platform_slug: str, standard: str) -> str:
    """A platform's badge for one standard."""
    safe = _UNSAFE.sub("-", standard).strip("-").lower() or "standard"
    if safe != standard.lower():
        safe += "-" + hashlib.sha256(standard.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    return f"badges/{platform_slug}-{safe}.svg"
