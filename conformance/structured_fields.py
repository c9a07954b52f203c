"""HTTP Structured Field values (RFC 9651 §4.2): the parsing the suite's headers need.

``RateLimit`` and ``RateLimit-Policy`` (``conformance.ratelimits``) and
``Deprecation`` (RFC 9745, an sf-date) are Structured Fields. A value that is
not valid parses to ``SFError``, whole: RFC 9651 has recipients ignore such
a field.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

__all__ = ["Date", "Item", "SFError", "Token", "parse_dictionary", "parse_item", "parse_list"]


class SFError(ValueError):
    """A field value that is not a valid Structured Field (RFC 9651 §4.2)."""


class Token(str):
    """An sf-token, told apart from an sf-string."""

    __slots__ = ()


class Date(int):
    """An sf-date (``@<unix seconds>``), told apart from an sf-integer."""

    __slots__ = ()


BareItem = int | float | str | bytes | bool


@dataclass(frozen=True)
class Item:
    """An sf-item, or an inner list (``value`` a tuple of items), with its parameters."""

    value: BareItem | tuple[Item, ...]
    params: dict[str, BareItem]


_KEY_FIRST = re.compile(r"[a-z*]")
_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]*)?")
_BASE64 = re.compile(r"[A-Za-z0-9+/=]*")


class _Parser:
    """RFC 9651 §4.2 parsing, over one field value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def skip(self, chars: str) -> None:
        while self.peek() and self.peek() in chars:
            self.pos += 1

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise SFError(f"expected {char!r} at {self.pos} in {self.text!r}")
        self.pos += 1

    def top(self, members: str) -> list[tuple[str, Item]] | list[Item]:
        self.skip(" ")
        if members == "item":
            parsed: list[tuple[str, Item]] | list[Item] = [Item(self.bare_item(), self.params())]
        else:
            parsed = self.dictionary() if members == "dictionary" else self.members()
        self.skip(" ")
        if self.pos != len(self.text):
            raise SFError(f"unexpected {self.peek()!r} at {self.pos} in {self.text!r}")
        return parsed

    def members(self) -> list[Item]:
        out: list[Item] = []
        while self.pos < len(self.text):
            out.append(self.item_or_inner_list())
            if not self.next_member():
                break
        return out

    def dictionary(self) -> list[tuple[str, Item]]:
        out: list[tuple[str, Item]] = []
        while self.pos < len(self.text):
            key = self.key()
            if self.peek() == "=":
                self.pos += 1
                member = self.item_or_inner_list()
            else:
                member = Item(True, self.params())
            out = [(k, v) for k, v in out if k != key] + [(key, member)]
            if not self.next_member():
                break
        return out

    def next_member(self) -> bool:
        """After a member: False at the end, True after a comma (a trailing comma fails)."""
        self.skip(" \t")
        if self.pos == len(self.text):
            return False
        self.expect(",")
        self.skip(" \t")
        if self.pos == len(self.text):
            raise SFError(f"a trailing comma in {self.text!r}")
        return True

    def item_or_inner_list(self) -> Item:
        if self.peek() != "(":
            return Item(self.bare_item(), self.params())
        self.pos += 1
        items: list[Item] = []
        while True:
            self.skip(" ")
            if self.peek() == ")":
                self.pos += 1
                return Item(tuple(items), self.params())
            items.append(Item(self.bare_item(), self.params()))
            if self.peek() not in (" ", ")"):
                raise SFError(f"an inner list not closed in {self.text!r}")

    def params(self) -> dict[str, BareItem]:
        out: dict[str, BareItem] = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip(" ")
            key = self.key()
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            out[key] = value
        return out

    def key(self) -> str:
        found = _KEY.match(self.text, self.pos) if _KEY_FIRST.match(self.peek()) else None
        if found is None:
            raise SFError(f"expected a key at {self.pos} in {self.text!r}")
        self.pos = found.end()
        return found.group()

    def bare_item(self) -> BareItem:
        char = self.peek()
        if char == "-" or char.isdigit():
            return self.number()
        if char == '"':
            return self.string()
        if char == "*" or (char.isascii() and char.isalpha()):
            found = _TOKEN.match(self.text, self.pos)
            assert found is not None
            self.pos = found.end()
            return Token(found.group())
        if char == ":":
            return self.byte_sequence()
        if char == "?":
            value = self.text[self.pos + 1 : self.pos + 2]
            if value not in ("0", "1"):
                raise SFError(f"a boolean must be ?0 or ?1 in {self.text!r}")
            self.pos += 2
            return value == "1"
        if char == "@":
            self.pos += 1
            date = self.number()
            if not isinstance(date, int):
                raise SFError(f"a date must be an integer in {self.text!r}")
            return Date(date)
        raise SFError(f"unexpected {char!r} at {self.pos} in {self.text!r}")

    def number(self) -> int | float:
        found = _NUMBER.match(self.text, self.pos)
        if found is None:
            raise SFError(f"expected a number at {self.pos} in {self.text!r}")
        text = found.group()
        digits = text.lstrip("-")
        if "." not in digits:
            if len(digits) > 15:
                raise SFError(f"an integer of more than 15 digits in {self.text!r}")
            self.pos = found.end()
            return int(text)
        whole, fraction = digits.split(".")
        if len(whole) > 12 or not 1 <= len(fraction) <= 3:
            raise SFError(f"a decimal out of range in {self.text!r}")
        self.pos = found.end()
        return float(text)

    def string(self) -> str:
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\":
                escaped = self.peek()
                if escaped not in ('"', "\\"):
                    raise SFError(f"a bad escape in {self.text!r}")
                out.append(escaped)
                self.pos += 1
            elif char == '"':
                return "".join(out)
            elif not 0x20 <= ord(char) <= 0x7E:
                raise SFError(f"a character outside a string's range in {self.text!r}")
            else:
                out.append(char)
        raise SFError(f"a string not closed in {self.text!r}")

    def byte_sequence(self) -> bytes:
        end = self.text.find(":", self.pos + 1)
        if end < 0 or not _BASE64.fullmatch(self.text, self.pos + 1, end):
            raise SFError(f"a bad byte sequence in {self.text!r}")
        try:
            value = base64.b64decode(self.text[self.pos + 1 : end] + "==")
        except (binascii.Error, ValueError) as exc:
            raise SFError(f"a bad byte sequence in {self.text!r}") from exc
        self.pos = end + 1
        return value


def parse_list(value: str) -> list[Item]:
    """An sf-list (RFC 9651 §4.2.1); SFError if the value is not one."""
    return _Parser(value).top("list")  # type: ignore[return-value]


def parse_dictionary(value: str) -> dict[str, Item]:
    """An sf-dictionary (RFC 9651 §4.2.2), last duplicate winning; SFError if not one."""
    return dict(_Parser(value).top("dictionary"))  # type: ignore[arg-type]


def parse_item(value: str) -> Item:
    """An sf-item (RFC 9651 §4.2.3) with its parameters; SFError if not one."""
    (item,) = _Parser(value).top("item")
    return item  # type: ignore[return-value]
