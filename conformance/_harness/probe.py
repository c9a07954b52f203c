"""The probe: every request the suite sends goes through here.

It enforces what makes the suite safe to point at a live system: only the
target's origin (and origins the target file allows) is ever contacted,
refused before connecting; a time limit per request (connect, headers and body
together: ``conformance._harness.cutoff``) and per check; a cap on
response size, read as a stream; no redirect followed to another origin
with credentials; a pace of at most ``requests_per_second``, and for each
credential the quota the platform states (``conformance.common.ratelimits``); a 429 is
waited out as its ``Retry-After`` asks, up to ``max_retry_after`` and within the check's
time limit; every check's time limit is cut to what is left of the run's budget
(``conformance._harness.budget``), which also counts the run's requests. Every
exchange is validated against the spec and written to the evidence log,
redacted.

Some rules hold for every answer, whichever check provoked it: every error
answer to an operation of the specs (read whole: a download read as a
stream is its check's business) is held to COMMON C-002 (a problem body,
``conformance.common.problems``) and every 429 to C-003 (``Retry-After``). What
breaks them is charged to that requirement (``Transport.charges``), not to
the requirement of the check in force, which goes on with what it can read.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.util import SKIP_HEADER

from conformance._harness import bounded_json
from conformance._harness.bounded_json import MAX_JSON_BYTES, JsonTooDeep, JsonTooLarge
from conformance._harness.budget import RunBudget
from conformance._harness.cutoff import CuttingAdapter, InFlight
from conformance._harness.destination import Guard, Session, guard, hop, is_absolute
from conformance._harness.errors import (
    BudgetSpent,
    DeadlineExceeded,
    Finding,
    Mismatch,
    ProbeError,
    RefusedDestination,
    ResponseTooLarge,
    SchemaViolation,
    TargetUnreachable,
    render_rows,
)
from conformance._harness.evidence import EXCERPT_BYTES, KEPT_BYTES, Body, EvidenceLog, Record
from conformance._harness.read_only import refuse_writes
from conformance._harness.results import CheckResult, Outcome
from conformance._harness.target import Role, Target, origin_of
from conformance._harness.units import human_duration
from conformance._harness.validation import Operation, Validator, media_type
from conformance._harness.watchdog import Watchdog
from conformance.common.httpdates import retry_after, retry_delay
from conformance.common.problems import problem_defects
from conformance.common.ratelimits import QuotaPacer

_NOT_SENT = (
    requests.exceptions.InvalidHeader,
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
)
_MAX_REDIRECTS = 5
_MAX_BACKOFF = 60.0  # seconds, for a 429 that says nothing of when to come back
_CHUNK = 64 * 1024
_ERROR_CHARS = 1000
PROBLEMS = "C-002"
RETRY_AFTER = "C-003"

Signer = Callable[[str, str, Mapping[str, str], bytes | None], Mapping[str, str]]
"""Signs a request: ``(method, url, headers, body) -> headers to send`` (S3's SigV4).

The probe calls it right before sending, after its own headers are set, so what is
signed is what is sent; it is called again for every redirect hop."""


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
    sent_at: float = 0.0
    """``time.monotonic()`` when the request left, after any wait for the quota or a 429:
    time a platform is held to counts from here, not from the call."""
    json_limit: int = MAX_JSON_BYTES
    """The largest body ``json()`` parses (the target's ``limits.max_json_bytes``)."""

    def json(self) -> Any:
        """The body parsed as JSON, within ``bounded_json``'s bounds.

        A body that is not JSON, or nests deeper than the suite parses, is a
        finding; one over ``json_limit`` is ``ResponseTooLarge`` (the check
        cannot decide: a limit of the suite, not a fault of the platform).
        """
        try:
            return bounded_json.loads(self.content, self.json_limit)
        except JsonTooLarge as exc:
            raise ResponseTooLarge(
                f"{self.method} {self.url} answered {self.status}: {exc}"
            ) from None
        except JsonTooDeep as exc:
            raise Finding(
                f"{self.method} {self.url} answered {self.status} with {exc}",
                mismatches=[
                    Mismatch(
                        "body",
                        f"JSON nested at most {exc.limit} levels deep",
                        f"deeper than {exc.limit} levels",
                        "RFC 8259 §9 lets a receiver limit nesting; no document of the specs "
                        "comes near it",
                    )
                ],
                evidence=[self.exchange],
            ) from None
        except (UnicodeDecodeError, ValueError) as exc:  # ValueError: JSONDecodeError, and more
            raise Finding(
                f"{self.method} {self.url} answered {self.status} with a body that is not JSON",
                mismatches=[Mismatch("body", "JSON", self.content[:80], str(exc))],
                evidence=[self.exchange],
            ) from None

    @property
    def text(self) -> str:
        """The body decoded as UTF-8, undecodable bytes replaced."""
        return self.content.decode("utf-8", errors="replace")


class _Tally:
    """Size, hash and first bytes of a body seen one chunk at a time."""

    def __init__(self) -> None:
        self.size = 0
        self.hasher = hashlib.sha256()
        self.excerpt = b""

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.hasher.update(chunk)
        if len(self.excerpt) < KEPT_BYTES:  # redacted before it is cut to EXCERPT_BYTES
            self.excerpt = (self.excerpt + chunk)[:KEPT_BYTES]

    def body(self) -> Body:
        return Body(self.size, self.hasher.hexdigest(), self.excerpt, self.size > EXCERPT_BYTES)


@dataclass
class Stream:
    """A response whose body is read chunk by chunk (bounded memory).

    ``size`` and ``sha256`` are those of the chunks read so far, as the
    evidence record keeps them: a reader that needs them (a part's declared
    size and hash) takes them here rather than hashing the body a second time.
    """

    exchange: str
    url: str
    status: int
    headers: CaseInsensitiveDict[str]
    chunks: Iterator[bytes]
    _tally: _Tally = field(default_factory=_Tally, repr=False)

    @property
    def size(self) -> int:
        """Bytes read so far."""
        return self._tally.size

    @property
    def sha256(self) -> str:
        """SHA-256 (hex) of the bytes read so far."""
        return self._tally.hasher.hexdigest()


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


@dataclass(frozen=True)
class Charge:
    """A rule of one requirement broken by an answer a check made for another."""

    requirement: str
    check: str
    in_force: str
    exchange: str
    label: str
    mismatches: tuple[Mismatch, ...]


class Transport:
    """What every check shares: the HTTP session, the validator, the log, the pacing."""

    def __init__(
        self,
        target: Target,
        validator: Validator | None,
        log: EvidenceLog,
        budget: RunBudget | None = None,
    ) -> None:
        self.target = target
        self.validator = validator
        self.log = log
        self.budget = budget or RunBudget.of(target.limits)
        """The run's time and request budget, shared with the run's other transport."""
        self.session = Session()  # redirects are the probe's to follow, past its guard
        self.session.trust_env = False  # never route through a proxy from the environment
        # No User-Agent of the suite's, nor requests' or urllib3's: only what the target sets.
        self.session.headers["User-Agent"] = SKIP_HEADER
        self.read_only = False
        """``--read-only``: only safe methods are sent (``conformance._harness.read_only``)."""
        self.in_flight = InFlight()  # lets the watchdog cut a request waiting for its answer
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, CuttingAdapter(self.in_flight))
        self.guard = Guard(self.session, target)
        """The origin guard of this session and target (``destination.Guard``)."""
        self.watchdog = Watchdog()
        rps = target.limits.requests_per_second
        self.pace = _Pace(1.0 / rps if rps > 0 else 0.0)
        self.quota = QuotaPacer()
        self.charges: list[Charge] = []
        self._lock = threading.Lock()

    def charge(self, charge: Charge) -> None:
        """Keep a charge (the harness folds them into the requirements' results)."""
        with self._lock:
            self.charges.append(charge)

    def charged_results(self, wanted: set[str], seed: int | None = None) -> list[CheckResult]:
        """One ``fail`` per (requirement, check) charged, for the requirements in ``wanted``.

        A check that decides the charged requirement itself is left to say so.
        """
        grouped: dict[tuple[str, str], list[Charge]] = {}
        with self._lock:
            for charge in self.charges:
                if charge.requirement in wanted and charge.in_force != charge.requirement:
                    grouped.setdefault((charge.requirement, charge.check), []).append(charge)
        out = []
        for (requirement, check), charges in grouped.items():
            rows = [replace(m, subject=c.label) for c in charges for m in c.mismatches]
            reason = "\n".join(
                [
                    f"{len(charges)} answer(s) provoked by {check or 'the suite'} "
                    f"(for {charges[0].in_force or 'no requirement'}) break {requirement}",
                    *render_rows(rows),
                ]
            )
            out.append(
                CheckResult(
                    requirement,
                    f"{check} (charged)",
                    Outcome.FAIL,
                    reason,
                    0.0,
                    tuple(dict.fromkeys(c.exchange for c in charges)),
                    seed,
                )
            )
        return out

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
        # A check's time limit is cut to what is left of the run's budget.
        ends = time.monotonic() + limit
        self.run_bound = ends >= transport.budget.deadline
        self.deadline = min(ends, transport.budget.deadline)
        self.exchanges: list[str] = []
        self._sent_at: dict[str, float] = {}
        self._read_until: dict[str, float] = {}  # per exchange: when its whole request ends

    def remaining(self) -> float:
        """Seconds left before the check's time limit."""
        return self.deadline - time.monotonic()

    def url(self, path_or_url: str, base: str | None = None) -> str:
        """An absolute URL: paths are joined to the base URL (or to ``base``)."""
        if is_absolute(path_or_url):  # any scheme: the guard decides, it is never a path
            return path_or_url
        if base is not None:
            try:
                return urljoin(base, path_or_url)
            except ValueError:
                return path_or_url  # not a URL: the guard refuses it, saying why
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
        headers: Mapping[str, str | None] | None = None,
        params: Mapping[str, str] | None = None,
        validate: bool = True,
        follow_redirects: bool = True,
        wait_on_429: bool = True,
        signer: Signer | None = None,
        identity: str | None = None,
    ) -> Response:
        """Send one request and return the whole response (up to the size cap).

        ``role`` authenticates as a client for a user; without it the request
        is anonymous and presents ``client``'s headers (if given). A header
        given as None in ``headers`` is not sent, not even the client's
        configured one (a client presenting no ``Origin``, say). With
        ``validate`` the response must match its operation in the spec, or a
        ``SchemaViolation`` is raised against the requirement in force (an error
        answer's body is judged as C-002's, and charged there). The request
        waits until its credential's stated quota allows it, and a 429 is waited
        out as its ``Retry-After`` asks and retried, as often as the check's time
        limit allows; a wait past it, or past ``limits.max_retry_after``, ends the
        check ``error`` with the reason.
        With ``wait_on_429`` False (checks that study refusals) the request is
        neither held back to the quota nor retried: the 429 is returned.
        A ``signer`` signs each request (and each redirect hop) as sent; a
        ``Host`` in ``headers`` is sent as given while the connection goes to
        the URL's host (S3's virtual-hosted addressing). ``identity`` names
        the sender in the evidence when it is not a ``role`` (an S3 user).
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
        redirects = refusals = 0
        while True:
            record, raw = self._send(
                method,
                target_url,
                role,
                sent,
                content,
                stream=False,
                paced=wait_on_429,
                signer=signer,
                identity=identity,
            )
            body = self._read_all(raw, record)
            if wait_on_429 and raw.status_code == 429:
                refusals += 1
                self._wait_out(record, raw, body, role, refusals)
                continue
            refusals = 0
            response = self._finish(record, raw, body, validate)
            location = raw.headers.get("Location")
            if not (follow_redirects and raw.status_code in (301, 302, 303, 307, 308) and location):
                return response
            redirects += 1
            if redirects > _MAX_REDIRECTS:
                break
            try:  # where the Location really leads, as the HTTP stack would connect
                next_url, there = hop(target_url, location, self.transport.session)
            except RefusedDestination:
                return response  # not followed: a non-HTTP or ambiguous Location
            if there.origin != origin_of(target_url):
                if not self.target.allows(there.origin):
                    return response  # the check decides what a foreign redirect means
                sent = {k: v for k, v in sent.items() if k.lower() not in ("authorization", "host")}
                role = signer = identity = None
            if raw.status_code == 303 or (raw.status_code in (301, 302) and method == "POST"):
                method, content = "GET", None
            target_url = next_url
        raise Finding(
            f"{method} {url} redirects without end",
            mismatches=[
                Mismatch("redirects", f"at most {_MAX_REDIRECTS}", f"more than {_MAX_REDIRECTS}")
            ],
            evidence=self.exchanges[-1:],
        )

    @contextmanager
    def stream(
        self,
        url: str,
        *,
        role: Role | None = None,
        headers: Mapping[str, str] | None = None,
        base: str | None = None,
        signer: Signer | None = None,
        identity: str | None = None,
    ) -> Iterator[Stream]:
        """GET a large body chunk by chunk; the record keeps its size and hash."""
        target_url = self.url(url, base)
        record, raw = self._send(
            "GET",
            target_url,
            role,
            self._headers(role, None, headers, None),
            None,
            stream=True,
            paced=True,
            signer=signer,
            identity=identity,
        )
        tally = _Tally()

        def chunks() -> Iterator[bytes]:
            try:
                for chunk in self._chunks(raw, record):
                    tally.add(chunk)
                    yield chunk
            except ProbeError as exc:  # what ended the read is the exchange's error
                record.error = record.error or str(exc)
                raise

        try:
            yield Stream(record.id, target_url, raw.status_code, raw.headers, chunks(), tally)
        finally:
            raw.close()
            self._sent_at.pop(record.id, None)
            self._read_until.pop(record.id, None)  # a download's body has the check's time
            record.status = raw.status_code
            record.response_headers = dict(raw.headers)
            record.response_body = tally.body()
            self._commit(record)

    # -- internals ---------------------------------------------------------------------------

    def _headers(
        self,
        role: Role | None,
        client: str | None,
        extra: Mapping[str, str | None] | None,
        content_type: str | None,
    ) -> dict[str, str]:
        name = role.client if role else client
        sent = {"Accept": "application/json, */*;q=0.5"}
        if self.target.user_agent:
            sent["User-Agent"] = self.target.user_agent
        if name:
            sent.update(self.target.clients.get(name, {}))
        if role is not None:
            sent["Authorization"] = f"Bearer {self.target.token(role).reveal()}"
        if content_type:
            sent["Content-Type"] = content_type
        for key, value in (extra or {}).items():
            if value is None:
                sent.pop(key, None)
            else:
                sent[key] = value
        return sent

    def _guard(self, url: str) -> None:
        # Decided as the HTTP stack will connect (destination.py): a Host header never is.
        if self.target is self.transport.target:
            self.transport.guard(url)  # the transport's guard remembers accepted authorities
        else:
            guard(url, self.transport.session, self.target)

    def _send(
        self,
        method: str,
        url: str,
        role: Role | None,
        headers: dict[str, str],
        content: bytes | None,
        *,
        stream: bool,
        paced: bool,
        signer: Signer | None = None,
        identity: str | None = None,
    ) -> tuple[Record, requests.Response]:
        refuse_writes(method, url, read_only=self.transport.read_only)  # nor logged
        self._guard(url)  # before anything leaves the machine
        if self.remaining() <= 0:
            raise self._out_of_time(f"{method} {url}: not sent")
        key = _credential(role)
        quota = self.transport.quota
        own = origin_of(url) == self.target.origin  # the target's quota paces it
        if paced and own:
            quota.wait(key, self.deadline, f"{method} {url}")
        remaining = self.remaining()
        if remaining <= 0:
            raise self._out_of_time(f"{method} {url}: not sent")
        self.transport.budget.take(f"{method} {url}")
        if signer is not None:
            # Last, so that what is signed is what is sent (and what is recorded); the URL
            # as requests will put it on the wire (its re-quoting of unreserved characters).
            wire_url = requests.Request(method, url).prepare().url or url
            headers = dict(signer(method, wire_url, headers, content))
        log = self.transport.log
        record = Record(
            id=log.new_id(),
            check=self.check,
            requirement=self.requirement,
            role=str(role) if role else identity,
            method=method,
            url=url,
            request_headers=dict(headers),
            request_body=Body.of(content),
            started_at=datetime.now(UTC).isoformat(),
        )
        self.exchanges.append(record.id)
        timeout = min(self.target.limits.request_timeout, remaining)
        self.transport.pace.wait()
        if own:
            quota.sent(key)
        started = self._sent_at[record.id] = time.monotonic()
        # request_timeout bounds the whole request, not each read: a status line and
        # headers that trickle in are cut at the deadline (``cutoff``), as is a body.
        until = self._read_until[record.id] = min(
            started + self.target.limits.request_timeout, self.deadline
        )
        with self.transport.in_flight.sending() as cutter:
            alarm = self.transport.watchdog.arm(until, cutter.fire)
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
                self._read_until.pop(record.id, None)
                if isinstance(exc, _NOT_SENT):
                    self._commit(record)
                    # Nothing left the machine: the suite formed a request it cannot send.
                    raise ProbeError(
                        f"{method} {url}: the request could not be sent ({exc})"
                    ) from None
                if cutter.fired or time.monotonic() >= until:
                    record.error = f"no complete answer within {self._limit(until)}"
                    self._commit(record)
                    raise self._cut_short(
                        f"{method} {url}: no complete answer (status line and headers) "
                        f"within {self._limit(until)}",
                        until,
                        head=True,
                    ) from None
                self._commit(record)
                garbled = _garbled(exc)
                if garbled:  # it answered, badly: the platform's fault, not "nothing answered"
                    raise Finding(
                        f"{method} {url}: the platform answered, but not with HTTP the suite "
                        f"can read: {garbled}",
                        mismatches=[
                            Mismatch("response", "an HTTP/1.1 response (RFC 9112)", garbled)
                        ],
                        evidence=[record.id],
                    ) from None
                raise TargetUnreachable(f"{method} {url}: {_why(exc)}") from None
            except BaseException as exc:  # whatever else ended it: recorded all the same
                record.duration = time.monotonic() - started
                record.error = record.error or _error_text(exc)
                self._read_until.pop(record.id, None)
                self._commit(record)
                raise
            finally:
                self.transport.watchdog.cancel(alarm)
        record.duration = time.monotonic() - started
        if own:
            quota.observe(key, raw.headers)
        return record, raw

    def _limit(self, until: float) -> str:
        """The limit that ends at ``until``, as a reason names it."""
        if until < self.deadline:
            seconds = human_duration(self.target.limits.request_timeout)
            return f"the request time limit ({seconds}, limits.request_timeout)"
        if self.run_bound:
            return self.transport.budget.describe()
        return f"the time limit of {self.check or 'the check'}"

    def _cut_short(self, message: str, until: float, *, head: bool = False) -> ProbeError:
        """The error for a request cut at ``until``: by its own time limit, the check's or
        the run's. Headers that never came whole within the request's own are, as for a
        read timeout, no answer."""
        if until < self.deadline:
            return TargetUnreachable(message) if head else DeadlineExceeded(message)
        return BudgetSpent(message) if self.run_bound else DeadlineExceeded(message)

    def _out_of_time(self, what: str) -> DeadlineExceeded:
        """The error for a request the check's time limit (or the run budget) left no time for."""
        if self.run_bound:
            return BudgetSpent(f"{what}: {self.transport.budget.time_spent()}")
        return DeadlineExceeded(f"{what}: {self.check or 'the check'} used up its time limit")

    def _chunks(
        self, raw: requests.Response, record: Record, until: float | None = None
    ) -> Iterator[bytes]:
        """The body, chunk by chunk, within the size cap and cut at ``until`` (the check's
        deadline unless given: a whole-body read is held to the request's)."""
        until = self.deadline if until is None else until
        cap = self.target.limits.max_response_bytes
        declared = raw.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raw.close()
            record.error = f"Content-Length {declared} exceeds the cap of {cap} bytes"
            # Recorded once, by the caller (_read_all, stream), not here as well.
            raise ResponseTooLarge(f"{record.method} {record.url}: {record.error}")
        total = 0
        # A body that trickles in would never trip the per-read timeout: a watchdog
        # cuts the connection at the deadline instead.
        alarm = self.transport.watchdog.arm(until, lambda: _cut(raw))
        try:
            for chunk in raw.iter_content(_CHUNK):
                total += len(chunk)
                if total > cap:
                    raise ResponseTooLarge(
                        f"{record.method} {record.url}: the body passed the cap of {cap} bytes"
                    )
                if time.monotonic() > until:
                    raise self._cut_short(self._late(record, until), until)
                yield chunk
        except (requests.RequestException, OSError, AttributeError, ValueError) as exc:
            if time.monotonic() >= until:
                raise self._cut_short(self._late(record, until), until) from None
            if isinstance(exc, requests.RequestException):
                raise TargetUnreachable(f"{record.method} {record.url}: {_why(exc)}") from None
            raise
        finally:
            self.transport.watchdog.cancel(alarm)

    def _late(self, record: Record, until: float) -> str:
        """Why a body read was cut at ``until`` (worded only when it is: most reads end)."""
        return (
            f"{record.method} {record.url}: "
            f"the body was still arriving when {self._limit(until)} ran out"
        )

    def _read_all(self, raw: requests.Response, record: Record) -> bytes:
        parts = []
        try:
            parts = list(self._chunks(raw, record, self._read_until.pop(record.id, None)))
        except BaseException as exc:  # whatever ended the read, the exchange is recorded
            record.status = raw.status_code
            record.error = str(exc) if isinstance(exc, ProbeError) else _error_text(exc)
            self._commit(record)
            raise
        finally:
            raw.close()
        return b"".join(parts)

    def _finish(
        self, record: Record, raw: requests.Response, body: bytes, validate: bool
    ) -> Response:
        limit = self.target.limits.max_json_bytes
        with self._committing(record):
            op, path = self._complete(record, raw, body)
            validator = self.transport.validator
            if op is not None and validate and validator is not None and path is not None:
                # An error body is C-002's to judge (``_screen``); status and headers stay here.
                found = validator.check_response(
                    op,
                    path,
                    raw.status_code,
                    raw.headers,
                    body,
                    include_body=raw.status_code < 400,
                    max_json_bytes=limit,
                )
                # Likewise a 429's Retry-After is C-003's (``_screen``).
                record.violations = [m for m in found if m.path.lower() != "header retry-after"]
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
            self._sent_at.pop(record.id, 0.0),
            limit,
        )

    def _complete(
        self, record: Record, raw: requests.Response, body: bytes
    ) -> tuple[Operation | None, str | None]:
        """Fill the record with the answer, find its operation, screen it for COMMON.

        Whatever goes wrong here, the record is committed before the error goes on.
        """
        record.status = raw.status_code
        record.response_headers = dict(raw.headers)
        record.response_body = Body.of(body)
        try:
            path = _path_under(record.url, self.target)
            validator = self.transport.validator
            op: Operation | None = (
                validator.find(record.method, path) if validator and path else None
            )
            if op is not None:
                record.operation = op.operation_id
            self._screen(record, raw, body, op, path)
        except BaseException as exc:
            record.error = record.error or _error_text(exc)
            self._commit(record)
            raise
        return op, path

    def _screen(
        self,
        record: Record,
        raw: requests.Response,
        body: bytes,
        op: Operation | None,
        path: str | None,
    ) -> None:
        """Hold the answer to C-002 and C-003, whichever check provoked it."""
        status = raw.status_code
        who = record.role or "anonymous"
        label = f"{record.method} {path or record.url} as {who} ({record.id}, {status})"
        if (
            op is not None
            and status >= 400
            and record.method != "HEAD"
            and _asks_for_json(record.request_headers)
        ):
            defects = problem_defects(status, raw.headers, body)
            if defects:
                self._charge(PROBLEMS, record, label, defects)
        if status == 429 and path is not None and not retry_after(raw.headers.get("Retry-After")):
            self._charge(
                RETRY_AFTER,
                record,
                label,
                [
                    Mismatch(
                        "Retry-After",
                        "delay-seconds or an IMF-fixdate HTTP-date",
                        raw.headers.get("Retry-After"),
                    )
                ],
            )

    def _charge(
        self, requirement: str, record: Record, label: str, mismatches: list[Mismatch]
    ) -> None:
        self.transport.charge(
            Charge(requirement, self.check, self.requirement, record.id, label, tuple(mismatches))
        )

    def _wait_out(
        self,
        record: Record,
        raw: requests.Response,
        body: bytes,
        role: Role | None,
        refusals: int,
    ) -> None:
        """Record a 429 and sleep as it asks; ``DeadlineExceeded`` if that passes the limit."""
        self._sent_at.pop(record.id, None)
        self._complete(record, raw, body)
        key = _credential(role)
        value = raw.headers.get("Retry-After")
        delay, basis = retry_delay(value), f"Retry-After: {value}"
        if delay is None:
            stated = self.transport.quota.reset_in(key)
            if stated is not None:
                delay, basis = stated, "no usable Retry-After; the RateLimit reset"
            else:
                delay = min(2.0 ** (refusals - 1), _MAX_BACKOFF)
                basis = "no usable Retry-After; backing off"
        if refusals > 1:
            delay = max(delay, 1.0)  # a platform that keeps refusing "0 s" is not hammered
        longer = f" ({human_duration(delay)})" if delay >= 120 else ""
        refused = (
            f"{record.method} {record.url} as {key}: refused with 429 "
            f"({_ordinal(refusals)} time in a row), asked to wait {delay:.0f} s{longer} ({basis})"
        )
        left = self.remaining()
        if delay >= left - 1:
            record.error = f"429: not waited ({basis}); less time is left than that"
            self._commit(record)
            have = f"{max(left, 0):.0f} s of its"
            left_of = (
                f"the run has {have} budget (limits.run_budget)"
                if self.run_bound
                else f"the check has {have} time limit"
            )
            raise self._cut_short(f"{refused}; {left_of} left", self.deadline)
        cap = self.target.limits.max_retry_after
        if delay > cap:
            # Asking earlier than told would be rude, and waiting that long stalls the run.
            record.error = f"429: not waited ({basis}): longer than limits.max_retry_after"
            self._commit(record)
            raise DeadlineExceeded(
                f"{refused}; the suite waits at most {human_duration(cap)} for a refusal "
                "(limits.max_retry_after), so it did not ask again"
            )
        record.error = f"429: waited {delay:.1f} s ({basis}), then retried"
        self._commit(record)
        time.sleep(delay)

    def _commit(self, record: Record) -> None:
        """Write the record to the evidence (once: a record already written stays as it was)."""
        self.transport.log.write(record)

    @contextmanager
    def _committing(self, record: Record) -> Iterator[None]:
        """Commit ``record`` when the block ends, however it ends (an error is recorded)."""
        try:
            yield
        except BaseException as exc:
            record.error = record.error or _error_text(exc)
            raise
        finally:
            self._commit(record)


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


