"""Made-up values that look like a user's: ids, names, texts, tokens, seeded by the run.

A platform must not be able to tell the suite's traffic from its users' and
behave well only for it, so what the suite makes up (an id it knows does not
exist, a line of text, a query parameter a signature must cover, a token the
platform must refuse) carries no fixed marker ("conformance", "probe", "test")
and changes from run to run: each value is drawn from a generator seeded by
the run's seed and a scope (the check, the purpose), so a replay (same seed)
sends the same values, whatever order the checks run in, and another run
other ones. The words are common English nouns and adjectives of everyday
content. CLOUD's buckets, repositories and tags are named by
``conformance.cloud.names`` the same way.
"""

from __future__ import annotations

import random
import string
import uuid
from datetime import UTC, datetime

NOUNS = (
    "apple", "autumn", "bakery", "beach", "bike", "book", "bridge", "cabin", "candle", "canyon",
    "coffee", "concert", "cookie", "garden", "guitar", "harbor", "holiday", "island", "kitchen",
    "lake", "lantern", "letter", "market", "meadow", "meeting", "morning", "mountain", "notes",
    "orchard", "painting", "picnic", "planet", "recipe", "river", "road", "sketch", "spring",
    "station", "story", "summer", "sunset", "travel", "valley", "village", "walk", "weekend",
    "window", "winter",
)  # fmt: skip
"""Nouns of ordinary posts, notes and file names."""

ADJECTIVES = (
    "blue", "bright", "calm", "early", "first", "fresh", "golden", "green", "happy", "late",
    "little", "long", "new", "old", "quiet", "quick", "rainy", "short", "small", "sunny", "warm",
)  # fmt: skip
"""Adjectives that make ``NOUNS`` read like a title."""

QUERY_PARAMETERS = (
    ("utm_source", ("newsletter", "twitter", "mail", "partner")),
    ("utm_medium", ("email", "social", "cpc", "referral")),
    ("ref", ("home", "share", "nav", "footer")),
    ("lang", ("en", "de", "fr", "es")),
    ("fbclid", ()),
    ("gclid", ()),
)
"""Parameters real clients and links append to URLs (a value drawn, or random when empty)."""

_ALNUM = string.ascii_lowercase + string.digits
_TOKEN = string.ascii_letters + string.digits


class Ordinary:
    """Values in one scope of one run; the same seed and scope give the same sequence."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def word(self) -> str:
        """A common noun (``garden``)."""
        return self.rng.choice(NOUNS)

    def title(self) -> str:
        """Two or three words, as people title a post or a folder (``quiet river walk``)."""
        words = [self.rng.choice(ADJECTIVES), *self.rng.sample(NOUNS, self.rng.randint(1, 2))]
        return " ".join(words)

    def sentence(self) -> str:
        """A short sentence of everyday content (``Photos from the quiet river walk.``)."""
        opener = self.rng.choice(("Photos from the", "Notes on the", "Back from the", "Our"))
        return f"{opener} {self.title()}{self.rng.choice(('.', '!', ' :)', ''))}"

    def slug(self) -> str:
        """A file or folder name as people write them (``river-walk-3f9a2c``)."""
        first, second = self.rng.sample(NOUNS, 2)
        return f"{first}-{second}-{self.rng.getrandbits(24):06x}"

    def uuid(self) -> str:
        """A random (version 4) UUID: the most common shape of an opaque id."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def id(self, length: int = 12) -> str:
        """An opaque lower-case id (``k3f9x2m8q1zp``)."""
        return "".join(self.rng.choice(_ALNUM) for _ in range(length))

    def token(self, length: int = 40) -> str:
        """A bearer-token-like string of letters and digits (one no platform issued)."""
        return "".join(self.rng.choice(_TOKEN) for _ in range(length))

    def timestamp(self) -> str:
        """An RFC 3339 UTC instant of the last few years, to the millisecond."""
        seconds = self.rng.randrange(1_640_995_200, 1_735_689_600)  # 2022 to 2024
        stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{stamp}.{self.rng.randrange(1000):03d}Z"

    def query_parameter(self) -> tuple[str, str]:
        """A query parameter clients and shared links commonly append (``utm_source=mail``)."""
        name, values = self.rng.choice(QUERY_PARAMETERS)
        return name, self.rng.choice(values) if values else self.token(24)

    def data(self, size: int) -> bytes:
        """``size`` random bytes."""
        return self.rng.randbytes(size)


def ordinary(seed: int, *scope: str) -> Ordinary:
    """The values of ``scope`` (a check, a purpose) in the run with ``seed``.

    A string seed is hashed by SHA-512 (``random.seed`` version 2): the same in
    every process and Python version, unlike ``hash()``.
    """
    return Ordinary(random.Random("/".join(("ordinary", str(seed), *scope))))
