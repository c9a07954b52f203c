"""PORT-006 and PORT-008: nobody else reads an account; third parties get what first parties get."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from conformance import (
    ALICE,
    ALICE_THIRD_PARTY,
    BOB,
    DeadlineExceeded,
    Finding,
    Harness,
    Mismatch,
    Ordinary,
    Outcome,
    Response,
    Role,
    draw,
    human_duration,
    not_applicable,
    ordinary,
)
from conformance.port.archive import serialize
from conformance.port.client import Export, PortClient, resolve_media_url
from conformance.port.equality import compare_records
from conformance.port.roundtrip import cleanup
from conformance.port.strategies import archives

from .conftest import Baseline

_DENIED = (401, 403, 404)
_EXPIRED = (401, 403, 404, 410)
_LONGEST_WAIT = 600  # seconds: a signed URL's expiry is observed only up to this lifetime
_SKEW = 5  # seconds of clock skew allowed past a signed URL's lifetime


@pytest.mark.requirement("PORT-006")
def test_other_users_and_anonymous_callers_cannot_read_an_account(
    port: PortClient, baseline: Baseline, harness: Harness
) -> None:
    """Jobs, imports, media, parts and changes of alice are closed to bob and to anonymous calls."""
    probe = port.probe
    export_job = baseline.export.location
    import_id = str(baseline.import_job.get("id") or "")
    targets = [export_job] + ([f"/port/v1/imports/{import_id}"] if import_id else [])
    mismatches: list[Mismatch] = []
    for url in targets:
        for who, role in (("bob", BOB), ("anonymous", None)):
            response = probe.get(url, role=role, validate=False)
            mismatches += _denied(response, f"GET {url} as {who}")
    mismatches += _listed(port, BOB, "/port/v1/exports", "exports", _job_id(export_job))
    if import_id:
        mismatches += _listed(port, BOB, "/port/v1/imports", "imports", import_id)
    for path in ("/port/v1/exports", "/port/v1/imports", "/port/v1/changes"):
        mismatches += _denied(probe.get(path, validate=False), f"GET {path} anonymously")
    alice_ids = _alice_ids(baseline)
    for page, response in port.changes(BOB, None, max_pages=1000, limit=1000):
        mismatches += _leaks(page, alice_ids, f"GET /port/v1/changes as bob ({response.exchange})")
    urls = _DownloadUrls.collect(port, baseline, ordinary(harness.seed, "PORT-006"))
    try:
        mismatches += urls.protected()
    finally:
        urls.release()
    if mismatches:
        raise Finding(
            "another user or an anonymous caller could read alice's data", mismatches=mismatches
        )
    harness.verified(
        f"alice's export job, import, lists and changes closed to bob and to anonymous calls; "
        f"{urls.summary()}"
    )


def _alice_ids(baseline: Baseline) -> set[str]:
    records = baseline.export.archive.records if baseline.export.archive else []
    return {str(r.get("id")) for r in records if isinstance(r.get("id"), str)}


def _leaks(page: Mapping[str, Any], alice_ids: set[str], label: str) -> list[Mismatch]:
    changes = [c for c in page.get("changes") or [] if isinstance(c, dict)]
    leaked = alice_ids & {str(c.get("id")) for c in changes}
    if not leaked:
        return []
    return [
        Mismatch(label, "the caller's own changes only", sorted(leaked)[:3], "alice's record ids")
    ]


def _denied(response: Response, label: str) -> list[Mismatch]:
    # The refusal's body is C-002's to judge: the probe charges a defect there.
    if response.status not in _DENIED:
        return [Mismatch(f"{label} ({response.exchange})", "401, 403 or 404", response.status)]
    return []


def _listed(port: PortClient, role: Role, path: str, key: str, job_id: str) -> list[Mismatch]:
    response = port.probe.get(path, role=role)
    body = response.json()
    jobs = body.get(key) if isinstance(body, dict) else None
    ids = [str(j.get("id")) for j in jobs or [] if isinstance(j, dict)]
    if job_id in ids:
        return [
            Mismatch(
                f"GET {path} as {role.user} ({response.exchange})",
                "not listed",
                job_id,
                "alice's job in another user's list",
            )
        ]
    return []


def _job_id(location: str) -> str:
    return urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class _DownloadUrls:
    """Part and media URLs of alice's, fresh, with what is needed to tamper with them."""

    port: PortClient
    parts: list[tuple[str, str]]
    media: list[tuple[str, str]]
    values: Ordinary
    """Made-up values of the run: the private Media record, the parameter a tampering adds."""
    extra: Export | None = None
    imported: list[tuple[dict[str, Any], dict[str, str]]] = field(default_factory=list)
    signed: list[str] = field(default_factory=list)
    owner_only: list[str] = field(default_factory=list)

    @classmethod
    def collect(cls, port: PortClient, baseline: Baseline, values: Ordinary) -> _DownloadUrls:
        """Fresh part URLs of the baseline, and of another export holding private media."""
        fresh, _ = port.fresh_part_urls(ALICE, baseline.export)
        parts = [(f"part {i + 1} of the baseline export", url) for i, url in enumerate(fresh[:2])]
        made = cls(port, parts, [], values)
        try:
            extra, media = _private_media(port, made.imported, values)
        except BaseException:
            made.release()
            raise
        made.extra = extra
        made.parts += [
            (f"part {i + 1} of a second export", url)
            for i, url in enumerate(port.part_urls(extra)[:1])
        ]
        made.media.append(("media only alice holds", media))
        return made

    def release(self) -> None:
        """Delete the second export and the Media record imported for it.

        Only now: deleting a Media record may delete its bytes (the draft
        allows either), which would close its URL to alice too.
        """
        if self.extra is not None:
            self.port.delete_export(ALICE, self.extra.location)
        for record, id_map in self.imported:
            cleanup(self.port, ALICE, [record], id_map)

    def protected(self) -> list[Mismatch]:
        """Each URL needs alice's credentials, or is signed and resists tampering."""
        out: list[Mismatch] = []
        urls = self.parts + self.media
        for label, url in urls:
            anonymous = self.port.probe.get(url, validate=False)
            if anonymous.status == 200:
                if not self.signed:
                    out += _lifetime_declared(self.port, label)
                self.signed.append(label)
                others = [
                    u for name, u in urls if u != url and name.split(" ")[0] == label.split(" ")[0]
                ]
                added = self.values.query_parameter()
                out += _tampered(self.port, label, url, others, added)
            else:
                self.owner_only.append(label)
                out += _needs_the_owner(self.port, label, url, anonymous)
        return out

    def summary(self) -> str:
        """What was verified of the download URLs."""
        parts = []
        if self.signed:
            parts.append(
                f"{len(self.signed)} signed URL(s) refused when their signature, expiry or path "
                "changed or a parameter was added"
            )
        if self.owner_only:
            parts.append(f"{len(self.owner_only)} URL(s) served to alice only")
        return "; ".join(parts) or "no download URL"