def _error_text(exc: BaseException) -> str:
    """An exception as an evidence record's ``error``, bounded."""
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= _ERROR_CHARS else text[: _ERROR_CHARS - 3] + "..."


def _garbled(exc: BaseException) -> str:
    """Why an answer could not be read as HTTP, when that is what ended the request.

    ``http.client`` refuses a header line over 64 KiB, more than 100 header
    fields and a status line that is not HTTP; requests wraps its exception
    (in urllib3's, in its own). A peer that closed without a word
    (``RemoteDisconnected``) did not answer at all: that is not garbled.
    """
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, http.client.LineTooLong):
            return f"a status or header line longer than HTTP clients read ({current})"
        if isinstance(current, http.client.RemoteDisconnected):
            continue
        if isinstance(current, http.client.BadStatusLine):
            return f"a status line that is not HTTP ({str(current)[:80]!r})"
        if isinstance(current, http.client.HTTPException) and "headers" in str(current):
            return f"more header fields than the suite reads ({current})"
        todo += [a for a in current.args if isinstance(a, BaseException)]
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]
    return ""


def _credential(role: Role | None) -> str:
    return str(role) if role is not None else "anonymous"


def _asks_for_json(headers: Mapping[str, str]) -> bool:
    """Whether the request asked as an API client (no Accept, or one naming a JSON type).

    A request made as a browser (LINK-007's visitors ask for ``text/html``)
    may get an HTML error page; C-002 judges what the suite asks as a client.
    """
    accept = next((v for k, v in headers.items() if k.lower() == "accept"), None)
    if accept is None:
        return True
    for member in accept.split(","):
        parsed = media_type(member)
        if parsed is not None and (parsed.is_json or parsed.essence == "application/*"):
            if parsed.parameters.get("q", "1").strip() not in ("0", "0.0", "0.00", "0.000"):
                return True
    return False


def _ordinal(n: int) -> str:
    return f"{n}{'st' if n == 1 else 'nd' if n == 2 else 'rd' if n == 3 else 'th'}"


def _path_under(url: str, target: Target) -> str | None:
    """The path of ``url`` relative to the target's base URL's path, if it is under it."""
    if origin_of(url) != target.origin:
        return None
    path = urlsplit(url).path
    prefix = urlsplit(target.base_url).path.rstrip("/")
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
