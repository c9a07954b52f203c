"""JSON parsed within bounds, whatever a platform sends.

Python's ``json`` builds every value a document holds: 4 MiB of ``[{},{},…]``
becomes about 100 MiB of dictionaries, and a document nested 100 000 deep
ends in a ``RecursionError`` (in ``json`` itself or in whatever walks the
value afterwards: a schema validator, a comparison). So the suite parses a
body only when it is at most ``max_bytes`` long (``limits.max_json_bytes``,
4 MiB by default; bodies read whole may be larger, up to
``limits.max_response_bytes``, and stay bytes) and nested at most
``MAX_DEPTH`` levels deep (RFC 8259 §9 lets a receiver limit the depth; no
document of the specs comes near it). Both are decided before parsing, in
time linear in the body and without building anything.
"""

from __future__ import annotations

import json
import re
from array import array
from itertools import accumulate
from typing import Any

from conformance._harness.errors import ResponseTooLarge
from conformance._harness.units import human_size

MAX_DEPTH = 64
"""The deepest nesting of arrays and objects the suite parses."""
MAX_JSON_BYTES = 4 * 1024 * 1024
"""The default of ``limits.max_json_bytes``: the largest JSON document the suite parses."""

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
# Openers count +1 and closers -1 (0xff read as a signed byte): the running sum is the depth.
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


class JsonTooDeep(ValueError):
    """A document nested deeper than the suite parses (a ``ValueError``: not usable JSON)."""

    def __init__(self, limit: int = MAX_DEPTH) -> None:
        self.limit = limit
        super().__init__(f"JSON nested deeper than {limit} levels")


class JsonTooLarge(ResponseTooLarge):
    """A JSON document larger than the suite parses: a limit of the suite, not a finding."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"a JSON document of {human_size(size)}: the suite parses JSON "
            f"documents of at most {human_size(limit)} (limits.max_json_bytes)"
        )


def depth(data: bytes | str) -> int:
    """How deep arrays and objects nest in ``data`` (brackets inside strings do not count)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if raw.count(b"[") + raw.count(b"{") == 0:
        return 0
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", raw))
    return max(accumulate(array("b", brackets.translate(_STEPS))), default=0)


def check(data: bytes | str, max_bytes: int | None = MAX_JSON_BYTES) -> None:
    """Raise ``JsonTooLarge`` or ``JsonTooDeep`` when ``data`` is not to be parsed."""
    size = len(data)
    if max_bytes is not None and size > max_bytes:
        raise JsonTooLarge(size, max_bytes)
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    # Cheap first: a document with fewer brackets than the limit cannot nest deeper.
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and depth(raw) > MAX_DEPTH:
        raise JsonTooDeep()


def loads(data: bytes | str, max_bytes: int | None = MAX_JSON_BYTES, **options: Any) -> Any:
    """``json.loads`` within the bounds: ``JsonTooLarge`` (an error of the suite, a
    ``ResponseTooLarge``) or ``JsonTooDeep`` (a ``ValueError``, as for text that is not JSON).

    ``options`` go to ``json.loads`` (hooks, ``parse_constant``).
    """
    check(data, max_bytes)
    try:
        return json.loads(data, **options)
    except RecursionError:  # a hook that recurses; the depth itself was checked
        raise JsonTooDeep() from None