def _lifetime_declared(port: PortClient, label: str) -> list[Mismatch]:
    lifetime = port.claims.limits().get("port.signed_url_seconds")
    if isinstance(lifetime, (int, float)) and not isinstance(lifetime, bool):
        if 300 <= lifetime <= 86_400:
            return []
    return [
        Mismatch(
            "$.limits['port.signed_url_seconds']",
            "300..86400 for signed URLs",
            lifetime,
            f"{label} downloads without credentials, so its URL is signed",
        )
    ]


def _needs_the_owner(port: PortClient, label: str, url: str, anonymous: Response) -> list[Mismatch]:
    out = _denied(anonymous, f"{label} without credentials")
    as_bob = port.probe.get(url, role=BOB, validate=False)
    if as_bob.status not in _DENIED:
        out.append(
            Mismatch(f"{label} as bob ({as_bob.exchange})", "401, 403 or 404", as_bob.status)
        )
    as_alice = port.probe.get(url, role=ALICE, validate=False)
    if as_alice.status != 200:
        out.append(
            Mismatch(
                f"{label} as alice ({as_alice.exchange})",
                200,
                as_alice.status,
                "a URL that needs credentials must work with the owner's",
            )
        )
    return out


def _tampered(
    port: PortClient, label: str, url: str, others: Sequence[str], added: tuple[str, str]
) -> list[Mismatch]:
    out = []
    for how, changed in _tamperings(url, added, others):
        response = port.probe.get(changed, validate=False)
        if response.status not in _DENIED:
            out.append(
                Mismatch(
                    f"{label} with {how} ({response.exchange})",
                    "401, 403 or 404",
                    response.status,
                    "a tampered signed URL must not work",
                )
            )
    return out


