"""The roles checks use most (COMMON C2): a client acting for a user."""

from __future__ import annotations

from conformance._harness.target import Role

ALICE = Role("first_party", "alice")
BOB = Role("first_party", "bob")
CAROL = Role("first_party", "carol")
ALICE_THIRD_PARTY = Role("third_party", "alice")
ALICE_COMPETITOR = Role("competitor", "alice")
