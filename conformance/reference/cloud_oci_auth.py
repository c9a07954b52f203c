"""Who is calling the registry, what it may do, and how a client is told to log in.

A registry client does not speak the platform's bearer tokens natively: it
answers a ``401`` challenge, and only if one came (containers/image, and so
skopeo, sends no credentials to a registry whose ``GET /v2/`` answered 200).
The reference accepts, in every mode,

- the platform's own bearer token (``Authorization: Bearer <token>``, as
  the application already resolved it into a caller);
- HTTP Basic with a user's name and any of that user's platform tokens as
  the password (``skopeo --creds alice:<token>``);
- a registry token from the token endpoint (distribution's token flow:
  ``GET /cloud/v1/registry-token``, anonymous or with those Basic
  credentials), signed by this platform instance and living five minutes.

``cloud.registry_auth`` decides what needs which: nothing (``open``), a
token for reads and a user's token for writes (``token``, as public
registries do), or a user's credentials for everything (``basic``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from werkzeug.wrappers import Request, Response

from .clock import format_timestamp, utc_now
from .problems import Problem
from .routing import Caller, Context, json_response

TOKEN_PATH: Final = "/cloud/v1/registry-token"
TOKEN_SECONDS: Final = 300
SERVICE: Final = "reference-registry"
BASIC_CHALLENGE: Final = 'Basic realm="reference registry", charset="UTF-8"'


@dataclass(frozen=True)
class RegistryUser:
    """A caller of the registry: a user's name and account, both empty for an anonymous token."""

    name: str
    account: str

    @property
    def anonymous(self) -> bool:
        """Whether this is the holder of an anonymous registry token."""
        return not self.account


ANONYMOUS: Final = RegistryUser("", "")


class BadCredentials(Exception):
    """Credentials were presented and are not valid."""


def _key(secret: str) -> bytes:
    # Looked up by digest, so lookup timing depends on the digest, not the secret.
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


class RegistryAuth:
    """Resolve registry callers and write challenges for one ``cloud.registry_auth`` mode."""

    def __init__(
        self,
        mode: str,
        users: Mapping[str, str],
        tokens: Mapping[tuple[str, str], str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.mode = mode
        self._accounts = dict(users)
        self._passwords = {_key(token): user for (_client, user), token in tokens.items()}
        self._secret = secrets.token_bytes(32)
        self._clock = clock

    @property
    def owners_enforced(self) -> bool:
        """Whether only a repository's owner may push to it (not in the ``open`` mode)."""
        return self.mode != "open"

    def may_read(self, user: RegistryUser | None) -> bool:
        """Whether ``user`` (None: no credentials) may pull."""
        if self.mode == "open":
            return True
        if self.mode == "token":
            return user is not None
        return user is not None and not user.anonymous

    def may_write(self, user: RegistryUser | None) -> bool:
        """Whether ``user`` may push at all (the repository's owner is checked apart)."""
        return self.mode == "open" or (user is not None and not user.anonymous)

    def identify(self, request: Request, caller: Caller | None) -> RegistryUser | None:
        """The caller, None if no credentials came, or :class:`BadCredentials`."""
        if caller is not None:
            return RegistryUser(caller.user_name, caller.user_id)
        header = request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "basic":
            return self.basic(value.strip())
        if scheme.lower() == "bearer":
            return self._registry_token(value.strip())
        raise BadCredentials(f"the {scheme} scheme is not accepted")

    def basic(self, value: str) -> RegistryUser:
        """Check Basic credentials: a user's name and one of that user's tokens."""
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise BadCredentials("the Basic credentials are not base64 of user:password") from None
        name, _, password = decoded.partition(":")
        owner = self._passwords.get(_key(password))
        if owner is None or not hmac.compare_digest(owner.encode(), name.encode()):
            raise BadCredentials("the user name and password do not match")
        return RegistryUser(name, self._accounts[name])

    def issue(self, user: RegistryUser) -> str:
        """A registry token for ``user`` (or :data:`ANONYMOUS`), living :data:`TOKEN_SECONDS`."""
        expires = int(self._clock()) + TOKEN_SECONDS
        name = base64.urlsafe_b64encode(user.name.encode()).decode().rstrip("=")
        return f"rt.{name}.{expires}.{self._sign(name, expires)}"

    def _sign(self, name: str, expires: int) -> str:
        message = f"{name}.{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def _registry_token(self, token: str) -> RegistryUser:
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != "rt" or not parts[2].isdigit() or len(parts[2]) > 20:
            raise BadCredentials("the bearer token is not valid")
        _, name, raw_expires, signature = parts
        expires = int(raw_expires)
        expected = self._sign(name, expires).encode()
        if not hmac.compare_digest(expected, signature.encode("utf-8", "surrogatepass")):
            raise BadCredentials("the bearer token is not valid")
        if self._clock() > expires:
            raise BadCredentials("the registry token has expired; fetch a new one")
        user = base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
        return RegistryUser(user, self._accounts[user]) if user else ANONYMOUS

    def challenge(self, request: Request, repo: str | None, push: bool) -> str:
        """The ``WWW-Authenticate`` value of a 401 for this mode."""
        if self.mode != "token":
            return BASIC_CHALLENGE
        realm = request.host_url.rstrip("/") + TOKEN_PATH
        value = f'Bearer realm="{realm}",service="{SERVICE}"'
        if repo is not None:
            value += f',scope="repository:{repo}:{"pull,push" if push else "pull"}"'
        return value

    def token_endpoint(self, ctx: Context) -> Response:
        """GET /cloud/v1/registry-token: a registry token (distribution's token flow).

        Without credentials the token is anonymous (it pulls where the mode
        lets tokens pull); with a user's Basic credentials it is the user's.
        """
        user = ANONYMOUS
        if ctx.caller is not None:
            user = RegistryUser(ctx.caller.user_name, ctx.caller.user_id)
        elif "Authorization" in ctx.request.headers:
            scheme, _, value = ctx.request.headers["Authorization"].partition(" ")
            challenge = {"WWW-Authenticate": BASIC_CHALLENGE}
            if scheme.lower() != "basic":
                raise Problem(
                    401, "UNAUTHENTICATED", "a registry token needs Basic credentials", challenge
                )
            try:
                user = self.basic(value.strip())
            except BadCredentials as exc:
                raise Problem(401, "UNAUTHENTICATED", str(exc), challenge) from None
        token = self.issue(user)
        return json_response(
            {
                "token": token,
                "access_token": token,
                "expires_in": TOKEN_SECONDS,
                "issued_at": format_timestamp(utc_now()),
            }
        )