def _private_media(
    port: PortClient, imported: list[tuple[dict[str, Any], dict[str, str]]], values: Ordinary
) -> tuple[Export, str]:
    """An export holding a Media record whose bytes only alice holds, and that record's url.

    The record is noted in ``imported``, to be deleted once its URL was tried. Its
    bytes, id, name and time are made up for the run, as a user's would be.
    """
    data = values.data(96)
    sha = hashlib.sha256(data).hexdigest()
    stamp = values.timestamp()
    record = {
        "type": "Media",
        "id": values.id(),
        "created_at": stamp,
        "updated_at": stamp,
        "media_type": "application/octet-stream",
        "size": len(data),
        "sha256": sha,
        "filename": f"{values.slug()}.bin",
        "url": f"/media/{values.id()}",
    }
    port.put_media(ALICE, {sha: data})
    job = port.import_archive(ALICE, serialize([record], with_manifest=False))
    id_map = job.get("id_map") or {}
    imported.append((record, id_map))
    export = port.export(ALICE)
    records = export.archive.records if export.archive else []
    found = [
        r
        for r in records
        if r.get("id") == id_map.get(record["id"]) and isinstance(r.get("url"), str)
    ]
    if not found:
        port.delete_export(ALICE, export.location)
        raise Finding(
            "a Media record imported for the isolation check is missing from the export",
            mismatches=[Mismatch("$", "the Media record", None, "missing", str(record["id"]))],
        )
    return export, resolve_media_url(port.probe, found[0]["url"])


