"""CLOUD-005's allow-list: registered, publicly specified media types pass; the rest are named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.cloud.media_types import (
    OPEN_FORMATS,
    essence,
    rejections,
    same_type,
    why_not_open,
)


@pytest.mark.parametrize(
    "value",
    [
        "application/json",
        "Application/JSON",
        "text/csv; charset=utf-8; header=present",
        "application/vnd.apache.parquet",
        "application/zip",
        "application/gzip",
        " text/plain ",
        "image/png",
        "application/octet-stream",
    ],
)
def test_open_formats_pass_whatever_their_case_and_parameters(value: str) -> None:
    assert why_not_open(value) is None


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("application/vnd.acme.export+bin", "allow-list"),
        ("application/x-ndjson", "json-seq"),
        ("application/x-tar", "not in the IANA registry"),
        ("application/vnd.docker.distribution.manifest.v2+json", "vnd.oci.image.manifest"),
        ("application/x-custom", "unregistered"),
        ("text/x.mine", "unregistered"),
        ("application/prs.acme", "personal tree"),
        ("image/*", "media range"),
        ("*/*", "media range"),
        ("json", "not a media type"),
        ("", "not a media type"),
    ],
)
def test_other_types_are_rejected_with_a_reason(value: str, said: str) -> None:
    why = why_not_open(value)
    assert why is not None and said in why


def test_a_value_that_is_not_a_string_is_rejected() -> None:
    assert why_not_open(42) == "not a string"


def test_rejections_name_each_rejected_value_once_in_order() -> None:
    found = rejections(
        [
            "application/json",
            "application/vnd.acme.export+bin",
            "application/x-tar",
            "application/vnd.acme.export+bin",
        ]
    )
    assert [r.value for r in found] == ["application/vnd.acme.export+bin", "application/x-tar"]


def test_every_allowed_type_is_written_in_lower_case_and_parses() -> None:
    for name, source in OPEN_FORMATS.items():
        assert essence(name) == name and source


@given(st.sampled_from(sorted(OPEN_FORMATS)), st.text(alphabet="abc=; ", max_size=12))
def test_parameters_never_change_the_verdict(name: str, tail: str) -> None:
    assert why_not_open(f"{name.upper()};{tail}") is None


def test_same_type_ignores_case_and_parameters() -> None:
    assert same_type("text/csv; charset=utf-8", "TEXT/CSV")
    assert not same_type("text/csv", "text/plain")
    assert not same_type(None, "text/csv")
    assert not same_type("nonsense", "nonsense")
