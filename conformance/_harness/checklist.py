"""Which checks hold which requirement, read from the checks' source.

``conformance specs --checks`` lists them without a target and without
importing or running a check: the ``@pytest.mark.requirement("ID")``
markers are read from the syntax tree of ``conformance/checks/**/test_*.py``,
with the rules pytest collects them by there (``test*`` functions, also in
``Test*`` classes; markers on the function, its class or the module's
``pytestmark``).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance._harness.errors import ConformanceError

_PACKAGE = Path(__file__).resolve().parent.parent
CHECKS = _PACKAGE / "checks"


@dataclass(frozen=True)
class CheckSite:
    """One check: where it is and the requirements its marker names."""

    module: str
    function: str
    location: str  # conformance/checks/…/test_x.py:LINE
    requirements: tuple[str, ...]

    @property
    def name(self) -> str:
        """``module::function`` (``module::Class::function`` for a method)."""
        return f"{self.module}::{self.function}"


def find_checks(root: Path = CHECKS, base: Path = _PACKAGE.parent) -> list[CheckSite]:
    """Every check under ``root``, in file then line order (unmarked tests included).

    Modules and locations are named from ``base`` (by default the directory
    that holds the ``conformance`` package): ``conformance/checks/…/test_x.py:LINE``.
    """
    found: list[CheckSite] = []
    for path in sorted(root.rglob("test_*.py")):
        relative = path.relative_to(base)
        module = ".".join(relative.with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        sites = _checks_in(tree.body, path, "", _module_marks(tree, path))
        found += [
            CheckSite(module, name, f"{relative.as_posix()}:{line}", rids)
            for name, line, rids in sites
        ]
    return found


def checks_by_requirement(checks: list[CheckSite]) -> dict[str, list[CheckSite]]:
    """Requirement ID -> the checks that name it."""
    index: dict[str, list[CheckSite]] = defaultdict(list)
    for check in checks:
        for rid in check.requirements:
            index[rid].append(check)
    return dict(index)


def coverage(
    requirements: Sequence[str], known: Collection[str], checks: list[CheckSite]
) -> list[str]:
    """What ``specs --checks`` ends with: how many of ``requirements`` a check holds,
    which none holds, markers that name no ``known`` requirement, tests that name none.
    """
    index = checks_by_requirement(checks)
    held = [rid for rid in requirements if rid in index]
    holding = [c for c in checks if set(c.requirements) & set(held)]
    lines = [f"{len(holding)} checks hold {len(held)} of {len(requirements)} requirements"]
    bare = [rid for rid in requirements if rid not in index]
    if bare:
        lines.append(f"no check holds: {', '.join(bare)}")
    strays = [
        f"{c.name} ({c.location}) names {rid}"
        for c in checks
        for rid in c.requirements
        if rid not in known
    ]
    if strays:
        lines.append("checks naming a requirement no spec defines: " + "; ".join(strays))
    unmarked = [f"{c.name} ({c.location})" for c in checks if not c.requirements]
    if unmarked:
        lines.append("tests naming no requirement (never run): " + "; ".join(unmarked))
    return lines


def _module_marks(tree: ast.Module, path: Path) -> tuple[str, ...]:
    return tuple(rid for node in tree.body for rid in _pytestmark(node, path))


def _checks_in(
    body: list[ast.stmt], path: Path, prefix: str, inherited: tuple[str, ...]
) -> Iterator[tuple[str, int, tuple[str, ...]]]:
    """(function, line, requirements) of every test function in ``body``."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            own = _marks(node.decorator_list, path)
            yield prefix + node.name, node.lineno, inherited + own
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            marks = _marks(node.decorator_list, path)
            marks += tuple(rid for inner in node.body for rid in _pytestmark(inner, path))
            yield from _checks_in(node.body, path, f"{node.name}::", inherited + marks)


def _pytestmark(node: ast.stmt, path: Path) -> tuple[str, ...]:
    """The requirements of a ``pytestmark = …`` assignment (a marker or a list of them)."""
    if not (
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
    ):
        return ()
    value = node.value
    items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
    return _marks(items, path)


def _marks(expressions: list[ast.expr], path: Path) -> tuple[str, ...]:
    """The IDs of every ``…mark.requirement("ID", …)`` among ``expressions``."""
    ids: list[str] = []
    for expr in expressions:
        if not (isinstance(expr, ast.Call) and _is_requirement_mark(expr.func)):
            continue
        for arg in expr.args:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                raise ConformanceError(
                    f"{path}:{expr.lineno}: a requirement marker whose ID is not a string "
                    'literal. Fix: write it as @pytest.mark.requirement("PORT-004"), so '
                    "`conformance specs --checks` can read it without importing the check"
                )
            ids.append(arg.value)
    return tuple(ids)


def _is_requirement_mark(func: ast.expr) -> bool:
    if not (isinstance(func, ast.Attribute) and func.attr == "requirement"):
        return False
    owner = func.value
    return (isinstance(owner, ast.Attribute) and owner.attr == "mark") or (
        isinstance(owner, ast.Name) and owner.id == "mark"
    )
