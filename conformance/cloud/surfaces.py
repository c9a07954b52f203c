"""A target's CLOUD surfaces, or the configuration error that says which section to add."""

from __future__ import annotations

from conformance._harness.cloud_target import OciSettings, S3Settings, missing_section
from conformance._harness.target import Target


def s3_of(target: Target) -> S3Settings:
    """``cloud.s3`` of the target; a ``ConfigError`` naming the key when it has none."""
    if target.s3 is None:
        raise missing_section(target.source, "cloud.s3")
    return target.s3


def oci_of(target: Target) -> OciSettings:
    """``cloud.oci`` of the target; a ``ConfigError`` naming the key when it has none."""
    if target.oci is None:
        raise missing_section(target.source, "cloud.oci")
    return target.oci
