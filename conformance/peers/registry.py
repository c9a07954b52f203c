"""The CNCF distribution registry (Debian's ``docker-registry``) as an independent OCI registry.

Run as itself, ``/usr/bin/docker-registry serve <config.yml>``, with a
configuration of its own written next to its storage: filesystem storage in
the peer's directory, ``http.addr 127.0.0.1:0`` (it logs the port it got),
deletes enabled (so the suite's cleanup is honoured), no upload purging, no
authentication, a fixed HTTP secret (no "generated random secret" warning),
and its log in the same directory. The system's ``/etc/docker/registry``
is never read.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from conformance._harness.cloud_target import OciSettings
from conformance._harness.target import Target

from .process import LoopbackProcess, PeerServer, PeerUnavailable, clean_environment
from .target_files import COMMON_USERS, PEER_LIMITS

REGISTRY_PROGRAM = "/usr/bin/docker-registry"
OCI_CLAIMS = ({"id": "CLOUD", "version": "1.0", "profiles": ["oci"]},)
_LISTENING = re.compile(r'listening on "?127\.0\.0\.1:(?P<port>\d+)')


def registry_config(storage: Path) -> dict[str, Any]:
    """The registry's whole configuration (distribution's ``config.yml``, version 0.1)."""
    return {
        "version": 0.1,
        "log": {"level": "info", "formatter": "text", "accesslog": {"disabled": False}},
        "storage": {
            "filesystem": {"rootdirectory": str(storage)},
            "delete": {"enabled": True},
            "maintenance": {"uploadpurging": {"enabled": False}},
        },
        "http": {"addr": "127.0.0.1:0", "secret": secrets.token_hex(16)},
    }


class DistributionRegistry(PeerServer):
    """distribution's registry on 127.0.0.1:<free port>, storing in its own directory.

    Use as a context manager; ``.endpoint`` is set inside it. The log
    (``<directory>/registry.log``) and the configuration stay after the stop.
    """

    def __init__(
        self,
        directory: Path | None = None,
        *,
        program: str = REGISTRY_PROGRAM,
        repository: str | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        """``directory`` holds config, storage and log (default: a new temporary one);
        ``repository`` is the one the target names (None: the suite names one per run)."""
        if directory is None:
            directory = Path(tempfile.mkdtemp(prefix="registry-"))
        self.directory = directory
        self.program = program
        self.repository = repository
        self.start_timeout = start_timeout
        self.ready_path = "/v2/"
        self.config_path = directory / "config.yml"
        home = directory / "home"
        self.process = LoopbackProcess(
            "distribution registry",
            [program, "serve", str(self.config_path)],
            clean_environment(home),
            directory / "registry.log",
            _LISTENING,
            cwd=home,
        )

    def _prepare(self) -> None:
        if shutil.which(self.program) is None:
            raise PeerUnavailable(
                f"{self.program} is not installed: apt-get install docker-registry "
                "(Debian's package of the CNCF distribution registry)"
            )
        (self.directory / "home").mkdir(parents=True, exist_ok=True)
        storage = self.directory / "storage"
        storage.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(
            yaml.safe_dump(registry_config(storage), sort_keys=False), encoding="utf-8"
        )

    def oci_settings(self, repository: str | None = None) -> OciSettings:
        """The ``cloud.oci`` section describing this registry (no login: it has no auth)."""
        return OciSettings(
            endpoint=self.endpoint,
            repository=repository or self.repository,
            source=f"<distribution registry at {self.endpoint}>",
        )

    def target(self, name: str = "registry", *, repository: str | None = None) -> Target:
        """A Target for this registry: ``cloud.oci`` and stated claims (CLOUD 1.0, ``oci``)."""
        return Target(
            name=name,
            base_url=self.endpoint,
            clients={},
            users={},
            credentials={},
            limits=PEER_LIMITS,
            source=f"<distribution registry at {self.endpoint}>",
            oci=self.oci_settings(repository),
            stated_claims=OCI_CLAIMS,
        )

    def target_document(self, name: str = "registry", env_prefix: str = "") -> dict[str, Any]:
        """The target file's content (the registry needs no secret)."""
        return {
            "name": name,
            "base_url": self.endpoint,
            "users": COMMON_USERS,
            "limits": {"requests_per_second": 0},
            "cloud": {"oci": self._oci_section()},
            "claims": [dict(c) for c in OCI_CLAIMS],
        }

    def _oci_section(self) -> dict[str, str]:
        section = {"endpoint": self.endpoint}
        if self.repository is not None:
            section["repository"] = self.repository
        return section

    def environment(self, env_prefix: str = "") -> dict[str, str]:
        """The secrets the target file names: none (the registry runs without auth)."""
        return {}
