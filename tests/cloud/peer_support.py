"""Helpers for the tests that run CLOUD's peers: starting them, and a botocore S3 client.

The client is botocore's own (not the suite's ``S3Client``), so a test that
verifies a peer or a witness's work with it does not depend on the code
under test. It is built from explicit settings only: no profile, no config
or credentials file, no environment credentials.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

import pytest
from botocore.config import Config
from botocore.session import Session

from conformance._harness.cloud_target import S3Settings
from conformance.peers import PeerUnavailable

P = TypeVar("P", bound=AbstractContextManager[Any])


def in_ci() -> bool:
    """Whether this run is CI's (``CI=true``), where a missing peer is a failure."""
    return os.environ.get("CI", "").lower() == "true"


@contextmanager
def started(peer: P) -> Iterator[P]:
    """Run ``peer``; a program that is not installed skips the test, or fails it in CI."""
    try:
        entered = peer.__enter__()
    except PeerUnavailable as exc:
        if in_ci():
            pytest.fail(f"{exc} (CI installs it in .ci/run; a missing peer fails there)")
        pytest.skip(str(exc))
    try:
        yield entered
    finally:
        peer.__exit__(None, None, None)


def s3_client(settings: S3Settings, user: str) -> Any:
    """botocore's S3 client for ``user`` on the surface ``settings`` describes."""
    session = Session()
    for variable in ("config_file", "credentials_file"):
        session.set_config_variable(variable, os.devnull)
    key = settings.key(user)
    return session.create_client(
        "s3",
        region_name=settings.region,
        endpoint_url=settings.endpoint,
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret.reveal(),
        config=Config(
            s3={"addressing_style": settings.addressing},
            retries={"max_attempts": 1},
            proxies={},
        ),
    )


def error_code(exc: Exception) -> tuple[int, str]:
    """The HTTP status and S3 error code of a botocore ``ClientError``."""
    response = getattr(exc, "response", {})
    return (
        int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)),
        str(response.get("Error", {}).get("Code", "")),
    )
