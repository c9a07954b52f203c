"""``conformance.__all__`` is the public face, and the only face a check sees.

Every exported name exists and nothing public is missing; checks import
only ``conformance`` and their own standard's package; importing
``conformance`` (and so the pytest plugin) loads none of the harness.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import conformance

CHECKS = Path(conformance.__file__).parent / "checks"


def test_all_names_exist() -> None:
    missing = [name for name in conformance.__all__ if not hasattr(conformance, name)]
    assert not missing


def test_every_public_attribute_is_in_all() -> None:
    public = {
        n
        for n in vars(conformance)
        if not n.startswith("_") and not isinstance(getattr(conformance, n), type(conformance))
    }
    public.discard("annotations")
    assert public <= set(conformance.__all__), sorted(public - set(conformance.__all__))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nonesuch'"):
        _ = conformance.Nonesuch  # type: ignore[attr-defined]


def outside(check_file: Path, module: str) -> bool:
    """Whether a check may not import ``module``.

    Allowed: ``conformance`` itself, the check's own standard's package
    (``conformance.port`` for PORT; COMMON's is ``conformance.common``) and its
    own checks package. Modules outside ``conformance`` are not this rule's.
    """
    if module.split(".")[0] != "conformance" or module == "conformance":
        return False
    standard = check_file.relative_to(CHECKS).parts[0]
    own = (f"conformance.{standard}", f"conformance.checks.{standard}")
    return not any(module == o or module.startswith(o + ".") for o in own)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every absolute module a file imports (relative imports stay in their package)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def check_files() -> list[Path]:
    return sorted(p for p in CHECKS.rglob("*.py") if p.parent != CHECKS)


def test_checks_exist_to_be_held_to_the_rule() -> None:
    assert len(check_files()) > 30


@pytest.mark.parametrize("path", check_files(), ids=lambda p: str(p.relative_to(CHECKS)))
def test_a_check_imports_only_the_public_api_and_its_own_standard(path: Path) -> None:
    breaking = [f"line {n}: {m}" for n, m in imported_modules(path) if outside(path, m)]
    assert not breaking, f"{path.name} imports beyond the public API and its standard: {breaking}"


def test_the_rule_catches_an_internal_import(tmp_path: Path) -> None:
    sample = tmp_path / "check.py"
    sample.write_text(
        "import pytest\nfrom conformance import Probe\nfrom conformance.port.client import x\n"
        "from conformance._harness.probe import Probe\nfrom conformance.fair import y\n"
        "import conformance.common.roles\n"
    )
    as_port_check = CHECKS / "port" / "test_x.py"
    found = [m for _, m in imported_modules(sample) if outside(as_port_check, m)]
    assert found == ["conformance._harness.probe", "conformance.fair", "conformance.common.roles"]


def test_importing_conformance_and_the_plugin_loads_no_harness() -> None:
    code = (
        "import sys, conformance, conformance.plugin\n"
        "heavy = sorted(m for m in sys.modules if m.startswith(('openapi_core', 'jsonschema',"
        " 'hypothesis', 'httpx', 'conformance._harness.probe', 'conformance._harness.validation')))\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"importing the plugin loaded: {out}"
