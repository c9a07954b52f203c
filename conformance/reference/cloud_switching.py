"""The switching information document (``GET /.well-known/cloud-switching``).

What the Data Act's Art. 26 and Recital 95 ask a provider to say before a
customer switches: procedures, export formats (open ones, CLOUD-005), the
interfaces and standards data leaves through, known limitations, the
longest switch (Art. 25(2)(a): 30 days at most), how long data stays
retrievable afterwards (Art. 25(2)(g): 30 days at least) and the charge
per GB (Art. 29: at cost until 2027-01-12, nothing from then on).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from .choices import ChoiceSet
from .choices.cloud import EXPORT_FORMATS, MAX_SWITCH_DAYS, RETRIEVAL_DAYS, SWITCHING_CHARGE
from .cloud_oci_manifests import OCI_INDEX, OCI_LAYER, OCI_MANIFEST

FREE_FROM: Final = datetime(2027, 1, 12, tzinfo=UTC)
"""Data Act Art. 29(1): no switching charges from this day."""
DECLARED_CHARGE: Final = "0.02"
"""The reference's cost-based charge per GB before :data:`FREE_FROM` (``declared`` option)."""

_CORE_FORMATS: Final = (
    "application/octet-stream",
    "application/json",
    OCI_MANIFEST,
    OCI_INDEX,
)
_BROAD_FORMATS: Final = (
    *_CORE_FORMATS,
    OCI_LAYER,
    "text/plain",
    "application/zip",
    "text/csv",
    "application/gzip",
)

INTERFACES: Final = (
    {
        "name": "Amazon S3 REST API (the CLOUD s3 profile)",
        "spec_url": "https://docs.aws.amazon.com/AmazonS3/latest/API/Welcome.html",
    },
    {
        "name": "OCI Distribution Specification (Pull and Push)",
        "spec_url": "https://github.com/opencontainers/distribution-spec/blob/main/spec.md",
    },
    {
        "name": "CLOUD switching API (inventory and switch-exports)",
        "spec_url": "https://reference.interop.invalid/specs/CLOUD/1.0/openapi.yaml",
    },
)


def export_formats(choices: ChoiceSet) -> list[str]:
    """The media types data is exported in (all registered and publicly specified)."""
    return list(_BROAD_FORMATS if choices[EXPORT_FORMATS] == "broad" else _CORE_FORMATS)


def charge_per_gb(choices: ChoiceSet, now: datetime) -> str:
    """The switching charge per GB as a decimal string: zero from 2027-01-12."""
    if now >= FREE_FROM or choices[SWITCHING_CHARGE] == "zero":
        return "0"
    return DECLARED_CHARGE


def switching_document(choices: ChoiceSet, now: datetime) -> dict[str, Any]:
    """The document as of ``now`` (the platform's clock)."""
    max_days = choices[MAX_SWITCH_DAYS]
    retrieval_days = choices[RETRIEVAL_DAYS]
    return {
        "version": "1.0",
        "procedures": [
            "List everything the account holds: GET /cloud/v1/inventory (paged by next_cursor).",
            "Download each resource from its export_url, or copy objects with any S3 client "
            "and images with any OCI registry client.",
            "Request a switch-export: POST /cloud/v1/switch-exports; follow its Location until "
            "status is completed, then read its manifest_url.",
            f"The export is ready within {max_days} days and stays retrievable for "
            f"{retrieval_days} days after that.",
        ],
        "export_formats": export_formats(choices),
        "interfaces": [dict(interface) for interface in INTERFACES],
        "standards": [
            "ISO/IEC 19941:2017",
            "OCI Distribution Specification v1.1",
            "OCI Image Format Specification v1.1",
            "Amazon S3 REST API",
        ],
        "limitations": [
            "Bucket policies and access keys are not exported; recreate them on the destination.",
            "Object versions other than the current one are not kept by this platform.",
        ],
        "max_switch_days": max_days,
        "retrieval_days": retrieval_days,
        "switching_charge_per_gb": charge_per_gb(choices, now),
        "currency": "EUR",
    }
