"""The clients, users and bearer tokens a reference platform recognises.

Tokens are random per start and never appear in a repr or a log line; they
are handed over in memory (``ReferencePlatform.identities``) or through the
``0600`` env file that ``python -m conformance.reference`` writes.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

# alice, bob, carol (COMMON C2); workers w1, w2 and merchants m1, m2 (DISC).
DEFAULT_USERS: Final = ("alice", "bob", "carol", "w1", "w2", "m1", "m2")

# The users holding an S3 access-key pair (CLOUD: "an access key pair per user").
S3_USERS: Final = ("alice", "bob")
_KEY_ID_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

# How each client presents itself. The platform treats all three alike; the
# headers exist so the suite can send what the real clients would.
CLIENT_HEADERS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "first_party": {
            "User-Agent": "ReferenceApp/1.0 (first-party)",
            "Origin": "https://app.reference.test",
            "Referer": "https://app.reference.test/",
        },
        "third_party": {
            "User-Agent": "PortabilityTool/2.3 (third-party)",
            "Origin": "https://tool.third-party.test",
            "Referer": "https://tool.third-party.test/connect",
        },
        "competitor": {
            "User-Agent": "RivalApp/5.0 (competitor)",
            "Origin": "https://app.competitor.test",
            "Referer": "https://app.competitor.test/import",
        },
    }
)


@dataclass(frozen=True)
class Identities:
    """Who may call the platform: users, clients and one token per role."""

    users: dict[str, str]
    """User name → platform user id (the account key)."""
    clients: dict[str, dict[str, str]]
    """Client name → the headers that client presents."""
    tokens: dict[tuple[str, str], str] = field(repr=False)
    """(client, user name) → bearer token; excluded from repr on purpose."""
    s3_keys: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    """User name → (S3 access key id, secret access key), for CLOUD's S3 surface."""

    def token(self, client: str, user: str) -> str:
        """Return the bearer token of one role, naming the role if unknown."""
        try:
            return self.tokens[(client, user)]
        except KeyError:
            raise KeyError(
                f"no token for client {client!r} and user {user!r}; "
                f"clients are {sorted(self.clients)}, users are {sorted(self.users)}"
            ) from None


def new_user_id() -> str:
    """Return a fresh platform user id."""
    return f"usr_{secrets.token_hex(8)}"


def generate_identities(
    user_ids: Mapping[str, str] | None = None,
    users: Iterable[str] = DEFAULT_USERS,
) -> Identities:
    """Create identities with fresh random tokens.

    ``user_ids`` keeps the ids of users that already have accounts (a data
    directory reused across starts), so their data stays theirs; users
    without one get a new id.
    """
    known = dict(user_ids or {})
    names = list(dict.fromkeys([*users, *known]))
    user_map = {name: known.get(name) or new_user_id() for name in names}
    clients = {name: dict(headers) for name, headers in CLIENT_HEADERS.items()}
    tokens = {(client, user): secrets.token_urlsafe(32) for client in clients for user in user_map}
    s3_keys: dict[str, tuple[str, str]] = {
        user: new_s3_key() for user in S3_USERS if user in user_map
    }
    return Identities(users=user_map, clients=clients, tokens=tokens, s3_keys=s3_keys)


def new_s3_key() -> tuple[str, str]:
    """A fresh S3 access key pair shaped like AWS's: ``AKIA…`` (20) and a 40-character secret."""
    key_id = "AKIA" + "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(16))
    return key_id, secrets.token_urlsafe(30)
