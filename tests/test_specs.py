"""Every spec of the catalogue is a valid OpenAPI 3.1 document with well-formed requirements.

The runs skip openapi-core's own spec validation for speed; this is where it happens.
"""

from __future__ import annotations

import json
import re

import pytest
from openapi_core import OpenAPI

from conformance._harness.bundle import bundle
from conformance._harness.catalogue import Catalogue

CATALOGUE = Catalogue.load()


@pytest.mark.parametrize("standard", sorted(CATALOGUE.specs))
def test_spec_validates_as_openapi_3_1(standard: str) -> None:
    spec = CATALOGUE.spec(standard)
    assert spec.document["openapi"].startswith("3.1")
    OpenAPI.from_file_path(str(spec.path))  # raises on an invalid document
    OpenAPI.from_dict(bundle(spec.path))  # the self-contained form the runs validate with


def test_a_bundled_spec_refers_to_no_other_file() -> None:
    text = json.dumps(bundle(CATALOGUE.spec("PORT").path))
    assert "openapi.yaml" not in text and "COMMON_Problem" in text


@pytest.mark.parametrize("standard", sorted(CATALOGUE.specs))
def test_requirements_are_numbered_and_every_operation_is_named(standard: str) -> None:
    spec = CATALOGUE.spec(standard)
    prefix = "C" if standard == "COMMON" else standard
    ids = [r.id for r in spec.requirements]
    assert ids and len(ids) == len(set(ids))
    assert all(re.fullmatch(rf"{prefix}-\d{{3}}", i) for i in ids), ids
    for path, item in spec.document.get("paths", {}).items():
        for method, op in item.items():
            if isinstance(op, dict) and method in (
                "get",
                "put",
                "post",
                "delete",
                "patch",
                "options",
                "head",
            ):
                assert op.get("operationId"), (
                    f"{standard} {method.upper()} {path} has no operationId"
                )
                assert "default" in op.get("responses", {}), (
                    f"{standard} {op['operationId']}: no default"
                )
