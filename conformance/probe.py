"""The probe: every request the suite sends goes through here.

It enforces what makes the suite safe to point at a live system: only the
target's origin (and origins the target file allows) is ever contacted,
refused before connecting; a time limit per request and per check; a cap on
response size, read as a stream; no redirect followed to another origin
with credentials; a pace of at most ``requests_per_second``. Every exchange
is validated against the spec and written to the evidence log, redacted.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from conformance.errors import (
    DeadlineExceeded,
    Finding,
    Mismatch,
    ProbeError,
    RefusedDestination,
    ResponseTooLarge,
    SchemaViolation,
    TargetUnreachable,
)
from conformance.evidence import EXCERPT_BYTES, Body, EvidenceLog, Record
from conformance.httpdates import http_date
from conformance.target import Role, Target, origin_of
from conformance.validation import Operation, Validator
from conformance.watchdog import Watchdog

_NOT_SENT = (
    requests.exceptions.InvalidHeader,
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
)
_MAX_REDIRECTS = 5
_MAX_WAITS = 2  # 429s waited out per request
_MAX_WAIT_SECONDS = 60.0
_CHUNK = 64 * 1024


@dataclass
class Response:
    """A response as a check sees it, with the id of its evidence record."""

    exchange: str
    method: str
    url: str
    status: int
    headers: CaseInsensitiveDict[str]
    content: bytes
    operation: str | None = None
    elapsed: float = 0.0
    """Seconds from sending the request to its response headers (pacing excluded)."""

    def json(self) -> Any:
        """The body parsed as JSON; a body that is not JSON is a finding."""
        try:
            return json.loads(self.content)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Finding(
                f"{self.method} {self.url} answered {self.status} with a body that is not JSON "
                f"({exc}); got {self.content[:80]!r}",
                evidence=[self.exchange],
            ) from None

    @property
    def text(self) -> str:
        """The body decoded as UTF-8, undecodable bytes replaced."""
        return self.content.decode("utf-8", errors="replace")


@dataclass
class Stream:
    """A response whose body is read chunk by chunk (bounded memory)."""

    exchange: str
    url: str
    status: int
    headers: CaseInsensitiveDict[str]
    chunks: Iterator[bytes]


class _Tally:
    """Size, hash and first bytes of a body seen one chunk at a time."""

    def __init__(self) -> None:
        self.size = 0
        self.hasher = hashlib.sha256()
        self.excerpt = b""

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.hasher.update(chunk)
        if len(self.excerpt) < EXCERPT_BYTES:
            self.excerpt = (self.excerpt + chunk)[:EXCERPT_BYTES]

    def body(self) -> Body:
        return Body(self.size, self.hasher.hexdigest(), self.excerpt, self.size > EXCERPT_BYTES)


@dataclass
class _Pace:
    """Spaces request starts at least ``interval`` apart, across threads."""

    interval: float
    _next: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self) -> None:
        if self.interval <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


class Transport:
    """What every check shares: the HTTP session, the validator, the log."""

    def __init__(self, target: Target, validator: Validator | None, log: EvidenceLog) -> None:
        self.target = target
        self.validator = validator
        self.log = log
        self.session = requests.Session()
        self.session.trust_env = False  # never route through a proxy from the environment
        self.watchdog = Watchdog()
        rps = target.limits.requests_per_second
        self.pace = _Pace(1.0 / rps if rps > 0 else 0.0)

    def close(self) -> None:
        """Close the session's connections."""
        self.session.close()


