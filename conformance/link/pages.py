"""LINK-007: the text of a share page as served, before any script runs.

The page is parsed with :mod:`html.parser` (character references decoded);
the text is every character datum outside ``script``, ``style``,
``template``, ``noscript`` and ``title``, with ``<br>`` read as a line
break. Runs of HTML whitespace (tab, LF, FF, CR, space) count as one space
on both sides of the comparison, since HTML renders them so.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Final

_HIDDEN: Final = frozenset({"script", "style", "template", "noscript", "title"})
_WHITESPACE: Final = re.compile(r"[\t\n\f\r ]+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden.append(tag)
        elif tag == "br":
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and tag in self.hidden:
            while self.hidden and self.hidden.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def page_text(html: str) -> str:
    """The visible text of an HTML page, whitespace runs collapsed to one space."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return collapse("".join(parser.parts))


def collapse(text: str) -> str:
    """Runs of HTML whitespace as one space, without leading or trailing space."""
    return _WHITESPACE.sub(" ", text).strip()


def shows(html: str, text: str) -> bool:
    """Whether the page's text contains ``text`` (both whitespace-collapsed)."""
    return collapse(text) in page_text(html)
