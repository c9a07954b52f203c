"""Which targets a campaign runs, under which folder names, with which secrets.

Targets are target files, or folders whose ``*.yaml`` / ``*.yml`` files are
target files (a Kubernetes ConfigMap mounted as a folder is one). They run in
the order of their paths, so a plan is the same whichever order the shell or
the cluster lists them in, and ``--index I`` names the same target on every
machine.

Each target's folder under the campaign's DIR is named after the target's
``name`` (the name the results site groups runs by), or its file name when
the file cannot be read; two targets with one name get ``name``,
``name-2``, ... in path order.

Secrets: a target file names its tokens by environment variable. Targets
written by one tool (the reference's ``target.yaml`` files) use the same
variable names with different values, so each target may have an env file
beside it, ``<file stem>.env``, of ``NAME=value`` or ``export NAME='value'``
lines: its variables are set for that target's run only.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from conformance._harness.errors import ConfigError, UsageError

TARGET_SUFFIXES = (".yaml", ".yml")
ENV_SUFFIX = ".env"
_MAX_NAMING_BYTES = 1 << 20  # a target file past 1 MiB is named by its file name
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENV_FIX = "one variable a line, as NAME=value or export NAME='value' (quoted as a shell quotes)"


@dataclass(frozen=True)
class CampaignTarget:
    """One target of a campaign: its file, its folder name, its env file (if any)."""

    name: str
    """The folder under the campaign's DIR that holds this target's runs and logs."""
    file: Path
    env_file: Path | None = None


def plan_targets(paths: Sequence[Path]) -> list[CampaignTarget]:
    """The campaign's targets in path order, each with a distinct folder name.

    A path that does not exist, or a folder with no target file in it, is a
    usage error: a campaign that silently ran fewer targets than meant would
    look complete.
    """
    files = sorted(set(_expand(paths)), key=lambda p: str(p))
    if not files:
        raise UsageError("no target given. Fix: name target files, or folders of them")
    taken: set[str] = set()
    planned = []
    for file in files:
        name = _distinct(_folder_name(file), taken)
        taken.add(name)
        env = file.with_suffix(ENV_SUFFIX)
        planned.append(CampaignTarget(name, file, env if env.is_file() else None))
    return planned


def _expand(paths: Iterable[Path]) -> Iterable[Path]:
    for path in paths:
        if path.is_dir():
            found = [p for p in path.iterdir() if p.suffix in TARGET_SUFFIXES and p.is_file()]
            if not found:
                raise UsageError(
                    f"{path} holds no target file (*.yaml, *.yml). "
                    "Fix: give target files, or a folder that holds them"
                )
            yield from (p.absolute() for p in found)
        elif path.is_file():
            yield path.absolute()
        else:
            raise UsageError(f"{path}: no such target file. Fix: give existing target files")


def _folder_name(file: Path) -> str:
    """The target's declared ``name``, else its file name, as a safe folder name."""
    declared = ""
    try:
        if file.stat().st_size <= _MAX_NAMING_BYTES:
            document = yaml.safe_load(file.read_text(encoding="utf-8"))
            if isinstance(document, dict) and isinstance(document.get("name"), str):
                declared = document["name"]
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        pass  # the run says what is wrong with the file; here it only needs a name
    safe = _UNSAFE.sub("-", declared or file.stem).strip("-.")[:80].strip("-.")
    return safe or "target"


def _distinct(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate.lower() in {t.lower() for t in taken}:  # distinct on case-blind file systems
        n += 1
        candidate = f"{name}-{n}"
    return candidate


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of an env file: ``NAME=value`` or ``export NAME='value'`` lines
    (quoted as a POSIX shell quotes), blank lines and ``#`` comments ignored."""
    found: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), "(file)", f"not readable ({exc})", _ENV_FIX) from None
    for number, line in enumerate(text.splitlines(), 1):
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            raise ConfigError(str(path), f"line {number}", str(exc), _ENV_FIX) from None
        if words and words[0] == "export":
            words = words[1:]
        if not words:
            continue
        name, equals, value = words[0].partition("=")
        if len(words) != 1 or not equals or not _ENV_NAME.fullmatch(name):
            raise ConfigError(str(path), f"line {number}", "not a NAME=value line", _ENV_FIX)
        found[name] = value
    return found
