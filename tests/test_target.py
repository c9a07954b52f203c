"""The target file: every mistake names the file, the key and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance._harness.errors import ConfigError
from conformance._harness.target import Role, load_target

GOOD = """
name: example
base_url: https://api.example.org
clients:
  first_party: {headers: {User-Agent: "Example/5.1"}}
users:
  alice: {id: "u-1"}
  bob: {id: "u-2"}
  carol: {id: "u-3"}
credentials:
  first_party:
    alice: {token_env: EXAMPLE_ALICE}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "target.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads_with_tokens_from_the_environment(tmp_path: Path) -> None:
    target = load_target(write(tmp_path, GOOD), {"EXAMPLE_ALICE": "s3cret-token"})
    assert target.base_url == "https://api.example.org"
    assert target.token(Role("first_party", "alice")).reveal() == "s3cret-token"
    assert "s3cret" not in repr(target)


@pytest.mark.parametrize(
    ("change", "key", "fix"),
    [
        (lambda t: t.replace("https://api.example.org", "api.example.org"), "base_url", "https://"),
        (lambda t: t.replace('  carol: {id: "u-3"}\n', ""), "users.carol", "users.carol.id"),
        (
            lambda t: t.replace("first_party: {headers", "first_paty: {headers"),
            "clients.first_paty",
            "first_party",
        ),
        (
            lambda t: t.replace("{token_env: EXAMPLE_ALICE}", "{token: abc}"),
            "credentials.first_party.alice.token",
            "token_env",
        ),
        (
            lambda t: t.replace("EXAMPLE_ALICE", "MISSING_VAR"),
            "credentials.first_party.alice.token_env",
            "export MISSING_VAR=",
        ),
        (lambda t: t + "limits: {request_timeout: fast}\n", "limits.request_timeout", "number"),
        (lambda t: t + "colour: blue\n", "colour", "use one of"),
        (
            lambda t: t.replace("User-Agent", "Authorization"),
            "clients.first_party.headers.Authorization",
            "only User-Agent",
        ),
        (lambda t: t.replace("name: example", "name: [unclosed"), "line", "YAML"),
    ],
)
def test_each_mistake_names_file_key_and_fix(tmp_path: Path, change, key: str, fix: str) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, change(GOOD))
    with pytest.raises(ConfigError) as caught:
        load_target(path, {"EXAMPLE_ALICE": "t"})
    message = str(caught.value)
    assert str(path) in message
    assert key in caught.value.key
    assert fix in message


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_target(tmp_path / "nope.yaml", {})


CLOUD = """
cloud:
  s3:
    endpoint: http://127.0.0.1:9000
    region: eu-west-1
    addressing: virtual
    users:
      alice: {access_key_id: AKIAALICE, secret_access_key_env: S3_ALICE}
      bob: {access_key_id: AKIABOB, secret_access_key_env: S3_BOB}
  oci:
    endpoint: http://127.0.0.1:5000/
    repository: conformance/probe
    username: alice
    password_env: OCI_PASSWORD
claims:
  - {id: cloud, version: "1.0", profiles: [s3, oci]}
"""
CLOUD_ENV = {
    "EXAMPLE_ALICE": "t",
    "S3_ALICE": "alice-secret-key",
    "S3_BOB": "bob-secret-key",
    "OCI_PASSWORD": "registry-password",
}


def test_the_cloud_section_loads_with_secrets_from_the_environment(tmp_path: Path) -> None:
    target = load_target(write(tmp_path, GOOD + CLOUD), CLOUD_ENV)
    assert target.s3 is not None and target.oci is not None
    assert target.s3.endpoint == "http://127.0.0.1:9000"
    assert (target.s3.region, target.s3.addressing) == ("eu-west-1", "virtual")
    assert target.s3.bucket_prefix is None  # unset: the suite names buckets as a user would
    assert target.s3.key("bob").access_key_id == "AKIABOB"
    assert target.s3.key("alice").secret.reveal() == "alice-secret-key"
    assert target.s3.key("alice").env == "S3_ALICE"
    assert target.oci.endpoint == "http://127.0.0.1:5000"
    assert target.oci.password is not None and target.oci.password.reveal() == "registry-password"
    # The surfaces' origins may be contacted.
    assert "http://127.0.0.1:9000" in target.allowed_origins
    assert target.allows("http://127.0.0.1:5000") and not target.allows("http://127.0.0.1:1")
    assert target.stated_claims == ({"id": "CLOUD", "version": "1.0", "profiles": ["s3", "oci"]},)
    described = json.dumps(target.describe())
    assert "http://127.0.0.1:9000" in described and "conformance/probe" in described
    for secret in ("alice-secret-key", "bob-secret-key", "registry-password"):
        assert secret not in described and secret not in repr(target)
    assert "AKIAALICE" not in described  # an access key id is no secret, but not reported


def test_a_bucket_prefix_and_a_repository_are_honoured_and_optional(tmp_path: Path) -> None:
    prefixed = CLOUD.replace(
        "    region: eu-west-1", "    bucket_prefix: qa-\n    region: eu-west-1"
    )
    target = load_target(write(tmp_path, GOOD + prefixed), CLOUD_ENV)
    assert target.s3 is not None and target.s3.bucket_prefix == "qa-"
    assert target.oci is not None and target.oci.repository == "conformance/probe"
    bare = CLOUD.replace("    repository: conformance/probe\n", "")
    target = load_target(write(tmp_path, GOOD + bare), CLOUD_ENV)
    assert target.oci is not None and target.oci.repository is None
    assert {s.reveal() for s in target.secrets()} >= {"alice-secret-key", "registry-password"}


