"""Print a digest of what the images install: the package, its specs and fixtures, pyproject.

docker/build-images.sh labels both images with it (org.interop-conformance.source-digest);
the Docker tests rebuild an image whose label differs from the tree's digest, so they never
judge a stale image. Run with any Python 3: ``python3 docker/source_digest.py [ROOT]``.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

INCLUDED = ("conformance", "specs", "fixtures")
FILES = ("pyproject.toml", "README.md")


def source_digest(root: Path) -> str:
    """A SHA-256 over the relative paths and contents of the files the wheel is built from."""
    paths = [root / name for name in FILES]
    for folder in INCLUDED:
        paths += (p for p in (root / folder).rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in sorted(paths):
        if "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


if __name__ == "__main__":
    print(source_digest(Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()))
