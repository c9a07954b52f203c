"""moto's S3 server as an independent S3 implementation, with alice and bob in two accounts.

moto (getmoto) is run as itself: ``python -m moto.server`` (what its
``moto_server`` script runs) in a child process on a free loopback port. Out
of the box it checks nothing: any access key is accepted, signatures are not
verified, and every key that IAM does not know lands in one default account.
To ask it CLOUD-107's question fairly, the launcher sets it up as a
deployment would be:

1. alice and bob are IAM users of two different accounts (111111111111 and
   222222222222), created through moto's IAM API (``CreateUser``,
   ``PutUserPolicy``, ``CreateAccessKey``; moto's ``x-moto-account-id`` header
   picks the account of each call, as an administrator signing in to that
   account would). moto maps an access key to the account that issued it,
   so alice's and bob's requests act in their own accounts.
2. Each user may do anything in S3 (``s3:*`` on ``*``), as an account owner
   may on AWS, where that still does not reach another account's bucket.
3. Then IAM enforcement is switched on (``POST /moto-api/reset-auth`` with
   ``0``: what ``INITIAL_NO_AUTH_ACTION_COUNT=0`` does at start, after the
   accounts exist): from then on every S3 request must carry a valid SigV4
   signature of a known key, and the launcher proves it by sending one with
   a wrong secret and expecting 403.

What moto then does is its own answer, reported by the suite, not tuned
away: moto 5 finds a bucket whatever account owns it
(``MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS`` defaults to true) and judges only the
caller's identity policy, so bob can read, list and write alice's private
bucket; and a request with no ``Authorization`` header (anonymous) is
answered 500 for a listing or a write. ``cross_account_access=False`` runs
it with that setting off (bob then gets 403 AccessDenied), to show the
difference; the default is moto as it ships.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from defusedxml import ElementTree

from conformance._harness.cloud_target import S3Key, S3Settings
from conformance._harness.secrets import Secret
from conformance._harness.target import Target

from .process import LoopbackProcess, PeerFailed, PeerServer, PeerUnavailable, clean_environment
from .target_files import COMMON_USERS, PEER_LIMITS

ACCOUNTS: Mapping[str, str] = {"alice": "111111111111", "bob": "222222222222"}
"""The account each user of the S3 profile belongs to in moto."""

S3_CLAIMS = ({"id": "CLOUD", "version": "1.0", "profiles": ["s3"]},)
_LISTENING = re.compile(r"Running on http://127\.0\.0\.1:(?P<port>\d+)")
_S3_EVERYTHING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}
_IAM_NS = "{https://iam.amazonaws.com/doc/2010-05-08/}"


@dataclass(frozen=True)
class MotoUser:
    """One IAM user moto created: its account and access-key pair."""

    name: str
    account_id: str
    access_key_id: str
    secret: Secret

    @property
    def arn(self) -> str:
        """The user's ARN in its account."""
        return f"arn:aws:iam::{self.account_id}:user/{self.name}"


def secret_env_name(user: str, prefix: str = "INTEROP_MOTO") -> str:
    """The environment variable a target file names for a user's secret access key."""
    return f"{prefix}_S3_SECRET_{user.upper()}"


