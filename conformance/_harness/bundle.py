"""Self-contained specs: every ``$ref`` into another spec's file copied in.

Specs refer to COMMON's shared components across files. Resolving those at
validation time re-reads files on every reference, so each spec is bundled
once: a component another file defines is copied into this document's
``components`` under ``<STANDARD>_<name>`` and the reference rewritten to
point at the copy; a pointer deeper than a component is inlined.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from conformance._harness.catalogue import load_yaml


@cache
def bundle(path: Path) -> dict[str, Any]:
    """The spec at ``path`` with no reference leaving the document."""
    root = path.resolve()
    added: dict[str, dict[str, Any]] = {}

    def resolve(node: Any, here: Path) -> Any:
        if isinstance(node, list):
            return [resolve(v, here) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return {k: resolve(v, here) for k, v in node.items()}
        file, _, pointer = ref.partition("#")
        where = (here.parent / file).resolve() if file else here
        rest = {k: resolve(v, here) for k, v in node.items() if k != "$ref"}
        if where == root:
            return {"$ref": f"#{pointer}"} | rest
        parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/")]
        if len(parts) == 3 and parts[0] == "components":
            kind, name = parts[1], f"{where.parent.parent.name}_{parts[2]}"
            table = added.setdefault(kind, {})
            if name not in table:
                table[name] = {}  # placeholder first: components may refer to themselves
                table[name] = resolve(pointer_get(load_yaml(where), parts), where)
            return {"$ref": f"#/components/{kind}/{name}"} | rest
        return resolve(pointer_get(load_yaml(where), parts), where) | rest

    document = resolve(load_yaml(root), root)
    components = document.setdefault("components", {})
    for kind, table in added.items():
        components.setdefault(kind, {}).update(table)
    return document  # type: ignore[no-any-return]


def pointer_get(document: Any, parts: list[str]) -> Any:
    """The node a JSON pointer (already split and unescaped) names."""
    node = document
    for part in parts:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node
