"""Text from a report made inert in Markdown, for summaries other tools render.

A platform controls much of a reason's text; where it lands in Markdown
(GitHub's step summary, a certificate) it must not become HTML, a link, an
image or a table cell border. Every character Markdown could act on is
escaped, and the text is folded onto one line.
"""

from __future__ import annotations

_ACTIVE = "\\`*_[]()!|#~"


def md_text(text: str, limit: int = 0) -> str:
    """``text`` on one line, every Markdown and HTML metacharacter escaped; cut at ``limit``."""
    text = " ".join(text.split())
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join("\\" + c if c in _ACTIVE else c for c in text)