class MotoServer(PeerServer):
    """moto's server on 127.0.0.1:<free port> with alice and bob in two accounts.

    Use as a context manager; ``.endpoint`` and ``.users`` are set inside it.
    The log (``<directory>/moto.log``) stays after the stop.
    """

    def __init__(
        self,
        directory: Path | None = None,
        *,
        region: str = "us-east-1",
        cross_account_access: bool = True,
        start_timeout: float = 60.0,
    ) -> None:
        """``directory`` holds the log (default: a new temporary directory, left in place)."""
        if directory is None:
            directory = Path(tempfile.mkdtemp(prefix="moto-"))
        self.directory = directory
        self.region = region
        self.cross_account_access = cross_account_access
        self.start_timeout = start_timeout
        self.ready_path = "/moto-api/"
        self.users: dict[str, MotoUser] = {}
        home = directory / "home"
        home.mkdir(parents=True, exist_ok=True)
        settings = {} if cross_account_access else {"MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS": "false"}
        self.process = LoopbackProcess(
            "moto",
            [sys.executable, "-m", "moto.server", "--host", "127.0.0.1", "--port", "0"],
            clean_environment(home, settings),
            directory / "moto.log",
            _LISTENING,
            cwd=home,
        )

    def _prepare(self) -> None:
        for module in ("moto", "flask", "flask_cors"):
            if importlib.util.find_spec(module) is None:
                raise PeerUnavailable(
                    f"moto's server needs the Python module {module!r}: "
                    "pip install 'moto[server]' (the suite's `test` extra has it)"
                )

    def _set_up(self) -> None:
        self.users = {u: self._create_user(u, a) for u, a in ACCOUNTS.items()}
        self._enforce_authentication()

    def s3_settings(
        self, *, bucket_prefix: str | None = None, env_prefix: str = "INTEROP_MOTO"
    ) -> S3Settings:
        """The ``cloud.s3`` section describing this server (no bucket prefix unless given:
        the suite then names its buckets as a user would)."""
        return S3Settings(
            endpoint=self.endpoint,
            region=self.region,
            addressing="path",
            users={
                name: S3Key(u.access_key_id, u.secret, secret_env_name(name, env_prefix))
                for name, u in self.users.items()
            },
            bucket_prefix=bucket_prefix,
            source=f"<moto at {self.endpoint}>",
        )

    def target(self, name: str = "moto", *, bucket_prefix: str | None = None) -> Target:
        """A Target for this server: ``cloud.s3`` and stated claims (CLOUD 1.0, ``s3``)."""
        return Target(
            name=name,
            base_url=self.endpoint,
            clients={},
            users={u.name: u.arn for u in self.users.values()},
            credentials={},
            limits=PEER_LIMITS,
            source=f"<moto at {self.endpoint}>",
            s3=self.s3_settings(bucket_prefix=bucket_prefix),
            stated_claims=S3_CLAIMS,
        )

    def target_document(
        self, name: str = "moto", env_prefix: str = "INTEROP_MOTO"
    ) -> dict[str, Any]:
        """The target file's content (no secret: each is named by its environment variable)."""
        return {
            "name": name,
            "base_url": self.endpoint,
            "users": COMMON_USERS,
            "limits": {"requests_per_second": 0},
            "cloud": {
                "s3": {
                    "endpoint": self.endpoint,
                    "region": self.region,
                    "addressing": "path",
                    "users": {
                        u.name: {
                            "access_key_id": u.access_key_id,
                            "secret_access_key_env": secret_env_name(u.name, env_prefix),
                        }
                        for u in self.users.values()
                    },
                }
            },
            "claims": [dict(c) for c in S3_CLAIMS],
        }

    def environment(self, env_prefix: str = "INTEROP_MOTO") -> dict[str, str]:
        """The secrets the target file names: environment variable → secret access key."""
        return {secret_env_name(u.name, env_prefix): u.secret.reveal() for u in self.users.values()}

    def _iam(self, account_id: str, action: str, **params: str) -> Any:
        """One IAM call in ``account_id`` (before enforcement: moto checks no signature yet)."""
        body = urlencode({"Action": action, "Version": "2010-05-08", **params})
        url = f"{self.endpoint}/"
        request = AWSRequest(
            method="POST",
            url=url,
            data=body.encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "x-moto-account-id": account_id,
            },
        )
        SigV4Auth(Credentials("bootstrap", "bootstrap"), "iam", self.region).add_auth(request)
        response = requests.post(
            url, data=request.body, headers=dict(request.headers.items()), timeout=30
        )
        if response.status_code != 200:
            raise self.process.failure(
                f"refused IAM {action} in account {account_id}: "
                f"{response.status_code} {response.text[:300]}"
            )
        return ElementTree.fromstring(response.content)

    def _create_user(self, name: str, account_id: str) -> MotoUser:
        self._iam(account_id, "CreateUser", UserName=name)
        self._iam(
            account_id,
            "PutUserPolicy",
            UserName=name,
            PolicyName="s3-owner",
            PolicyDocument=json.dumps(_S3_EVERYTHING),
        )
        key = self._iam(account_id, "CreateAccessKey", UserName=name)
        access = key.findtext(f".//{_IAM_NS}AccessKeyId")
        secret = key.findtext(f".//{_IAM_NS}SecretAccessKey")
        if not access or not secret:
            raise self.process.failure(f"answered CreateAccessKey for {name} without a key")
        return MotoUser(name, account_id, access, Secret(secret))

    def _enforce_authentication(self) -> None:
        """Switch IAM on, then prove that a wrong signature is refused."""
        answer = requests.post(f"{self.endpoint}/moto-api/reset-auth", data=b"0", timeout=30)
        if answer.status_code != 200:
            raise self.process.failure(f"refused reset-auth: {answer.status_code}")
        alice = self.users["alice"]
        url = f"{self.endpoint}/"
        request = AWSRequest(method="GET", url=url)
        S3SigV4Auth(Credentials(alice.access_key_id, "not-the-secret"), "s3", self.region).add_auth(
            request
        )
        probe = requests.get(url, headers=dict(request.headers.items()), timeout=30)
        if probe.status_code != 403:
            raise PeerFailed(
                f"moto at {self.endpoint} answered {probe.status_code} to a request signed "
                "with a wrong secret after IAM enforcement was switched on (expected 403)"
            )
