"""LINK-007: the text of a share page as served, before any script runs.

The bytes are decoded as an HTML parser would (HTML Living Standard
§13.2.3): a byte order mark, else the ``charset`` of ``Content-Type``, else
a ``<meta charset>`` (or ``http-equiv``) in the first 1024 bytes, else UTF-8
(the encoding HTML requires of documents). The page is parsed with
:mod:`html.parser` (character references decoded); the text is every
character datum outside ``script``, ``style``, ``template``, ``noscript``
and ``title``, with ``<br>`` and the edges of block elements (``p``,
``div``, ``li``…) read as line breaks, as a browser lays them out; inline
elements (``span``, ``a``, ``wbr``) and comments split nothing. Runs of
HTML whitespace (tab, LF, FF, CR, space) count as one space on both sides of
the comparison, since HTML renders them so.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from typing import Final

_HIDDEN: Final = frozenset({"script", "style", "template", "noscript", "title"})
_BLOCKS: Final = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend",
        "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_WHITESPACE: Final = re.compile(r"[\t\n\f\r ]+")
_META_CHARSET: Final = re.compile(
    rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE
)
_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# Labels the Encoding Standard maps to windows-1252 (Python's latin-1 differs in 0x80-0x9F).
_WINDOWS_1252: Final = frozenset(
    {
        "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1",
        "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1",
        "us-ascii", "windows-1252", "x-cp1252",
    }
)  # fmt: skip


def _codec(label: str) -> str | None:
    label = label.strip().strip("\"'").lower()
    if label in _WINDOWS_1252:
        return "cp1252"
    if label in ("utf-16", "utf-16le"):
        return "utf-16-le"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def charset_of(content_type: str) -> str | None:
    """The ``charset`` parameter of a ``Content-Type`` value, if it names a known encoding."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return _codec(value)
    return None


def decode_page(content: bytes, content_type: str) -> str:
    """The page's characters, decoded the way an HTML parser decides its encoding."""
    for bom, name in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(name, errors="replace")
    encoding = charset_of(content_type)
    if encoding is None:
        found = _META_CHARSET.search(content[:1024])
        encoding = _codec(found.group(1).decode("ascii")) if found else None
        if encoding in ("utf-16-le", "utf-16-be"):
            encoding = "utf-8"  # a <meta> naming UTF-16 means UTF-8 (§13.2.3.2)
    return content.decode(encoding or "utf-8", errors="replace")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden.append(tag)
        elif tag == "br" or tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and tag in self.hidden:
            while self.hidden and self.hidden.pop() != tag:
                pass
        elif tag in _BLOCKS:
            self.parts.append("\n")

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
    """Runs of HTML whitespace as one space, without leading or trailing HTML whitespace."""
    return _WHITESPACE.sub(" ", text).strip("\t\n\f\r ")


def shows(html: str, text: str) -> bool:
    """Whether the page's text contains ``text`` (both whitespace-collapsed)."""
    return collapse(text) in page_text(html)