def _tamperings(
    url: str, added: tuple[str, str], others: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """Each mutation of a URL on its own, and this URL's query on the others' paths.

    ``added`` is the parameter the URL gains: one clients commonly append, made up for the run.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    out = []
    for i, (name, value) in enumerate(query):
        changed = list(query)
        changed[i] = (name, _flip(value))
        out.append((f"{name} changed", urlunsplit(parts._replace(query=urlencode(changed)))))
    path = parts.path
    last = path.rsplit("/", 1)
    out.append(("path changed", urlunsplit(parts._replace(path=f"{last[0]}/{_flip(last[1])}"))))
    out.append(
        (
            "a query parameter added",
            urlunsplit(parts._replace(query=urlencode([*query, added]))),
        )
    )
    if query:
        for other in others:
            moved = urlsplit(other)
            if moved.path != parts.path:
                out.append(
                    (
                        "another download's path under this signature",
                        urlunsplit(moved._replace(query=parts.query)),
                    )
                )
    return out


def _flip(value: str) -> str:
    if not value:
        return "x"
    return value[:-1] + ("2" if value.endswith("1") else "1")


@pytest.mark.requirement("PORT-006")
def test_a_changes_cursor_reads_only_its_callers_feed(
    port: PortClient, baseline: Baseline, harness: Harness
) -> None:
    """bob presenting a cursor alice was given reads bob's feed (or is refused), never alice's."""
    cursor: object = None
    first_response = None
    # The first page that holds a change (pages may be empty) gives a cursor past it.
    for page, response in port.changes(ALICE, None, max_pages=50, limit=1):
        if page.get("changes"):
            cursor, first_response = page.get("next_cursor"), response
            if not page.get("has_more"):
                cursor = None
            break
    if not isinstance(cursor, str) or first_response is None:
        not_applicable("alice's feed ends after its first change, so no cursor of hers leads on")
    response = port.probe.get(
        "/port/v1/changes", role=BOB, params={"cursor": cursor, "limit": "1000"}, validate=False
    )
    mismatches: list[Mismatch] = []
    label = f"GET /port/v1/changes as bob with alice's cursor ({response.exchange})"
    if response.status == 200:
        body = response.json()
        if isinstance(body, dict):
            mismatches += _leaks(body, _alice_ids(baseline), label)
    elif response.status not in (400, 401, 403, 404, 410):
        mismatches.append(Mismatch(label, "200 with bob's changes, or a refusal", response.status))
    if mismatches:
        raise Finding("a cursor reads another account's changes", mismatches=mismatches)
    harness.verified(
        f"alice's cursor presented by bob: {response.status}, none of alice's "
        f"{len(_alice_ids(baseline))} record ids in the answer",
        evidence=[first_response.exchange, response.exchange],
    )


@pytest.mark.requirement("PORT-006")
def test_signed_urls_expire_within_the_declared_lifetime(
    port: PortClient, baseline: Baseline, harness: Harness
) -> None:
    """A signed part URL stops working once port.signed_url_seconds have passed since it was given."""
    urls = port.part_urls(baseline.export)
    fresh = baseline.anonymous_part
    if not urls or fresh is None:
        not_applicable("the baseline export lists no part")
    if fresh.status not in (200, 206):
        not_applicable(
            f"part URLs need the owner's credentials (without them: {fresh.status}), so none "
            "has a lifetime to observe"
        )
    lifetime = port.claims.limits().get("port.signed_url_seconds")
    if not isinstance(lifetime, (int, float)) or isinstance(lifetime, bool):
        raise Finding(
            "a part URL works without credentials, so it is signed, but its lifetime is not "
            "declared",
            mismatches=[
                Mismatch("$.limits['port.signed_url_seconds']", "a number of seconds", lifetime)
            ],
            evidence=[fresh.exchange],
        )
    if lifetime > _LONGEST_WAIT:
        not_applicable(
            f"port.signed_url_seconds is {lifetime}: the suite waits out lifetimes of at most "
            f"{_LONGEST_WAIT} s, so this one is not observed"
        )
    if any(r.outcome is Outcome.FAIL for r in harness.results.get("PORT-006", [])):
        not_applicable("PORT-006 has already failed, so the lifetime is not waited out")
    given = baseline.export.fetched_at
    wait = given + float(lifetime) + _SKEW - time.monotonic()
    if wait > port.probe.remaining() - 10:
        raise DeadlineExceeded(
            f"the part URL must be tried {human_duration(wait)} from now (port.signed_url_seconds "
            f"{lifetime} + {_SKEW} s), past the check's time limit; raise limits.check_timeout"
        )
    time.sleep(max(0.0, wait))
    late = port.probe.get(urls[0], validate=False)
    age = time.monotonic() - given
    if late.status not in _EXPIRED:
        raise Finding(
            "a signed URL still works after its declared lifetime",
            mismatches=[
                Mismatch(
                    f"the baseline's first part URL, {human_duration(age)} after it was given "
                    f"({late.exchange})",
                    "401, 403, 404 or 410",
                    late.status,
                    f"port.signed_url_seconds is {lifetime}",
                )
            ],
            evidence=[fresh.exchange, late.exchange],
        )
    harness.verified(
        f"the baseline's first part URL worked without credentials ({fresh.status}) and "
        f"answered {late.status} {human_duration(age)} after it was given "
        f"(port.signed_url_seconds: {lifetime})",
        evidence=[fresh.exchange, late.exchange],
    )


@pytest.mark.requirement("PORT-008")
def test_third_party_client_gets_what_first_party_gets(
    port: PortClient, baseline: Baseline, harness: Harness
) -> None:
    """The same requests as third_party and first_party: same statuses, same records."""
    parity = _Parity(port, ordinary(harness.seed, "PORT-008"))
    parity.compare_reads()
    parity.compare_writes(
        draw(archives(min_records=5, max_records=15, with_profile=False), harness.seed)
    )
    parity.compare_exports()
    if parity.mismatches:
        raise Finding(
            "third_party is treated differently from first_party", mismatches=parity.mismatches
        )
    harness.verified(
        f"{parity.pairs} pair(s) of identical requests as first_party and third_party: same "
        f"statuses; exports of {parity.records} record(s) equal; the same changes after a cursor"
    )


class _Parity:
    """The same request as alice's first-party and third-party clients, compared."""

    def __init__(self, port: PortClient, values: Ordinary) -> None:
        self.port = port
        self.values = values  # made-up bytes and an unknown record type, new each run
        self.mismatches: list[Mismatch] = []
        self.pairs = 0
        self.records = 0

    def same_status(self, label: str, first: Response, third: Response) -> None:
        self.pairs += 1
        if first.status != third.status:
            self.mismatches.append(
                Mismatch(
                    f"{label} ({first.exchange} / {third.exchange})",
                    first.status,
                    third.status,
                    "third_party's status against first_party's",
                )
            )

    def both(self, method: str, url: str, **kw: Any) -> tuple[Response, Response]:
        first = self.port.probe.request(method, url, role=ALICE, validate=False, **kw)
        third = self.port.probe.request(method, url, role=ALICE_THIRD_PARTY, validate=False, **kw)
        self.same_status(f"{method} {url}", first, third)
        return first, third

    def compare_reads(self) -> None:
        for path in ("/port/v1/exports", "/port/v1/imports", "/port/v1/changes?limit=5"):
            self.both("GET", path)

    def compare_writes(self, generated: Any) -> None:
        """Media uploads, an import with an invalid line, its job, then the feed after it."""
        cursor = self.port.end_cursor(ALICE)
        unknown_type = self.values.word().capitalize()  # not a record type PORT defines
        body = generated.body(with_manifest=False) + b'{"type": "%s"}\n' % unknown_type.encode()
        jobs = []
        for role in (ALICE, ALICE_THIRD_PARTY):
            fresh = self.values.data(64)
            sha = hashlib.sha256(fresh).hexdigest()
            jobs.append(
                (
                    self.port.probe.put(
                        f"/port/v1/media/{sha}",
                        role=role,
                        content=fresh,
                        content_type="application/octet-stream",
                        validate=False,
                    ),
                    role,
                )
            )
        self.same_status("PUT of fresh media bytes", jobs[0][0], jobs[1][0])
        self.port.put_media(ALICE, generated.media)
        first_job, _ = self.port.import_archive_at(ALICE, body)
        third_job, _ = self.port.import_archive_at(ALICE_THIRD_PARTY, body)
        try:
            for key in ("status", "imported"):
                if first_job.get(key) != third_job.get(key):
                    self.mismatches.append(
                        Mismatch(f"import $.{key}", first_job.get(key), third_job.get(key))
                    )
            lines = [
                sorted(str(r.get("line")) for r in j.get("rejected") or [] if isinstance(r, dict))
                for j in (first_job, third_job)
            ]
            if lines[0] != lines[1]:
                self.mismatches.append(Mismatch("import $.rejected[*].line", lines[0], lines[1]))
            feeds = [self._feed(role, cursor) for role in (ALICE, ALICE_THIRD_PARTY)]
            if feeds[0] != feeds[1]:
                self.mismatches.append(
                    Mismatch(
                        "the feed after the same cursor",
                        f"{len(feeds[0])} changes as first_party",
                        f"{len(feeds[1])} changes, first difference at "
                        f"{next((i for i, (a, b) in enumerate(zip(feeds[0], feeds[1], strict=False)) if a != b), min(len(feeds[0]), len(feeds[1])))}",
                    )
                )
            self.pairs += 2
        finally:
            cleanup(self.port, ALICE, generated.records, first_job.get("id_map") or {})
            cleanup(self.port, ALICE_THIRD_PARTY, generated.records, third_job.get("id_map") or {})

    def _feed(self, role: Role, cursor: str | None) -> list[tuple[Any, Any, Any]]:
        out = []
        for page, _ in self.port.changes(role, cursor, max_pages=500, limit=100):
            out += [
                (c.get("seq"), c.get("op"), c.get("id"))
                for c in page.get("changes") or []
                if isinstance(c, dict)
            ]
        return out

    def compare_exports(self) -> None:
        """An export through each client of the same account: the same records."""
        first = self.port.export(ALICE)
        try:
            third = self.port.export(ALICE_THIRD_PARTY)
        finally:
            self.port.delete_export(ALICE, first.location)
        self.port.delete_export(ALICE_THIRD_PARTY, third.location)
        self.pairs += 2
        assert first.archive is not None and third.archive is not None
        ones, others = first.archive.records, third.archive.records
        self.records = len(ones)
        same = {str(r.get("id")): str(r.get("id")) for r in ones if isinstance(r.get("id"), str)}
        found = compare_records(ones, others, same) + compare_records(others, ones, same)
        self.mismatches += [
            dataclasses.replace(m, path=f"third_party export: {m.path}") for m in found
        ]
