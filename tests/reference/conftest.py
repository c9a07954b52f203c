"""Fixtures for the reference platform's own tests: real servers on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from reference_support import Api

from conformance.reference import ReferencePlatform


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReferencePlatform]:
    """A platform shared by tests that do not depend on an account's history."""
    data_dir: Path = tmp_path_factory.mktemp("reference")
    with ReferencePlatform(data_dir, part_size=256) as running:
        yield running


@pytest.fixture
def fresh_platform(tmp_path: Path) -> Iterator[ReferencePlatform]:
    """A platform of this test alone (feeds from the beginning, daily limits)."""
    with ReferencePlatform(tmp_path / "data", part_size=64) as running:
        yield running


@pytest.fixture
def alice(platform: ReferencePlatform) -> Api:
    return Api(platform, "first_party", "alice")


@pytest.fixture
def bob(platform: ReferencePlatform) -> Api:
    return Api(platform, "first_party", "bob")