def test_a_target_without_cloud_has_no_surfaces(tmp_path: Path) -> None:
    target = load_target(write(tmp_path, GOOD), {"EXAMPLE_ALICE": "t"})
    assert target.s3 is None and target.oci is None and target.stated_claims is None
    assert "cloud" not in target.describe()


def test_a_user_without_a_key_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    target = load_target(write(tmp_path, GOOD + CLOUD), CLOUD_ENV)
    assert target.s3 is not None
    with pytest.raises(ConfigError) as caught:
        target.s3.key("carol")
    assert caught.value.key == "cloud.s3.users.carol"
    assert "secret_access_key_env" in caught.value.fix


@pytest.mark.parametrize(
    ("change", "key", "fix"),
    [
        (lambda t: t.replace("cloud:\n", "clouds:\n"), "clouds", "use one of"),
        (lambda t: t.replace("  s3:\n", "  s4:\n"), "cloud.s4", "s3, oci"[:2]),
        (
            lambda t: t.replace("http://127.0.0.1:9000", "127.0.0.1:9000"),
            "cloud.s3.endpoint",
            "https://",
        ),
        (
            lambda t: t.replace("http://127.0.0.1:9000", "http://127.0.0.1:9000/s3"),
            "cloud.s3.endpoint",
            "scheme, host and port",
        ),
        (lambda t: t.replace("virtual", "dns"), "cloud.s3.addressing", "path"),
        (
            lambda t: t.replace("    region", "    bucket_prefix: Bad_\n    region"),
            "cloud.s3.bucket_prefix",
            "lower-case",
        ),
        (
            lambda t: t.replace("secret_access_key_env: S3_BOB", "secret_access_key: abc"),
            "cloud.s3.users.bob.secret_access_key",
            "secret_access_key_env",
        ),
        (
            lambda t: t.replace("S3_BOB", "MISSING_S3_VAR"),
            "cloud.s3.users.bob.secret_access_key_env",
            "export MISSING_S3_VAR=",
        ),
        (
            lambda t: t.replace("{access_key_id: AKIABOB, ", "{"),
            "cloud.s3.users.bob.access_key_id",
            "set cloud.s3.users.bob.access_key_id",
        ),
        (
            lambda t: t.replace("AKIABOB, ", "AKIABOB, colour: red, "),
            "cloud.s3.users.bob.colour",
            "use one of",
        ),
        (
            lambda t: t.replace(
                "    users:\n      alice: {access_key_id: AKIAALICE, secret_access_key_env: S3_ALICE}\n"
                "      bob: {access_key_id: AKIABOB, secret_access_key_env: S3_BOB}\n",
                "",
            ),
            "cloud.s3.users",
            "cloud.s3.users.alice",
        ),
        (
            lambda t: t.replace("conformance/probe", "Conformance/Probe"),
            "cloud.oci.repository",
            "lower-case",
        ),
        (
            lambda t: t.replace("password_env: OCI_PASSWORD", "password: hunter2"),
            "cloud.oci.password",
            "password_env",
        ),
        (
            lambda t: t.replace("OCI_PASSWORD", "MISSING_OCI"),
            "cloud.oci.password_env",
            "export MISSING_OCI=",
        ),
        (
            lambda t: t.replace("    username: alice\n", ""),
            "cloud.oci.username",
            "set cloud.oci.username",
        ),
        (
            lambda t: t.replace('version: "1.0"', "version: 1.0"),
            "claims[0].version",
            'version: "1.0"',
        ),
        (
            lambda t: t.replace("profiles: [s3, oci]", "profiles: []"),
            "claims[0].profiles",
            "at least one",
        ),
        (
            lambda t: t.replace("{id: cloud, ", "{standard: cloud, id: cloud, "),
            "claims[0].standard",
            "use one of",
        ),
        (lambda t: t.replace("  - {id: cloud", "  - {id: ''"), "claims[0].id", "set claims[0].id"),
    ],
)
def test_each_cloud_mistake_names_file_key_and_fix(
    tmp_path: Path, change, key: str, fix: str
) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, change(GOOD + CLOUD))
    with pytest.raises(ConfigError) as caught:
        load_target(path, CLOUD_ENV)
    message = str(caught.value)
    assert str(path) in message
    assert caught.value.key == key
    assert fix in message


def test_a_platform_known_by_stated_claims_needs_no_users(tmp_path: Path) -> None:
    text = """
name: store
base_url: http://127.0.0.1:9000
cloud:
  s3:
    endpoint: http://127.0.0.1:9000
    users:
      alice: {access_key_id: AKIAALICE, secret_access_key_env: S3_ALICE}
claims:
  - {id: CLOUD, version: "1.0", profiles: [s3]}
"""
    target = load_target(write(tmp_path, text), {"S3_ALICE": "alice-secret-key"})
    assert target.users == {} and target.s3 is not None
    with pytest.raises(ConfigError, match=r"users\.alice"):
        load_target(
            write(
                tmp_path,
                text.replace('claims:\n  - {id: CLOUD, version: "1.0", profiles: [s3]}\n', ""),
            ),
            {"S3_ALICE": "k"},
        )
