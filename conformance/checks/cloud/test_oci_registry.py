"""CLOUD-201 and 204: the registry answers its version check, and 404s in the OCI error body."""

from __future__ import annotations

import secrets

import pytest

from conformance import ConformanceError, Finding, Harness, Mismatch
from conformance.cloud.digests import digest_of
from conformance.cloud.oci import OciClient, parse_challenge
from conformance.cloud.pulls import error_body_mismatches


@pytest.mark.requirement("CLOUD-201")
def test_registry_version_check_answers_200_or_a_challenge_it_accepts(
    oci_client: OciClient, harness: Harness
) -> None:
    """``GET /v2/`` is 200, at once or after the configured login answers its challenge."""
    first = oci_client.probe.request("GET", oci_client.url("/v2/"), validate=False)
    if first.status == 200:
        harness.verified("GET /v2/ answered 200 without credentials")
        return
    challenge = first.headers.get("WWW-Authenticate")
    if first.status != 401:
        raise Finding(
            "the registry's version check fails",
            operation="GET /v2/",
            mismatches=[Mismatch("status", "200, or 401 with a challenge", first.status)],
            evidence=[first.exchange],
        )
    scheme, params = parse_challenge(challenge or "")
    usable = scheme == "basic" or (scheme == "bearer" and bool(params.get("realm")))
    if not usable:
        raise Finding(
            "the version check answers 401 without a challenge a client can answer",
            operation="GET /v2/",
            mismatches=[
                Mismatch(
                    "header WWW-Authenticate",
                    'Basic realm="…", or Bearer realm="<token URL>",service="…"',
                    challenge if challenge is not None else "absent",
                    "a 401 must say how to authenticate (RFC 9110 §11.6.1)",
                )
            ],
            evidence=[first.exchange],
        )
    settings = oci_client.settings
    if settings.username is None or settings.password is None:
        raise ConformanceError(
            f"GET /v2/ asks for credentials ({scheme.title()}) and the target file gives none: "
            "add cloud.oci.username and cloud.oci.password_env"
        )
    final = oci_client.ping()
    if final.status != 200:
        raise Finding(
            "the configured registry login does not satisfy the registry's challenge",
            operation="GET /v2/",
            mismatches=[
                Mismatch(
                    "status",
                    200,
                    final.status,
                    f"after answering {scheme.title()} as {settings.username} (check "
                    "cloud.oci.username and its password_env if they are wrong)",
                )
            ],
            evidence=[first.exchange, final.exchange],
        )
    harness.verified(
        f"GET /v2/ answered 401 with a {scheme.title()} challenge, then 200 once "
        f"{settings.username}'s login answered it",
        evidence=[first.exchange, final.exchange],
    )


@pytest.mark.requirement("CLOUD-204")
def test_unknown_manifests_and_blobs_answer_404_with_the_oci_error_body(
    oci_client: OciClient, harness: Harness
) -> None:
    """A tag, a manifest digest and a blob digest nobody pushed: 404 and ``{"errors": [...]}``."""
    nothing = digest_of(secrets.token_bytes(32))
    answers = [
        ("unknown manifest tag", oci_client.get_manifest(f"sha-{secrets.token_hex(20)}")),
        ("unknown manifest digest", oci_client.get_manifest(nothing)),
        ("unknown blob", oci_client.get_blob(digest_of(secrets.token_bytes(32)))),
    ]
    mismatches = [
        m
        for what, response in answers
        for m in error_body_mismatches(response, f"{what} ({response.exchange})")
    ]
    evidence = [r.exchange for _, r in answers]
    if mismatches:
        raise Finding(
            "unknown manifests or blobs are not answered as the OCI distribution spec says",
            operation=f"GET /v2/{oci_client.repository}/manifests|blobs/…",
            mismatches=mismatches,
            evidence=evidence,
        )
    harness.verified(
        f"{len(answers)} unknown references in {oci_client.repository} (a tag, a manifest "
        "digest, a blob digest): each 404 with an OCI error body",
        evidence=evidence,
    )
