"""Where a URL really connects, decided as the HTTP stack will, before anything is sent.

Two parsers read every URL the suite is handed. ``urllib.parse`` is what the
evidence, the reports and a reader see; requests and urllib3 (``parse_url``)
are what connects. On hostile input they disagree:
``http://127.0.0.2:8000\\@127.0.0.1:9000/`` is 127.0.0.1:9000 to ``urlsplit``
(its authority runs to the first ``/`` and ``127.0.0.2:8000\\`` is userinfo)
but 127.0.0.2:8000 to urllib3 (its authority ends at the backslash), so a
guard asking one parser while the stack asks the other is walked past, and a
bearer token goes with it.

So the destination is what the stack itself makes of the URL (requests'
``prepare_url``, then its adapter's connection-pool key: scheme, host,
port), and it is accepted only when

- the scheme is ``http`` or ``https``, followed by ``//`` and an authority;
- the authority (as the more permissive parser, ``urlsplit``, bounds it) is a
  plain ``host[:port]``: no userinfo (``@``), backslash, percent-encoding,
  white space or non-ASCII (IDNA) characters, where the parsers part ways;
- the URL holds no control characters (``urlsplit`` silently drops some);
- ``urlsplit`` reads the same (scheme, host, port) as the stack.

Everything else is refused with a reason, and nothing is connected to. A
path or query may still hold characters the stack percent-encodes on the
wire (a space, a backslash, non-ASCII): they cannot move the destination.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from conformance._harness.errors import RefusedDestination
from conformance._harness.target import Target

_SCHEMES: Final = {"http": 80, "https": 443}
_SCHEME: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_AUTHORITY_END: Final = re.compile(r"[/?#]")
_HOST_PORT: Final = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:[0-9]*)?")
_REFUSED: Final = "refused before connecting"


@dataclass(frozen=True)
class Destination:
    """What a connection goes to: scheme, host (IPv6 without brackets) and port."""

    scheme: str
    host: str
    port: int

    @property
    def origin(self) -> str:
        """``scheme://host[:port]``, written as ``target.origin_of`` writes an origin."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = _SCHEMES.get(self.scheme)
        return f"{self.scheme}://{host}" + ("" if self.port == default else f":{self.port}")


class Session(requests.Session):
    """A requests session that never looks at a redirect's next hop: the probe does, guarded.

    Told not to follow, requests still parses a 3xx's ``Location`` to prepare
    the next request, and a hostile one (``http://[::1``, a port past 65535)
    raises ``ValueError`` there, losing the answer. The probe follows redirects
    itself (``hop``), so requests is told there is none.
    """

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        """No redirect target, ever (see the class)."""
        return None


def is_absolute(url: str) -> bool:
    """Whether ``url`` names a scheme (RFC 3986 4.3): fetched as it is, never taken for a path.

    ``file:///etc/passwd`` or ``HTTP://host/`` handed out by a platform is
    then refused or allowed by the guard, not joined to the base URL as a path.
    """
    return _SCHEME.match(url) is not None


def destination(url: str, session: requests.Session) -> Destination:
    """Where ``session`` would connect for ``url``; ``RefusedDestination`` if that is unclear.

    Refused: a scheme other than http(s), an authority that is not a plain
    ``host[:port]`` (userinfo, backslashes, percent-encoding, white space,
    non-ASCII), control characters anywhere, and any URL the stack and
    ``urllib.parse`` read as different destinations.
    """
    problem = _problem(url)
    if problem is not None:
        raise _refused(url, problem + _readings(url, session))
    seen = _as_urlsplit_reads(url)
    stack = _as_stack_connects(url, session)
    if seen != stack:
        raise _refused(
            url,
            f"the HTTP stack would connect to {stack.origin} while the URL reads as {seen.origin}",
        )
    return stack


def guard(url: str, session: requests.Session, target: Target) -> Destination:
    """The destination of ``url``, if it is the target's origin or one the target allows."""
    found = destination(url, session)
    if not target.allows(found.origin):
        raise RefusedDestination(
            f"{_REFUSED}: {found.origin} ({_shown(url)}) is not the target's origin "
            f"{target.origin}; only it and allowed_origins may be contacted "
            "(add it to allowed_origins if it is the platform's)"
        )
    return found


class Guard:
    """``guard`` for one session and target, remembering the authorities it let through.

    Why: deciding as the stack would (requests' URL preparation, its adapter,
    the pool key) is most of the guard's cost, some 30 µs a request, while a
    run sends thousands of requests to one or two origins. What is remembered
    is only what a URL's ``scheme://authority`` decides, and only an
    acceptance: every URL is still screened whole first (``_problem``: control
    characters, white space, an authority that is not a plain ``host[:port]``),
    and once it passes, what follows the authority cannot move the destination:
    both parsers end the authority at the first ``/``, ``?`` or ``#`` (urllib3
    also at a backslash, refused in the authority), and requests' re-quoting of
    the rest writes none of them. A refusal is decided afresh each time, and a
    remembered decision is used only while the session sends that authority
    through the adapter it was decided with (a ``Transport`` mounts its own once).
    """

    MAX_REMEMBERED = 256
    """Authorities remembered; past that all are forgotten (a platform handing out
    endless spellings of its origin costs the full decision, nothing more)."""

    def __init__(self, session: requests.Session, target: Target) -> None:
        self.session = session
        self.target = target
        self._accepted: dict[str, tuple[Destination, object]] = {}

    def __call__(self, url: str) -> Destination:
        """The destination of ``url`` if the target allows it, else ``RefusedDestination``."""
        prefix = _authority_prefix(url) if _problem(url) is None else None
        if prefix is None:
            return guard(url, self.session, self.target)
        adapter = self._adapter(url)
        known = self._accepted.get(prefix)
        if known is not None and adapter is not None and known[1] is adapter:
            return known[0]
        found = guard(url, self.session, self.target)
        if len(self._accepted) >= self.MAX_REMEMBERED:
            self._accepted.clear()
        self._accepted[prefix] = (found, adapter)
        return found

    def _adapter(self, url: str) -> object | None:
        """The adapter the session sends ``url`` through (mounts may name paths too)."""
        try:
            return self.session.get_adapter(url)
        except requests.RequestException:
            return None


