"""A ``curl`` command that sends a recorded request again, its secrets as shell variables.

The evidence holds every request with its secrets replaced (``[REDACTED]``):
the command puts a shell variable where each one was (``$TOKEN_THIRD_PARTY_ALICE``
for the bearer token of ``third_party/alice``), and says which value each
variable takes. Every other word is single-quoted, so whatever a platform
put in a URL, a header or a body stays one inert argument when pasted.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from conformance._harness.secrets import REDACTED

_SET_BY_CURL = frozenset(
    {"host", "content-length", "connection", "accept-encoding", "transfer-encoding"}
)
_NOT_A_NAME = re.compile(r"[^A-Z0-9]+")


class _Variables:
    """The shell variables a command needs, each with what it stands for."""

    def __init__(self) -> None:
        self.meaning: dict[str, str] = {}

    def name(self, wanted: str, meaning: str) -> str:
        base = _NOT_A_NAME.sub("_", wanted.upper()).strip("_")[:40] or "SECRET"
        name, n = base, 1
        while name in self.meaning and self.meaning[name] != meaning:
            n += 1
            name = f"{base}_{n}"
        self.meaning[name] = meaning
        return name


def command(record: Mapping[str, Any]) -> str:
    """The command, preceded by comment lines naming the variables to set."""
    request = _map(record.get("request"))
    role = str(record.get("role") or "")
    method = str(request.get("method") or "GET").upper()
    variables = _Variables()
    words = ["curl --silent --show-error --include --globoff"]
    if method == "HEAD":
        words.append("--head")
    elif method != "GET":
        words.append(f"--request {shlex.quote(method)}")
    for name, value in _map(request.get("headers")).items():
        header = str(name)
        if header.lower() in _SET_BY_CURL:
            continue
        words.append(f"--header {_header(header, str(value), role, variables)}")
    body = _map(request.get("body"))
    prefix = ""
    notes: list[str] = []
    if isinstance(body.get("base64"), str):
        prefix = f"printf '%s' {shlex.quote(body['base64'])} | base64 -d | "
        words.append("--data-binary @-")
    elif body.get("text"):
        words.append(f"--data-binary {_with_secrets(str(body['text']), 'BODY_SECRET', variables)}")
    if body.get("truncated"):
        notes.append(
            f"# the request body ({body.get('size')} bytes) was cut in the evidence: "
            "this sends only its first 4 KiB"
        )
    words.append(_with_secrets(str(request.get("url", "")), "URL_SECRET", variables))
    lines = [f"# set {name}: {meaning}" for name, meaning in variables.meaning.items()]
    return "\n".join([*lines, *notes, prefix + " \\\n  ".join(words)])


def _header(name: str, value: str, role: str, variables: _Variables) -> str:
    if value == REDACTED and name.lower() == "authorization":
        if role:
            client, _, user = role.partition("/")
            var = variables.name(
                f"TOKEN_{role}",
                f"the token of {_plain(role)} (credentials.{_plain(client)}.{_plain(user)} "
                "in the target file)",
            )
            return _join([(f"{name}: Bearer ", False), (var, True)])
        var = variables.name("AUTHORIZATION", "the whole Authorization header value")
        return _join([(f"{name}: ", False), (var, True)])
    if value == REDACTED:
        var = variables.name(name, f"the value of the {_plain(name)} header")
        return _join([(f"{name}: ", False), (var, True)])
    return _with_secrets(f"{name}: {value}", f"{name}_SECRET", variables)


def _with_secrets(text: str, stem: str, variables: _Variables) -> str:
    """``text`` as one shell word, each ``[REDACTED]`` in it a variable."""
    pieces = text.split(REDACTED)
    parts: list[tuple[str, bool]] = [(pieces[0], False)]
    for n, piece in enumerate(pieces[1:], 1):
        var = variables.name(f"{stem}_{n}", f"a secret the evidence redacted ({_plain(stem)})")
        parts += [(var, True), (piece, False)]
    return _join(parts)


def _join(parts: list[tuple[str, bool]]) -> str:
    """Adjacent shell words concatenate: literals single-quoted, variables double-quoted."""
    out = "".join(
        f'"${{{text}}}"' if is_var else shlex.quote(text) for text, is_var in parts if text
    )
    return out or "''"


def _plain(text: str) -> str:
    """Text fit for a one-line comment: no line break, no control character."""
    return "".join(c if c.isprintable() else "?" for c in text)[:80]


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
