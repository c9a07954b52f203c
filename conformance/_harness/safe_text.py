"""Text any writer can write, whatever a platform put in it.

A platform controls much of what a run writes down (bodies, field values,
header values) and may send what a writer cannot carry: a lone surrogate
(``"\\ud800"`` is valid JSON escaping and decodes to one), characters XML
1.0 forbids, or terminal escape sequences. Each writer passes its text
through one of these functions, so none of them can fail, or act, on it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONSOLE_INERT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def json_bytes(value: Any, *, indent: int | None = None) -> bytes:
    """``value`` as UTF-8 JSON; a lone surrogate is written as its ``\\uXXXX`` escape.

    ``json.dumps`` leaves lone surrogates as characters (only inside strings),
    which UTF-8 cannot encode; ``backslashreplace`` writes each as exactly the
    JSON escape it came from, so the text stays valid JSON and reads back equal.
    """
    try:
        text = json.dumps(value, ensure_ascii=False, indent=indent, allow_nan=False)
    except ValueError:  # NaN or Infinity (Python's json reads them): not JSON, so a string
        text = json.dumps(_finite(value), ensure_ascii=False, indent=indent, allow_nan=False)
    return text.encode("utf-8", "backslashreplace")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry shown as a visible escape."""
    return _XML_FORBIDDEN.sub(_escape, text)


def console_text(text: str) -> str:
    """``text`` safe to print: control characters, escape sequences, bidi overrides and
    lone surrogates are shown as escapes (newlines and tabs are kept)."""
    return _CONSOLE_INERT.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
