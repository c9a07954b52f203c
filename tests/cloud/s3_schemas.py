"""Small stand-ins for CLOUD's S3 component schemas, for the client's unit tests.

The spec's own schemas (specs/CLOUD/1.0/openapi.yaml) are held to the same
shapes by tests/cloud/test_s3client.py once the spec is in the catalogue.
"""

from __future__ import annotations

from typing import Any

import jsonschema

from conformance._harness.errors import Mismatch
from conformance._harness.schemas import schema_rows

_OBJECT = {
    "type": "object",
    "required": ["Key"],
    "properties": {
        "Key": {"type": "string"},
        "Size": {"type": "integer"},
        "ETag": {"type": "string"},
    },
}
DEFS: dict[str, Any] = {
    "ListBucketResult": {
        "type": "object",
        "required": ["ListBucketResult"],
        "properties": {
            "ListBucketResult": {
                "type": "object",
                "required": ["IsTruncated"],
                "properties": {
                    "Contents": {"type": "array", "items": {"$ref": "#/$defs/Object"}},
                    "CommonPrefixes": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"Prefix": {"type": "string"}}},
                    },
                    "IsTruncated": {"type": "boolean"},
                    "MaxKeys": {"type": "integer"},
                    "KeyCount": {"type": "integer"},
                    "Prefix": {"type": "string"},
                },
            }
        },
    },
    "Object": _OBJECT,
    "ListAllMyBucketsResult": {
        "type": "object",
        "properties": {
            "ListAllMyBucketsResult": {
                "type": "object",
                "properties": {
                    "Buckets": {
                        "type": "object",
                        "properties": {
                            "Bucket": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["Name"],
                                    "properties": {"Name": {"type": "string"}},
                                },
                            }
                        },
                    }
                },
            }
        },
    },
    "InitiateMultipartUploadResult": {
        "type": "object",
        "properties": {
            "InitiateMultipartUploadResult": {
                "type": "object",
                "required": ["UploadId"],
                "properties": {"UploadId": {"type": "string"}},
            }
        },
    },
    "CompleteMultipartUploadResult": {
        "type": "object",
        "properties": {
            "CompleteMultipartUploadResult": {
                "type": "object",
                "required": ["ETag"],
                "properties": {"ETag": {"type": "string"}},
            }
        },
    },
    "CopyObjectResult": {
        "type": "object",
        "properties": {
            "CopyObjectResult": {
                "type": "object",
                "required": ["ETag"],
                "properties": {"ETag": {"type": "string"}},
            }
        },
    },
}


class SmallSchemas:
    """A ``SchemaSource`` over ``DEFS`` (the standard is ignored)."""

    def __init__(self, defs: dict[str, Any] | None = None) -> None:
        self.defs = DEFS if defs is None else defs

    def schema(self, standard: str, name: str) -> dict[str, Any]:
        return {"$defs": self.defs, "$ref": f"#/$defs/{name}"}

    def check(self, standard: str, name: str, instance: Any) -> list[Mismatch]:
        validator = jsonschema.Draft202012Validator(self.schema(standard, name))
        return schema_rows(validator.iter_errors(instance))
