"""Which surface of a target a fault's proxy stands in front of, and the target behind it.

A fault says ``front: api`` (the default: the base URL), ``s3`` or ``oci``
(CLOUD's surfaces, served at endpoints of their own). ``behind`` gives the
target the suite then probes: the same, with that surface's address
replaced by the proxy's. A surface served at the base URL's origin (the
reference's registry) goes behind an ``api`` proxy with it, since they are
one server.
"""

from __future__ import annotations

import dataclasses

from conformance._harness.errors import ConfigError
from conformance._harness.target import Target, origin_of


def upstream(target: Target, front: str) -> str:
    """The URL the proxy forwards to: the base URL or the surface's endpoint."""
    if front == "api":
        return target.base_url
    surface = target.s3 if front == "s3" else target.oci if front == "oci" else None
    if surface is None:
        raise ConfigError(
            target.source,
            f"cloud.{front}",
            f"a fault stands in front of the {front} surface, which this target lacks",
            f"configure cloud.{front}",
        )
    return surface.endpoint


def behind(target: Target, front: str, proxy_url: str) -> Target:
    """``target`` with the fronted surface reached through the proxy at ``proxy_url``."""
    proxy_url = proxy_url.rstrip("/")
    if front == "api":
        moved = dataclasses.replace(target, base_url=proxy_url)
        old = target.origin
        if target.s3 is not None and origin_of(target.s3.endpoint) == old:
            moved = dataclasses.replace(
                moved, s3=dataclasses.replace(target.s3, endpoint=proxy_url)
            )
        if target.oci is not None and origin_of(target.oci.endpoint) == old:
            moved = dataclasses.replace(
                moved, oci=dataclasses.replace(target.oci, endpoint=proxy_url)
            )
        return moved
    upstream(target, front)  # the surface exists
    if front == "s3" and target.s3 is not None:
        return dataclasses.replace(target, s3=dataclasses.replace(target.s3, endpoint=proxy_url))
    if front == "oci" and target.oci is not None:
        return dataclasses.replace(target, oci=dataclasses.replace(target.oci, endpoint=proxy_url))
    raise ConfigError(target.source, "front", f"unknown front {front!r}", "use api, s3 or oci")
