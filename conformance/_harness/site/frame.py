"""The frame every page of the site shares: head, Content-Security-Policy, navigation.

Pages are built like the run's ``index.html`` (its template and its policy):
one inline stylesheet allowed by its SHA-256 and nothing else, so no script
runs, nothing is fetched, and a string that slipped through escaping could
do nothing. Links between pages are relative, so the site works opened from
disk (``file://``) and served from any path.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

from conformance._harness.report.html import TEMPLATE, content_security_policy
from conformance._harness.report.markup import esc

STYLESHEET = Path(__file__).resolve().parent / "site.css"


def page(title: str, body: str, *, depth: int, data: str, extra_style: str = "") -> str:
    """A whole page; ``depth`` is how many folders below the site's root it lives,
    ``data`` the path (from the root) of the JSON it was made from."""
    style = STYLESHEET.read_text(encoding="utf-8") + extra_style
    up = "../" * depth
    nav = (
        f'<nav class="top"><a class="site" href="{up}index.html">Conformance results</a>'
        f'<a href="{up}index.html#matrix">matrix</a>'
        f'<a href="{up}index.html#platforms">platforms</a>'
        f'<a href="{up}{esc(data)}">the data behind this page (JSON)</a></nav>'
    )
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        csp=esc(content_security_policy(style)),
        style=style,
        title=esc(title),
        body=nav + body + _footer(),
    )


def _footer() -> str:
    return (
        "<footer>Published by <code>conformance publish</code>. Every run's sealed files are "
        "kept under <code>runs/&lt;run&gt;/</code>: <code>conformance verify runs/&lt;run&gt;</code> "
        "checks them again. No page runs a script or fetches anything.</footer>"
    )


def facts(rows: list[tuple[str, str]]) -> str:
    """A definition list of (name, value) pairs, both escaped here."""
    inner = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    return f'<dl class="facts">{inner}</dl>'


def figure(svg: str | None, caption: str, css: str = "") -> str:
    """An SVG picture (already escaped inside) and its escaped caption; nothing if no picture."""
    if svg is None:
        return ""
    attribute = f' class="{esc(css)}"' if css else ""
    return f"<figure{attribute}>{svg}<figcaption>{esc(caption)}</figcaption></figure>"