def _authority_prefix(url: str) -> str | None:
    """``scheme://authority`` of a URL ``_problem`` passed (None if it has no such start)."""
    match = _SCHEME.match(url)
    if match is None or not url.startswith("//", match.end()):
        return None
    end = _AUTHORITY_END.search(url, match.end() + 2)
    return url if end is None else url[: end.start()]


def hop(url: str, location: str, session: requests.Session) -> tuple[str, Destination]:
    """The URL a ``Location`` leads to from ``url``, and where it would connect.

    ``RefusedDestination`` (never ``ValueError``) when the Location is not a
    URL the suite may safely follow: a non-HTTP scheme, an unreadable or
    ambiguous authority.
    """
    if _CONTROL.search(location):
        raise _refused(location, _control(location))
    try:
        joined = urljoin(url, location)
    except ValueError as exc:
        raise _refused(location, f"it is not a URL ({exc})") from None
    return joined, destination(joined, session)


def _problem(url: str) -> str | None:
    """Why the two parsers may read ``url`` differently, in words a person needs; None if not."""
    if _CONTROL.search(url):
        return _control(url)
    if url != url.strip():
        return "it begins or ends with white space, which parsers treat differently"
    match = _SCHEME.match(url)
    if match is None:
        return "it is not an absolute URL (no http: or https: scheme)"
    scheme = match.group(1).lower()
    if scheme not in _SCHEMES:
        return f"{scheme}: is not HTTP; the suite only fetches http and https URLs"
    rest = url[match.end() :]
    if not rest.startswith("//"):
        return f"no //host follows {scheme}: (what follows is {rest[:20]!r})"
    authority = _AUTHORITY_END.split(rest[2:], maxsplit=1)[0]
    if "\\" in authority:
        return "the URL's authority holds a backslash, where parsers disagree on the host"
    if "@" in authority:
        return "the URL's authority holds userinfo (an @): credentials or a decoy"
    if any(c.isspace() for c in authority):
        return "the URL's authority holds white space"
    if "%" in authority:
        return "the URL's authority is percent-encoded"
    if not authority.isascii():
        return "the URL's host is not ASCII (IDNA); the platform should hand out its A-label"
    if _HOST_PORT.fullmatch(authority) is None:
        return f"the URL's authority {authority!r} is not host[:port]"
    return None


def _readings(url: str, session: requests.Session) -> str:
    """What each parser makes of a refused URL, when both can: where it would have gone."""
    try:
        seen, stack = _as_urlsplit_reads(url), _as_stack_connects(url, session)
    except RefusedDestination:
        return ""
    if seen == stack:
        return f" (it would connect to {stack.origin})"
    return f" (the HTTP stack would connect to {stack.origin}; the URL reads as {seen.origin})"


def _as_urlsplit_reads(url: str) -> Destination:
    """The destination as ``urllib.parse`` (the evidence, a reader) reads it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _refused(url, f"urllib.parse cannot read it ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise _refused(url, f"{scheme}: is not HTTP")
    return Destination(scheme, parts.hostname or "", _SCHEMES[scheme] if port is None else port)


def _as_stack_connects(url: str, session: requests.Session) -> Destination:
    """The destination as requests prepares the URL and picks its connection pool."""
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url, None)
        adapter = session.get_adapter(prepared.url or url)
    except (requests.RequestException, ValueError) as exc:
        raise _refused(url, f"the HTTP stack cannot read it ({exc})") from None
    if not isinstance(adapter, HTTPAdapter):
        raise _refused(url, f"the session sends it through {type(adapter).__name__}, not HTTP")
    pool, _ = adapter.build_connection_pool_key_attributes(prepared, True, None)
    scheme, host, port = str(pool["scheme"]).lower(), pool["host"], pool["port"]
    if scheme not in _SCHEMES or not host:
        raise _refused(url, "the HTTP stack finds no http(s) host in it")
    # As urllib3's pool does: brackets off, lower case, the scheme's port when none is given.
    host = str(host).strip("[]").lower()
    return Destination(scheme, host, _SCHEMES[scheme] if port is None else int(port))


def _control(url: str) -> str:
    found = _CONTROL.search(url)
    char = found.group(0) if found else ""
    return f"it holds the control character U+{ord(char):04X}, which parsers drop or keep"


def _shown(url: str) -> str:
    """Where the URL points, as text that cannot pass for another URL.

    Up to its authority (a path or a query may carry a signature), or for a
    URL without one its first 40 characters before any query; at most 120
    characters, anything but printable ASCII escaped: a lookalike shows as
    what it is.
    """
    match = _SCHEME.match(url)
    query = re.search(r"[?#]", url)
    cut = min(len(url), 40, query.start() if query else len(url))
    if match is not None and url[match.end() :].startswith("//"):
        end = _AUTHORITY_END.search(url, match.end() + 2)
        cut = end.start() if end else len(url)
    shown = "".join(c if " " < c < "\x7f" else ascii(c)[1:-1] for c in url[:cut])[:120]
    return shown if cut == len(url) and len(shown) < 120 else shown + "…"


def _refused(url: str, why: str) -> RefusedDestination:
    return RefusedDestination(f"{_REFUSED}: {_shown(url)}: {why}")
