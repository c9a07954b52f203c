"""The public page of a shared post, written in any of the ways HTML allows.

The post text must be contained in the page "as served, parsed as HTML,
before any script runs" (LINK.md). Every form here keeps it so, for any text
of Unicode scalar values without U+0000 (which HTML cannot carry): the
escaping (:data:`ESCAPERS`), the layout around it, where the encoding is
declared, and what else the page holds (a banner, metadata, scripts) may
vary; the text may not.
"""

from __future__ import annotations

import html
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from html.entities import html5
from typing import Final

_URL: Final = re.compile(r"https?://[^\s<>\"]+")
_WORD: Final = re.compile(r"\S+|\s+")
_NEEDS_LT: Final = re.compile(r"<(?=[A-Za-z!/?])")
_CRAWLER: Final = re.compile(r"bot|spider|crawl|facebookexternalhit|preview", re.IGNORECASE)
_MOBILE: Final = re.compile(r"Mobile|Android|iPhone|iPad", re.IGNORECASE)
_RAW: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t\n\r\f")


def _named() -> dict[str, str]:
    # One HTML5 name per character (the shortest, then alphabetically first),
    # only names with their semicolon and a single character as value.
    names: dict[str, str] = {}
    for name, value in sorted(html5.items(), key=lambda item: (len(item[0]), item[0])):
        if name.endswith(";") and len(value) == 1 and value not in _RAW:
            names.setdefault(value, name)
    return names


_NAMED: Final = _named()


def _noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def _reference(char: str) -> str:
    code = ord(char)
    if char in _RAW or code < 0x20 or 0x7F <= code <= 0x9F or _noncharacter(code):
        # Controls and noncharacters are written as they are: a numeric
        # reference to one is a parse error, and those to C1 controls are
        # remapped to windows-1252 by the HTML parser.
        return char
    if char in _NAMED and code % 3 == 0:
        return "&" + _NAMED[char]
    if code % 3 == 1:
        return f"&#{code};"
    return f"&#{'x' if code % 2 else 'X'}{code:04x};"


def escape_references(text: str) -> str:
    """Every character but ASCII letters, digits and whitespace as a character reference."""
    return "".join(_reference(char) for char in text)


def escape_minimal(text: str) -> str:
    """Only what HTML requires in text: ``&`` always, ``<`` before a letter, ``!``, ``/``, ``?``."""
    return _NEEDS_LT.sub("&lt;", text.replace("&", "&amp;"))


def escape_html(text: str) -> str:
    """``&``, ``<``, ``>`` and both quotes as references (the usual escaping)."""
    return html.escape(text, quote=True)


ESCAPERS: Final[dict[str, Callable[[str], str]]] = {
    "escape": escape_html,
    "references": escape_references,
    "minimal": escape_minimal,
}


def _pieces(run: str, escape: Callable[[str], str]) -> str:
    # A long run is broken with <wbr>: no text of its own, so the text is unchanged.
    return "<wbr>".join(escape(run[i : i + 12]) for i in range(0, len(run), 12))


def _linkified_line(line: str, escape: Callable[[str], str]) -> str:
    out: list[str] = []
    for token in _WORD.findall(line):
        if token.isspace():
            out.append(escape(token) + "<!---->")
            continue
        at = 0
        for match in _URL.finditer(token):
            if match.start() > at:
                out.append(f"<span>{_pieces(token[at : match.start()], escape)}</span>")
            url = match.group(0)
            out.append(
                f'<a href="{html.escape(url, quote=True)}" rel="nofollow ugc">'
                f"{_pieces(url, escape)}</a>"
            )
            at = match.end()
        if at < len(token):
            out.append(f"<span>{_pieces(token[at:], escape)}</span>")
    return "".join(out)


def layout(text: str, style: str, escape: Callable[[str], str]) -> str:
    """The post text as the body of the article, in one of the layouts."""
    if style == "linkified":
        return (
            '<div class="post">'
            + "<br>".join(_linkified_line(line, escape) for line in text.split("\n"))
            + "</div>"
        )
    if style == "paragraphs":
        return "".join(
            f"<p>{escape(line)}</p>" if line else "<p><br></p>" for line in text.split("\n")
        )
    return f'<p style="white-space: pre-wrap">{escape(text)}</p>'


@dataclass(frozen=True)
class PageStyle:
    """The options of one platform's share pages."""

    escaping: str = "escape"
    layout: str = "pre-wrap"
    charset: str = "header"
    chrome: str = "plain"


def _script_json(value: object) -> str:
    # Inside <script>, "</script" and "<!--" must not appear: escape every "<".
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def share_page(
    text: str, post_id: str, style: PageStyle, user_agent: str
) -> tuple[str, dict[str, str]]:
    """The page of a post and its headers, for a visitor presenting ``user_agent``.

    Whatever the visitor, the status and the post text are the same; with
    ``per-visitor`` chrome only what surrounds the text differs.
    """
    escape = ESCAPERS[style.escaping]
    head = ['<meta charset="utf-8">'] if style.charset in ("meta", "both") else []
    head.append('<meta name="viewport" content="width=device-width, initial-scale=1">')
    head.append("<title>A shared post</title>")
    before = ""
    after = ""
    headers = {
        "Content-Type": "text/html"
        + ("; charset=utf-8" if style.charset in ("header", "both") else "")
    }
    if style.chrome == "per-visitor":
        nonce = secrets.token_urlsafe(12)
        headers["Content-Security-Policy"] = f"script-src 'nonce-{nonce}'"
        headers["Vary"] = "User-Agent"
        if _CRAWLER.search(user_agent):
            summary = html.escape(text[:200], quote=True)
            head.append(f'<meta property="og:description" content="{summary}">')
            head.append(f'<meta property="og:url" content="/posts/{html.escape(post_id)}">')
            head.append(
                '<script type="application/ld+json">'
                + _script_json({"@type": "SocialMediaPosting", "articleBody": text})
                + "</script>"
            )
        if _MOBILE.search(user_agent):
            before = (
                '<aside class="app-banner">Get notified of replies in the app. '
                '<a href="/app">Open in app</a></aside>'
            )
        after = (
            f'<script nonce="{nonce}" type="application/json" id="post-data">'
            + _script_json({"id": post_id, "text": text})
            + f'</script><script nonce="{nonce}">window.__post = 1;</script>'
        )
    page = (
        '<!doctype html>\n<html lang="und"><head>'
        + "".join(head)
        + "</head><body>"
        + before
        + "<main><article>"
        + layout(text, style.layout, escape)
        + "</article></main>"
        + after
        + "</body></html>\n"
    )
    return page, headers
