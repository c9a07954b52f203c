"""COMMON's own operation: the anonymous discovery document (C-001)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from werkzeug.wrappers import Response

from .routing import Claim, Context, Module, Route, json_response


class DiscoveryModule:
    """Serve ``GET /.well-known/interop`` from what the other modules declare.

    The document is assembled from the modules on every request, so a
    standard added to the platform appears in it by being composed, with its
    claims, limits and deprecated routes.
    """

    def __init__(self, platform: str, modules: Sequence[Module]) -> None:
        self._platform = platform
        self._modules = list(modules)

    def routes(self) -> Sequence[Route]:
        """The discovery route; anonymous, as C1 requires."""
        return [Route("/.well-known/interop", ("GET",), self._interop, anonymous=True)]

    def claims(self) -> Sequence[Claim]:
        """COMMON itself is not claimed as a standard of its own."""
        return []

    def limits(self) -> Mapping[str, int]:
        """Discovery declares no limits of its own."""
        return {}

    def close(self) -> None:
        """Nothing runs in the background."""

    def document(self) -> dict[str, object]:
        """Build the discovery document."""
        limits: dict[str, int] = {}
        for module in self._modules:
            limits.update(module.limits())
        return {
            "platform": self._platform,
            "standards": [claim.to_json() for m in self._modules for claim in m.claims()],
            "limits": limits,
            "deprecations": [
                route.deprecation.to_json()
                for m in self._modules
                for route in m.routes()
                if route.deprecation is not None
            ],
        }

    def _interop(self, ctx: Context) -> Response:
        return json_response(self.document())
