"""PORT-006 and PORT-008: nobody else reads an account; third parties get what first parties get."""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from conformance.errors import Finding, Mismatch
from conformance.port.archive import serialize
from conformance.port.client import PortClient, resolve_media_url
from conformance.port.roundtrip import cleanup
from conformance.probe import Response
from conformance.roles import ALICE, ALICE_THIRD_PARTY, BOB
from conformance.target import Role

from .conftest import Baseline

_DENIED = (401, 403, 404)


@pytest.mark.requirement("PORT-006")
def test_other_users_and_anonymous_callers_cannot_read_an_account(
    port: PortClient, baseline: Baseline
) -> None:
    """Jobs, imports, media and changes of alice are closed to bob and to anonymous calls."""
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
    alice_ids = {
        str(r.get("id"))
        for r in (baseline.export.archive.records if baseline.export.archive else [])
    }
    for page, response in port.changes(BOB, None, max_pages=1000, limit=1000):
        leaked = alice_ids & {
            str(c.get("id")) for c in page.get("changes", []) if isinstance(c, dict)
        }
        if leaked:
            mismatches.append(
                Mismatch(
                    f"GET /port/v1/changes as bob ({response.exchange})",
                    "bob's changes only",
                    sorted(leaked)[:3],
                    "alice's record ids in bob's feed",
                )
            )
    mismatches += _download_urls_are_protected(port, baseline)
    if mismatches:
        raise Finding(
            "another user or an anonymous caller could read alice's data", mismatches=mismatches
        )


def _denied(response: Response, label: str) -> list[Mismatch]:
    if response.status not in _DENIED:
        return [Mismatch(f"{label} ({response.exchange})", "401, 403 or 404", response.status)]
    if not response.headers.get("Content-Type", "").startswith("application/problem+json"):
        return [
            Mismatch(
                f"{label} ({response.exchange}) Content-Type",
                "application/problem+json",
                response.headers.get("Content-Type"),
            )
        ]
    return []


def _listed(port: PortClient, role: Role, path: str, key: str, job_id: str) -> list[Mismatch]:
    response = port.probe.get(path, role=role)
    ids = [str(j.get("id")) for j in (response.json().get(key) or []) if isinstance(j, dict)]
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


def _download_urls_are_protected(port: PortClient, baseline: Baseline) -> list[Mismatch]:
    """Part and media URLs need the owner's credentials, or are signed and resist tampering."""
    probe = port.probe
    urls = [(f"part {i}", p.url) for i, p in enumerate(baseline.export.parts[:2])]
    urls += [("media only alice holds", url) for url in _private_media_urls(port)]
    out: list[Mismatch] = []
    for i, url in urls:
        as_bob = probe.get(url, role=BOB, validate=False)
        anonymous = probe.get(url, validate=False)
        if anonymous.status != 200:
            if as_bob.status not in _DENIED:
                out.append(
                    Mismatch(f"{i} as bob ({as_bob.exchange})", "401, 403 or 404", as_bob.status)
                )
            continue
        lifetime = port.claims.limits().get("port.signed_url_seconds")
        if not isinstance(lifetime, (int, float)) or not 300 <= lifetime <= 86_400:
            out.append(
                Mismatch(
                    "$.limits['port.signed_url_seconds']",
                    "300..86400 for signed URLs",
                    lifetime,
                    f"{i} downloads without credentials, so its URL is signed",
                )
            )
        for how, tampered in _tamperings(url):
            response = probe.get(tampered, validate=False)
            if response.status not in _DENIED:
                out.append(
                    Mismatch(
                        f"{i} with {how} ({response.exchange})",
                        "401, 403 or 404",
                        response.status,
                        "a tampered signed URL must not work",
                    )
                )
    return out


def _private_media_urls(port: PortClient) -> list[str]:
    """The url of a Media record whose bytes only alice holds (fresh random bytes)."""
    data = secrets.token_bytes(96)
    sha = hashlib.sha256(data).hexdigest()
    stamp = "2024-02-03T04:05:06Z"
    record = {
        "type": "Media",
        "id": "private",
        "created_at": stamp,
        "updated_at": stamp,
        "media_type": "application/octet-stream",
        "size": len(data),
        "sha256": sha,
        "filename": "private.bin",
        "url": "ignored",
    }
    port.put_media(ALICE, {sha: data})
    job = port.import_archive(ALICE, serialize([record], with_manifest=False))
    id_map = job.get("id_map") or {}
    try:
        export = port.export(ALICE)
        port.delete_export(ALICE, export.location)
    finally:
        cleanup(port, ALICE, [record], id_map)
    records = export.archive.records if export.archive else []
    found = [
        r for r in records if r.get("id") == id_map.get("private") and isinstance(r.get("url"), str)
    ]
    if not found:
        raise Finding("a Media record imported for the isolation check is missing from the export")
    return [resolve_media_url(port.probe, found[0]["url"])]


def _tamperings(url: str) -> list[tuple[str, str]]:
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
            urlunsplit(parts._replace(query=urlencode([*query, ("conformance", "1")]))),
        )
    )
    return out


def _flip(value: str) -> str:
    if not value:
        return "x"
    return value[:-1] + ("2" if value.endswith("1") else "1")


@pytest.mark.requirement("PORT-008")
def test_third_party_client_gets_what_first_party_gets(port: PortClient) -> None:
    """The same requests as third_party and first_party: same statuses, same records."""
    mismatches: list[Mismatch] = []
    for path in ("/port/v1/exports", "/port/v1/imports", "/port/v1/changes?limit=5"):
        first = port.probe.get(path, role=ALICE, validate=False)
        third = port.probe.get(path, role=ALICE_THIRD_PARTY, validate=False)
        if first.status != third.status:
            mismatches.append(
                Mismatch(
                    f"GET {path} ({third.exchange})",
                    first.status,
                    third.status,
                    "third_party status against first_party's",
                )
            )
    try:
        first_export = port.export(ALICE)
        third_export = port.export(ALICE_THIRD_PARTY)
    except Finding as exc:
        if not mismatches:
            raise
        mismatches.append(Mismatch("export", "ready", exc.message))
        raise Finding("third_party is treated differently", mismatches=mismatches) from None
    for export, role in ((first_export, ALICE), (third_export, ALICE_THIRD_PARTY)):
        port.delete_export(role, export.location)
    assert first_export.archive is not None and third_export.archive is not None
    first_records = {r.get("id"): r for r in first_export.archive.records}
    third_records = {r.get("id"): r for r in third_export.archive.records}
    if first_records != third_records:
        missing = sorted(set(first_records) - set(third_records), key=str)[:5]
        changed = [
            k for k in first_records if k in third_records and first_records[k] != third_records[k]
        ][:5]
        mismatches.append(
            Mismatch(
                "third_party export",
                f"{len(first_records)} records as for first_party",
                f"{len(third_records)} records; missing {missing}, changed {changed}",
            )
        )
    if mismatches:
        raise Finding("third_party is treated differently from first_party", mismatches=mismatches)
