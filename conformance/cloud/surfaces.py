"""A target's CLOUD surfaces, or the configuration error that says which section to add."""

from __future__ import annotations

import dataclasses

from conformance._harness.cloud_target import OciSettings, S3Settings, missing_section
from conformance._harness.target import Target
from conformance.cloud.names import repository_name, seeded


def s3_of(target: Target) -> S3Settings:
    """``cloud.s3`` of the target; a ``ConfigError`` naming the key when it has none."""
    if target.s3 is None:
        raise missing_section(target.source, "cloud.s3")
    return target.s3


def oci_of(target: Target, seed: int) -> OciSettings:
    """``cloud.oci`` of the target; a ``ConfigError`` naming the key when it has none.

    Without ``cloud.oci.repository`` the suite pushes into a repository named
    like a user's, the same for every check of the run (``seed``) and new for
    another run.
    """
    if target.oci is None:
        raise missing_section(target.source, "cloud.oci")
    if target.oci.repository is not None:
        return target.oci
    named = repository_name(seeded(seed, "oci", "repository"), target.oci.username)
    return dataclasses.replace(target.oci, repository=named)
