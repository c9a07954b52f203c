"""What the suite creates on CLOUD's surfaces is named like a user's: valid, seeded, unmarked."""

from __future__ import annotations

import re

from conformance._harness.cloud_target import OciSettings
from conformance._harness.target import Limits, Target
from conformance.cloud.names import WORDS, bucket_name, image_tag, repository_name, seeded
from conformance.cloud.surfaces import oci_of

# S3's bucket rules (no dots: virtual-host safe), the distribution spec's name and tag grammars.
BUCKET = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
REPOSITORY = re.compile(rf"{COMPONENT}(?:/{COMPONENT})*")
TAG = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}")
MARKERS = ("conformance", "probe", "test", "suite", "interop")


def _many(make: object, seeds: range) -> list[str]:
    assert callable(make)
    return [make(seeded(seed, "scope")) for seed in seeds]


def test_names_are_valid_and_carry_no_marker() -> None:
    for name in _many(bucket_name, range(300)):
        assert BUCKET.fullmatch(name) and not name.startswith("xn--"), name
    for name in _many(repository_name, range(300)):
        assert REPOSITORY.fullmatch(name) and len(name) <= 255, name
    for name in _many(image_tag, range(300)):
        assert TAG.fullmatch(name), name
    every = _many(bucket_name, range(300)) + _many(repository_name, range(300))
    assert not [n for n in every if any(m in n for m in MARKERS)]


def test_names_are_fixed_by_the_seed_and_differ_between_runs_and_scopes() -> None:
    assert bucket_name(seeded(7, "a")) == bucket_name(seeded(7, "a"))
    assert len(set(_many(bucket_name, range(300)))) == 300
    assert bucket_name(seeded(7, "a")) != bucket_name(seeded(7, "b"))
    rng = seeded(7, "a")
    assert bucket_name(rng) != bucket_name(rng)  # two buckets of one check


def test_a_prefix_the_target_file_sets_is_honoured() -> None:
    name = bucket_name(seeded(1, "x"), "qa-")
    assert re.fullmatch(r"qa-[0-9a-f]{12}", name)


def test_a_repository_goes_under_the_login_when_it_can() -> None:
    assert repository_name(seeded(1, "x"), "alice").startswith("alice/")
    assert repository_name(seeded(1, "x"), "Not A Name!").split("/")[0] in WORDS


def _target(oci: OciSettings) -> Target:
    return Target(
        name="t",
        base_url="http://127.0.0.1:9",
        clients={},
        users={},
        credentials={},
        limits=Limits(),
        oci=oci,
    )


def test_oci_of_names_a_repository_once_per_run_and_keeps_a_configured_one() -> None:
    unnamed = _target(OciSettings("http://127.0.0.1:9", username="bob"))
    first = oci_of(unnamed, 42).repository
    assert first is not None and first.startswith("bob/")
    assert oci_of(unnamed, 42).repository == first  # every check of the run: one repository
    assert oci_of(unnamed, 43).repository != first  # another run: another one
    named = _target(OciSettings("http://127.0.0.1:9", "team/images"))
    assert oci_of(named, 42).repository == "team/images"
