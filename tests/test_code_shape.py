"""No product module over 500 lines, and no function over 60, without a reason at its top.

The reason is a sentence with "because" in the module docstring's first paragraphs (files) or in
the docstring's first paragraph (functions): a reader meets it before the length.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from index.settings import REPO_ROOT

PACKAGES = ("bot", "rag", "index", "nlp", "evaluation")
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (REPO_ROOT / pkg).rglob("*.py"))


def _gives_reason(docstring: str | None) -> bool:
    return docstring is not None and "because" in docstring.lower()


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_module_and_function_length(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    where = path.relative_to(REPO_ROOT)
    lines = source.count("\n")
    if lines > MAX_FILE_LINES:
        assert _gives_reason(ast.get_docstring(tree)), f"{where}: {lines} lines, no reason given"
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                first = (ast.get_docstring(node) or "").split("\n\n")[0]
                assert _gives_reason(first), f"{where}:{node.lineno} {node.name}: {length} lines"
