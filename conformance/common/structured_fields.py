"""HTTP Structured Field values (RFC 9651), as the suite's headers need them.

``RateLimit`` and ``RateLimit-Policy`` (``conformance.common.ratelimits``) and
``Deprecation`` (RFC 9745, an sf-date) are Structured Fields. Parsing is
``http-sf``'s (a maintained RFC 9651 implementation); this module only gives
its results the shape the suite reads: an :class:`Item` with ``value`` and
``params``, an sf-date as :class:`Date` (whole Unix seconds, told apart from
an sf-integer) and an sf-token as :class:`Token`. A value that is not valid
raises :class:`SFError`, whole: RFC 9651 has recipients ignore such a field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import http_sf

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


def _bare(value: Any) -> BareItem:
    if isinstance(value, datetime):
        return Date(int(value.timestamp()))
    if isinstance(value, http_sf.Token):
        return Token(str(value))
    if isinstance(value, bool | int | float | str | bytes):
        return value
    return str(value)  # a Decimal or a Display String


def _item(parsed: tuple[Any, dict[str, Any]]) -> Item:
    value, params = parsed
    shaped = {key: _bare(v) for key, v in params.items()}
    if isinstance(value, list):  # an inner list
        return Item(tuple(_item(member) for member in value), shaped)
    return Item(_bare(value), shaped)


def _parse(value: str, kind: Literal["item", "list", "dictionary"]) -> Any:
    try:
        return http_sf.parse(value.encode("ascii"), tltype=kind)
    except (UnicodeEncodeError, ValueError) as exc:  # http_sf's errors are ValueErrors
        raise SFError(f"not a valid sf-{kind}: {value!r} ({exc})") from None


def parse_list(value: str) -> list[Item]:
    """An sf-list: its members, in order."""
    plain = _plain_list(value)
    if plain is not None:
        return plain
    return [_item(member) for member in _parse(value, "list")]


# The shape a platform sends a RateLimit in, on every answer: sf-strings without escapes,
# each with sf-integer parameters only, members parted by "," or ", ", no white space
# around. Each piece is RFC 9651's grammar, narrowed (ASCII classes; no \d, which
# matches other digits too); anything else goes to the full parser.
_KEY = r"[a-z*][a-z0-9_.*-]*"
_PARAM = rf";({_KEY})=(-?[0-9]{{1,15}})"
_MEMBER = rf'"([\x20\x21\x23-\x5b\x5d-\x7e]*)"((?:{_PARAM})*)'
_PLAIN_LIST = re.compile(rf"{_MEMBER}(?:, ?{_MEMBER})*")
_PLAIN_MEMBER = re.compile(_MEMBER)
_PLAIN_PARAM = re.compile(_PARAM)


def _plain_list(value: str) -> list[Item] | None:
    """An sf-list in the plain shape above, read as RFC 9651 reads it; None for any other.

    Why: the probe reads every answer's ``RateLimit``, whose counts change each
    time; the general parser takes some 8 µs for it, this a fraction. A
    parameter named twice keeps its last value, as RFC 9651 §4.2.3.2 says.
    """
    if _PLAIN_LIST.fullmatch(value) is None:
        return None
    return [
        Item(member[1], {key: int(number) for key, number in _PLAIN_PARAM.findall(member[2])})
        for member in _PLAIN_MEMBER.finditer(value)
    ]


def parse_dictionary(value: str) -> dict[str, Item]:
    """An sf-dictionary: member name → member (the last one, where a name repeats)."""
    return {key: _item(member) for key, member in _parse(value, "dictionary").items()}


def parse_item(value: str) -> Item:
    """One sf-item with its parameters."""
    return _item(_parse(value, "item"))
