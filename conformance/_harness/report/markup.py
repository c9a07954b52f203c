"""Text made inert for index.html: every string a page holds passes through here.

A platform controls much of what a report quotes (reasons, bodies, header
names and values, URLs). In the page each is text and nothing else:
markup characters and both quotes are escaped (so no element and no
attribute can be opened or closed), control characters, terminal escape
sequences, bidi overrides and lone surrogates are shown as visible escapes
(``\\x1b``, ``\\ud800``), and nothing from the platform ever becomes a link
target, an attribute name or a style. The page's own anchors are made from
the catalogue's ids, reduced to letters, digits and dashes.
"""

from __future__ import annotations

import html
import re

from conformance._harness.safe_text import console_text

_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9-]")


def esc(value: object) -> str:
    """``value`` as inert HTML text (element content or a double-quoted attribute value)."""
    return html.escape(console_text(str(value)), quote=True)


def cut(text: str, most: int) -> str:
    """``text`` shortened to ``most`` characters, saying how many were left out."""
    if len(text) <= most:
        return text
    return f"{text[:most]}… ({len(text) - most} characters more in report.json)"


def anchor(value: str) -> str:
    """An element id (and ``#`` target) made of letters, digits and dashes only."""
    return "x-" + _ANCHOR_UNSAFE.sub("-", value)


def element(tag: str, content: str, css: str = "") -> str:
    """``<tag class="css">content</tag>``: ``content`` is markup already escaped."""
    return f'<{tag} class="{esc(css)}">{content}</{tag}>' if css else f"<{tag}>{content}</{tag}>"
