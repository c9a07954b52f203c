"""The target file: every mistake names the file, the key and the fix."""

from __future__ import annotations

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
