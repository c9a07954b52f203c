"""Names for what the suite creates on CLOUD's surfaces: like a user's, seeded, new each run.

A platform must not be able to tell the suite's traffic from its users' and
behave well only for it, so nothing the suite creates carries a fixed prefix
or marker unless the target file asks for one (``cloud.s3.bucket_prefix``,
``cloud.oci.repository``). Buckets, repositories and tags are named the way
people name them (``media-backup-7f3a9c2e``, ``webapp/api-3f2a9c``,
``sha-4e1d2b7``), drawn from a ``random.Random`` the caller seeds from the
run's seed: a replay (same seed) names the same things, another run other
ones. The words are common English nouns of storage and software, nothing
that says "test" or "conformance".
"""

from __future__ import annotations

import random
import re

WORDS = (
    "alpha", "api", "app", "archive", "assets", "audio", "backup", "billing", "blog", "build",
    "cache", "catalog", "cdn", "content", "core", "data", "docs", "edge", "events", "exports",
    "files", "frontend", "gallery", "images", "imports", "invoices", "jobs", "logs", "media",
    "mobile", "models", "notes", "orders", "photos", "platform", "portal", "prod", "public",
    "records", "reports", "search", "service", "shared", "shop", "site", "static", "store",
    "team", "uploads", "video", "web", "worker",
)  # fmt: skip
"""Lower-case words of ordinary bucket and repository names."""

_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*")


def seeded(seed: int, *scope: str) -> random.Random:
    """A generator for names in ``scope`` (a check's id, a surface), fixed by the run's seed.

    A string seed is hashed by SHA-512 (``random.seed`` version 2): the same in
    every process and Python version, unlike ``hash()``.
    """
    return random.Random("/".join((str(seed), *scope)))


def _two_words(rng: random.Random) -> tuple[str, str]:
    first, second = rng.sample(WORDS, 2)
    return first, second


def bucket_name(rng: random.Random, prefix: str | None = None) -> str:
    """A bucket name: ``<prefix><12 hex>`` when the target file sets a prefix, otherwise
    ``<word>-<word>-<8 hex>`` (3 to 63 of [a-z0-9-], no dots: virtual-host safe)."""
    if prefix is not None:
        return f"{prefix}{rng.getrandbits(48):012x}"
    first, second = _two_words(rng)
    return f"{first}-{second}-{rng.getrandbits(32):08x}"


def repository_name(rng: random.Random, username: str | None = None) -> str:
    """An OCI repository name: ``<namespace>/<word>-<6 hex>``.

    The namespace is the registry login when it is a valid path component
    (Docker Hub, GHCR and most hosted registries accept pushes only under the
    account's own namespace), otherwise a word.
    """
    first, second = _two_words(rng)
    suffix = f"{rng.getrandbits(24):06x}"
    namespace = username.lower() if username and _COMPONENT.fullmatch(username.lower()) else first
    return f"{namespace}/{second}-{suffix}"


def image_tag(rng: random.Random, digits: int = 7) -> str:
    """A tag as CI pipelines write them for a commit: ``sha-<digits hex>``."""
    return f"sha-{rng.getrandbits(4 * digits):0{digits}x}"
