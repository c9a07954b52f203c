"""Fixtures for CLOUD's tests: the independent peers, one of each per test session.

``moto`` (moto's S3 server, alice and bob in two accounts, IAM enforced) and
``registry`` (the distribution registry) start once per session (per xdist
worker) on free loopback ports. When a peer's program is missing the tests
that need it are skipped, except in CI (``CI=true``), where that fails them:
.ci/run installs every peer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from peer_support import started

from conformance.peers import DistributionRegistry, MotoServer


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """moto's S3 server for the session; buckets a test makes must have names of its own."""
    with started(MotoServer(tmp_path_factory.mktemp("moto"))) as peer:
        yield peer


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DistributionRegistry]:
    """A distribution registry for the session; tests push to repositories of their own."""
    with started(DistributionRegistry(tmp_path_factory.mktemp("registry"))) as peer:
        yield peer
