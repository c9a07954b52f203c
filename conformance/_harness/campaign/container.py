"""Each target's run in the suite image instead of a local process (``--in-container IMAGE``).

The run is ``docker run --rm --network host IMAGE run --target
/work/target.yaml --report-dir /reports``, with the target file mounted
read-only, the target's folder of the campaign mounted at ``/reports`` (so
the layout is the one a local run leaves), and the campaign's user and
group, so the files are the campaign's. The variables the target file names
(``*_env`` keys) and those of its env file are passed by name (``--env
NAME``): docker reads each value from its own environment, so no secret is
ever on a command line. Ctrl-C and the timeout reach the suite in the
container through ``docker run``'s signal proxy; whatever happens, the
container is removed by name afterwards (``remove``), and carries labels a
test can find it by.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from conformance._harness.campaign.plan import CampaignTarget, read_env_file
from conformance._harness.campaign.unit import Command

OWNER_LABEL = "org.interop-conformance.owner"
TARGET_LABEL = "org.interop-conformance.campaign-target"
_IN_CONTAINER_TARGET = "/work/target.yaml"
_IN_CONTAINER_REPORTS = "/reports"


def container_name(target: CampaignTarget) -> str:
    """The container's name: unique to this campaign process and target."""
    return f"conformance-campaign-{os.getpid()}-{target.name}"[:128]


def container_command(
    image: str, run_args: Sequence[str], labels: Mapping[str, str] | None = None
) -> Command:
    """The command that runs one target's suite in ``image`` (the suite image)."""
    given = {OWNER_LABEL: "campaign", **(labels or {})}

    def command(target: CampaignTarget, report_dir: Path) -> list[str]:
        argv = ["docker", "run", "--rm", "--name", container_name(target), "--network", "host"]
        argv += ["--user", f"{os.getuid()}:{os.getgid()}"]
        for key, value in {**given, TARGET_LABEL: target.name}.items():
            argv += ["--label", f"{key}={value}"]
        for name in sorted(_variables(target)):
            argv += ["--env", name]
        argv += ["--volume", f"{target.file.resolve()}:{_IN_CONTAINER_TARGET}:ro"]
        argv += ["--volume", f"{report_dir.resolve()}:{_IN_CONTAINER_REPORTS}"]
        argv += [image, "run", "--target", _IN_CONTAINER_TARGET]
        return [*argv, "--report-dir", _IN_CONTAINER_REPORTS, "--quiet", *run_args]

    return command


def remove(target: CampaignTarget) -> None:
    """Remove the target's container if it is still there (a killed ``docker run``)."""
    try:
        subprocess.run(
            ["docker", "rm", "--force", container_name(target)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        pass  # no docker client, or an engine that does not answer: nothing we can remove


def _variables(target: CampaignTarget) -> set[str]:
    """The variables the target needs: its env file's and every ``*_env`` the file names."""
    names = set(read_env_file(target.env_file)) if target.env_file else set()
    try:
        document = yaml.safe_load(target.file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return names  # the run in the container says what is wrong with the file
    return names | set(_env_keys(document))


def _env_keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.endswith("_env") and isinstance(value, str):
                yield value
            else:
                yield from _env_keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _env_keys(item)
