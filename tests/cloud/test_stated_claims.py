"""Claims stated by the target file: nothing is asked of the platform, and the report says so."""

from __future__ import annotations

import dataclasses

import pytest

from conformance._harness.catalogue import Catalogue
from conformance._harness.cloud_target import OciSettings, S3Key, S3Settings
from conformance._harness.harness import Harness
from conformance._harness.options import Options
from conformance._harness.secrets import Secret
from conformance._harness.target import Target

S3_SECRET = "s3-secret-key-of-alice"
OCI_PASSWORD = "registry-password-0"


def stated_target(**changes: object) -> Target:
    return Target(
        name="stated",
        base_url="http://127.0.0.1:9",  # nothing listens: claims must not be fetched
        clients={},
        users={},
        credentials={},
        source="<test>",
        s3=S3Settings(
            "http://127.0.0.1:9", users={"alice": S3Key("AKIA1", Secret(S3_SECRET), "ENV")}
        ),
        oci=OciSettings("http://127.0.0.1:9", "conformance/probe", "alice", Secret(OCI_PASSWORD)),
        stated_claims=({"id": "CLOUD", "version": "1.0", "profiles": ["s3"]},),
    )


def test_stated_claims_are_used_without_a_request_and_noted() -> None:
    harness = Harness(stated_target(), Options())
    claims = harness.claims()
    assert claims.usable and claims.stated
    assert claims.profiles == {"CLOUD": ("s3",)}
    assert harness.log.issued == 0
    assert any("stated by the target file" in note for note in harness.notes)
    common = next(r for r in Catalogue.load() if r.standard == "COMMON")
    assert not claims.claims(common)
    assert "target file" in claims.why_not(common)


def test_the_redactor_knows_the_s3_secret_and_the_registry_password() -> None:
    harness = Harness(stated_target(), Options())
    text = harness.redactor.text(f"key={S3_SECRET} pw={OCI_PASSWORD}")
    assert S3_SECRET not in text and OCI_PASSWORD not in text


@pytest.mark.parametrize(
    ("claim", "key", "fix"),
    [
        ({"id": "CLUOD", "version": "1.0", "profiles": ["s3"]}, "claims[0].id", "CLOUD"),
        (
            {"id": "CLOUD", "version": "1.0", "profiles": ["s3", "s4"]},
            "claims[0].profiles[1]",
            "oci",
        ),
    ],
)
def test_a_stated_claim_the_catalogue_does_not_know_is_a_configuration_error(
    claim: dict[str, object], key: str, fix: str
) -> None:
    harness = Harness(dataclasses.replace(stated_target(), stated_claims=(claim,)), Options())
    error = harness.check_credentials()
    assert error is not None and error.key == key and fix in error.fix
    assert harness.configuration_error is error
    assert harness.log.issued == 0


def test_known_stated_claims_pass_the_preflight_without_a_request() -> None:
    harness = Harness(stated_target(), Options())
    assert harness.check_credentials() is None
    assert harness.log.issued == 0