class Probe:
    """A check's view of the target: requests with its requirement in force."""

    def __init__(
        self,
        transport: Transport,
        *,
        check: str = "",
        requirement: str = "",
        timeout: float | None = None,
    ) -> None:
        self.transport = transport
        self.target = transport.target
        self.check = check
        self.requirement = requirement
        limit = self.target.limits.check_timeout if timeout is None else timeout
        self.deadline = time.monotonic() + limit
        self.exchanges: list[str] = []

    def remaining(self) -> float:
        """Seconds left before the check's time limit."""
        return self.deadline - time.monotonic()

    def url(self, path_or_url: str, base: str | None = None) -> str:
        """An absolute URL: paths are joined to the base URL (or to ``base``)."""
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        if base is not None:
            return urljoin(base, path_or_url)
        return self.target.base_url + ("" if path_or_url.startswith("/") else "/") + path_or_url

    def get(self, url: str, **kw: Any) -> Response:
        """``request("GET", ...)``."""
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Response:
        """``request("POST", ...)``."""
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> Response:
        """``request("PUT", ...)``."""
        return self.request("PUT", url, **kw)

    def delete(self, url: str, **kw: Any) -> Response:
        """``request("DELETE", ...)``."""
        return self.request("DELETE", url, **kw)

    def request(
        self,
        method: str,
        url: str,
        *,
        role: Role | None = None,
        client: str | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        validate: bool = True,
        follow_redirects: bool = True,
        wait_on_429: bool = True,
    ) -> Response:
        """Send one request and return the whole response (up to the size cap).

        ``role`` authenticates as a client for a user; without it the request
        is anonymous and presents ``client``'s headers (if given). With
        ``validate`` the response must match its operation in the spec, or a
        ``SchemaViolation`` is raised against the requirement in force. A 429 whose
        ``Retry-After`` fits in the check's time is waited out and retried (at most
        twice), unless ``wait_on_429`` is False (checks that study refusals).
        """
        if json_body is not None:
            content = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            content_type = content_type or "application/json"
        sent = self._headers(role, client, headers, content_type)
        target_url = self.url(url)
        if params:
            target_url = (
                requests.Request("GET", target_url, params=dict(params)).prepare().url or target_url
            )
        waits = 0
        for _ in range(_MAX_REDIRECTS + _MAX_WAITS + 1):
            record, raw = self._send(method, target_url, role, sent, content, stream=False)
            body = self._read_all(raw, record)
            if wait_on_429 and raw.status_code == 429 and waits < _MAX_WAITS:
                if self._wait_out(record, raw, body):
                    waits += 1
                    continue
            response = self._finish(record, raw, body, validate)
            location = raw.headers.get("Location")
            if not (follow_redirects and raw.status_code in (301, 302, 303, 307, 308) and location):
                return response
            next_url = urljoin(target_url, location)
            if origin_of(next_url) != origin_of(target_url):
                if origin_of(next_url) not in self.target.allowed_origins:
                    return response  # the check decides what a foreign redirect means
                sent = {k: v for k, v in sent.items() if k.lower() != "authorization"}
                role = None
            if raw.status_code == 303 or (raw.status_code in (301, 302) and method == "POST"):
                method, content = "GET", None
            target_url = next_url
        raise Finding(
            f"{method} {url}: more than {_MAX_REDIRECTS} redirects", evidence=self.exchanges[-1:]
        )

    @contextmanager
    def stream(
        self,
        url: str,
        *,
        role: Role | None = None,
        headers: Mapping[str, str] | None = None,
        base: str | None = None,
    ) -> Iterator[Stream]:
        """GET a large body chunk by chunk; the record keeps its size and hash."""
        target_url = self.url(url, base)
        record, raw = self._send(
            "GET", target_url, role, self._headers(role, None, headers, None), None, stream=True
        )
        tally = _Tally()

        def chunks() -> Iterator[bytes]:
            for chunk in self._chunks(raw, record):
                tally.add(chunk)
                yield chunk

        try:
            yield Stream(record.id, target_url, raw.status_code, raw.headers, chunks())
        finally:
            raw.close()
            record.status = raw.status_code
            record.response_headers = dict(raw.headers)
            record.response_body = tally.body()
            self._commit(record)

    # -- internals ---------------------------------------------------------------------------

    def _headers(
        self,
        role: Role | None,
        client: str | None,
        extra: Mapping[str, str] | None,
        content_type: str | None,
    ) -> dict[str, str]:
        name = role.client if role else client
        sent = {"User-Agent": "interop-conformance", "Accept": "application/json, */*;q=0.5"}
        if name:
            sent.update(self.target.clients.get(name, {}))
        if role is not None:
            sent["Authorization"] = f"Bearer {self.target.token(role).reveal()}"
        if content_type:
            sent["Content-Type"] = content_type
        sent.update(extra or {})
        return sent

    def _guard(self, url: str) -> None:
        origin = origin_of(url)
        if origin != self.target.origin and origin not in self.target.allowed_origins:
            raise RefusedDestination(
                f"refused to contact {origin}: only the target's origin {self.target.origin} "
                "and allowed_origins may be contacted (add it to allowed_origins if it is the platform's)"
            )

    def _send(
        self,
        method: str,
        url: str,
        role: Role | None,
        headers: dict[str, str],
        content: bytes | None,
        *,
        stream: bool,
    ) -> tuple[Record, requests.Response]:
        self._guard(url)  # before anything leaves the machine
        remaining = self.remaining()
        if remaining <= 0:
            raise DeadlineExceeded(f"{self.check or 'the check'} used up its time limit")
        log = self.transport.log
        record = Record(
            id=log.new_id(),
            check=self.check,
            requirement=self.requirement,
            role=str(role) if role else None,
            method=method,
            url=url,
            request_headers=dict(headers),
            request_body=Body.of(content),
            started_at=datetime.now(UTC).isoformat(),
        )
        self.exchanges.append(record.id)
        timeout = min(self.target.limits.request_timeout, remaining)
        self.transport.pace.wait()
        started = time.monotonic()
        try:
            raw = self.transport.session.request(
                method,
                url,
                headers=headers,
                data=content,
                timeout=(timeout, timeout),
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            record.duration = time.monotonic() - started
            record.error = f"{type(exc).__name__}: {exc}"
            self._commit(record)
            if isinstance(exc, _NOT_SENT):
                # Nothing left the machine: the suite formed a request it cannot send.
                raise ProbeError(f"{method} {url}: the request could not be sent ({exc})") from None
            raise TargetUnreachable(f"{method} {url}: {_why(exc)}") from None
        record.duration = time.monotonic() - started
        return record, raw

    def _chunks(self, raw: requests.Response, record: Record) -> Iterator[bytes]:
        cap = self.target.limits.max_response_bytes
        declared = raw.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raw.close()
            record.error = f"Content-Length {declared} exceeds the cap of {cap} bytes"
            self._commit(record)
            raise ResponseTooLarge(f"{record.method} {record.url}: {record.error}")
        total = 0
        # A body that trickles in would never trip the per-read timeout: a watchdog
        # cuts the connection at the check's deadline instead.
        alarm = self.transport.watchdog.arm(self.deadline, lambda: _cut(raw))
        try:
            for chunk in raw.iter_content(_CHUNK):
                total += len(chunk)
                if total > cap:
                    raise ResponseTooLarge(
                        f"{record.method} {record.url}: the body passed the cap of {cap} bytes"
                    )
                if time.monotonic() > self.deadline:
                    raise DeadlineExceeded(
                        f"{record.method} {record.url}: body still arriving at the deadline"
                    )
                yield chunk
        except (requests.RequestException, OSError, AttributeError, ValueError) as exc:
            if time.monotonic() >= self.deadline:
                raise DeadlineExceeded(
                    f"{record.method} {record.url}: body still arriving at the deadline"
                ) from None
            if isinstance(exc, requests.RequestException):
                raise TargetUnreachable(f"{record.method} {record.url}: {_why(exc)}") from None
            raise
        finally:
            self.transport.watchdog.cancel(alarm)

    def _read_all(self, raw: requests.Response, record: Record) -> bytes:
        parts = []
        try:
            parts = list(self._chunks(raw, record))
        except (ResponseTooLarge, DeadlineExceeded, TargetUnreachable) as exc:
            record.status = raw.status_code
            record.error = str(exc)
            self._commit(record)
            raise
        finally:
            raw.close()
        return b"".join(parts)

    def _finish(
        self, record: Record, raw: requests.Response, body: bytes, validate: bool
    ) -> Response:
        record.status = raw.status_code
        record.response_headers = dict(raw.headers)
        record.response_body = Body.of(body)
        path = _path_under(record.url, self.target.base_url)
        validator = self.transport.validator
        op: Operation | None = validator.find(record.method, path) if validator and path else None
        if op is not None:
            record.operation = op.operation_id
            if validate and validator is not None and path is not None:
                record.violations = validator.check_response(
                    op, path, raw.status_code, raw.headers, body
                )
        self._commit(record)
        if record.violations:
            raise SchemaViolation(
                f"the {raw.status_code} response does not match the spec",
                operation=f"{op.operation_id if op else ''} ({record.method} {path})",
                mismatches=record.violations,
                evidence=[record.id],
            )
        return Response(
            record.id,
            record.method,
            record.url,
            raw.status_code,
            raw.headers,
            body,
            record.operation,
            record.duration,
        )

    def _wait_out(self, record: Record, raw: requests.Response, body: bytes) -> bool:
        """Record a 429 and sleep its Retry-After, if that fits in the check's time."""
        value = (raw.headers.get("Retry-After") or "").strip()
        if value.isdigit():
            delay = float(value)
        else:
            when = http_date(value) if value else None
            if when is None:
                return False
            delay = max(0.0, (when - datetime.now(UTC)).total_seconds())
        if delay > min(_MAX_WAIT_SECONDS, self.remaining() - 1):
            return False
        record.status = raw.status_code
        record.response_headers = dict(raw.headers)
        record.response_body = Body.of(body)
        record.error = f"429: waited {delay:.0f} s as Retry-After asked, then retried"
        self._commit(record)
        time.sleep(delay)
        return True

    def _commit(self, record: Record) -> None:
        self.transport.log.write(record)


def _cut(raw: requests.Response) -> None:
    """Shut the response's socket so a blocked read returns now."""
    # urllib3 hands the socket to http.client's response: reach it there.
    buffered = getattr(getattr(raw.raw, "_fp", None), "fp", None)
    sock = getattr(getattr(buffered, "raw", None), "_sock", None)
    try:
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
        raw.close()
    except OSError:
        pass


def _path_under(url: str, base_url: str) -> str | None:
    """The path of ``url`` relative to the base URL's path, if it is under it."""
    if origin_of(url) != origin_of(base_url):
        return None
    path = urlsplit(url).path
    prefix = urlsplit(base_url).path.rstrip("/")
    if prefix and not path.startswith(prefix + "/"):
        return None
    return path[len(prefix) :] or "/"


def _why(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "no answer within the time limit"
    if isinstance(exc, requests.ConnectionError):
        text = str(exc)
        if "refused" in text.lower():
            return "connection refused (is the platform running at this address?)"
        return f"could not connect ({text[:200]})"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def mismatch(path: str, expected: Any, actual: Any, reason: str = "") -> Mismatch:
    """Shorthand used by checks to build a ``Mismatch``."""
    return Mismatch(path, expected, actual, reason)
