"""The one import rule, read from the source: bot -> rag -> index -> nlp, never back (evaluation
sits beside bot: only the CLI calls it), and no cycles.

Imports inside functions count (a lazy import that closes a cycle only hides it); those under
TYPE_CHECKING do not (they never run). Relative imports are resolved like absolute ones.
"""

from __future__ import annotations

import ast
from pathlib import Path

from index.settings import REPO_ROOT

# What each package may import besides itself.
MAY_IMPORT = {
    "bot": {"evaluation", "rag", "index", "nlp"},
    "evaluation": {"rag", "index", "nlp"},
    "rag": {"index", "nlp"},
    "index": {"nlp"},
    "nlp": set(),
}
PACKAGES = tuple(MAY_IMPORT)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """Every module `tree` imports, those inside functions too (a lazy import that closes a
    cycle only hides it), but not those under TYPE_CHECKING (they never run)."""
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node)
        for inner in ast.walk(node)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    files = {
        _module_name(p): p for package in PACKAGES for p in (REPO_ROOT / package).rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = _imports(tree, name, path.name == "__init__.py")
        graph[name] = {i for i in imports if i in files and i != name}
    return graph


def test_imports_flow_from_bot_to_rag_to_index_to_nlp_only() -> None:
    wrong = sorted(
        (module, target)
        for module, targets in _graph().items()
        for target in targets
        if (pkg := target.split(".")[0]) != module.split(".")[0]
        and pkg not in MAY_IMPORT[module.split(".")[0]]
    )
    assert wrong == []


def test_no_import_cycle() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert cycles == []
