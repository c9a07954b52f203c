"""Every transform a fault can name, gathered from one module per standard."""

from __future__ import annotations

from conformance.faults.base import Transform
from conformance.faults.transforms import cloud, cloud_s3, common, disc, fair, link, port

TRANSFORMS: dict[str, type[Transform]] = {}
for _module in (common, port, fair, link, disc, cloud, cloud_s3):
    for _name, _cls in _module.TRANSFORMS.items():
        if _name in TRANSFORMS:
            raise RuntimeError(f"transform {_name!r} is defined twice")
        TRANSFORMS[_name] = _cls

__all__ = ["TRANSFORMS"]
