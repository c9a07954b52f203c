"""How CLOUD's answers write the URLs they hand out (``cloud.locations``).

``Location`` headers (switch-exports, registry uploads, blobs, manifests),
``manifest_url`` and ``export_url`` are URI references: the draft and the
OCI distribution spec let them be absolute or relative, and a client
resolves them (RFC 3986 §5) against the URL of the answer that carried them.
"""

from __future__ import annotations

import posixpath

from werkzeug.wrappers import Request


def relative_reference(base_path: str, target: str) -> str:
    """A relative reference from ``base_path`` to the root-relative ``target``.

    ``target`` may carry a query. A first segment holding ``:`` (a digest)
    gets ``./`` before it, or it would read as a scheme.
    """
    path, separator, query = target.partition("?")
    base_dir = base_path[: base_path.rfind("/") + 1]
    target_dir, _, name = path.rpartition("/")
    up = posixpath.relpath(target_dir + "/", base_dir or "/")
    reference = name if up == "." else f"{up}/{name}"
    if ":" in reference.split("/")[0] or not reference:
        reference = "./" + reference
    return reference + separator + query


def locate(request: Request, path: str, style: str) -> str:
    """``path`` (root-relative) as ``style`` writes it for an answer to ``request``.

    ``path``: as given; ``absolute``: on the host the request named;
    ``relative``: relative to the request's own path.
    """
    if style == "absolute":
        return request.host_url.rstrip("/") + path
    if style == "relative":
        return relative_reference(request.path, path)
    return path
