"""A reference whose identities are known ahead: read from the environment, as a container's."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from conformance._harness.cli import main
from conformance.reference.identities import generate_identities
from conformance.reference.identities_env import identities_env, identities_from_env
from conformance.reference.server import ReferencePlatform


def test_the_environment_carries_every_identity_there_and_back() -> None:
    made = generate_identities()
    env = identities_env(made)
    assert identities_from_env(env) == made
    # The env file's names for what is secret; two more names for what the target file states.
    assert "INTEROP_REFERENCE_TOKEN_FIRST_PARTY_ALICE" in env
    assert "INTEROP_REFERENCE_S3_SECRET_BOB" in env
    assert env["INTEROP_REFERENCE_USER_ID_ALICE"] == made.users["alice"]
    assert env["INTEROP_REFERENCE_S3_KEY_ID_ALICE"] == made.s3_keys["alice"][0]


def test_a_missing_variable_is_named_and_no_value_is_shown() -> None:
    env = identities_env(generate_identities())
    token = env.pop("INTEROP_REFERENCE_TOKEN_COMPETITOR_CAROL")
    env["INTEROP_REFERENCE_USER_ID_BOB"] = ""
    with pytest.raises(ValueError, match="2 variable") as caught:
        identities_from_env(env)
    message = str(caught.value)
    assert "INTEROP_REFERENCE_USER_ID_BOB" in message
    assert "INTEROP_REFERENCE_TOKEN_COMPETITOR_CAROL" in message
    assert token not in message


def test_two_roles_sharing_a_token_are_refused() -> None:
    env = identities_env(generate_identities())
    env["INTEROP_REFERENCE_TOKEN_THIRD_PARTY_BOB"] = env["INTEROP_REFERENCE_TOKEN_FIRST_PARTY_BOB"]
    with pytest.raises(ValueError, match="share a token"):
        identities_from_env(env)


def test_the_platform_accepts_the_given_tokens_and_refuses_others(tmp_path: Path) -> None:
    given = generate_identities()
    with ReferencePlatform(tmp_path / "data", identities=given) as platform:
        assert platform.identities == given
        url = platform.base_url + "/fair/v1/products"
        token = given.token("third_party", "bob")
        ok = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        refused = requests.get(url, headers={"Authorization": "Bearer not-given"}, timeout=10)
    assert (ok.status_code, refused.status_code) == (200, 401)


def test_given_ids_that_clash_with_the_stored_accounts_are_refused(tmp_path: Path) -> None:
    with ReferencePlatform(tmp_path / "data"):
        pass  # the data directory now holds accounts with their own ids
    with pytest.raises(ValueError, match="other ids for alice"):
        ReferencePlatform(tmp_path / "data", identities=generate_identities()).start()


def test_serve_reference_refuses_incomplete_identities_before_serving(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in identities_env(generate_identities()):
        monkeypatch.delenv(name, raising=False)
    code = main(["serve-reference", "--port", "0", "--identities-from-env"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--identities-from-env: 32 variable(s) unset or empty" in err
    assert "INTEROP_REFERENCE_USER_ID_ALICE" in err
