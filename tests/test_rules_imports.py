"""The package's import graph has no cycle, and every module imports on its own.

Edges come from the source (``ast``), not from running it: ``import a.b`` and ``from a.b import c``
are edges to ``a.b`` (and to ``a.b.c`` when that is a module), and to every package on the way
that the importer does not live in (importing ``loganalyzer.rules.model`` from outside runs
``loganalyzer/rules/__init__.py`` first). The root package is left out: it is always imported
first. Imports inside functions count too: a lazy import that closes a loop is still a loop;
the one exception is a package importing its own submodules inside a function (a registry such as
``sources.all_parsers``), which runs only after the package has finished loading.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from conftest import REPO

PACKAGE = REPO / "loganalyzer"
ROOT = "loganalyzer"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_package(name: str) -> bool:
    return (REPO / Path(*name.split(".")) / "__init__.py").exists()


def _resolve(module: str, level: int, target: str | None) -> str:
    if not level:
        return target or ""
    base = module.split(".")
    if not _is_package(module):
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _imports(tree: ast.AST, lazy: bool = False):
    """Every import node that runs, and whether it sits inside a function (``if TYPE_CHECKING:``
    blocks never run)."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            yield from _imports(ast.Module(body=child.orelse, type_ignores=[]), lazy)
            continue
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, lazy
        yield from _imports(child, lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        own_packages = {".".join(name.split(".")[:i]) for i in range(1, len(name.split(".")) + 1)}
        for node, lazy in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, node.level, node.module)
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES]
            for target in targets:
                if not target.startswith(ROOT):
                    continue
                parts = target.split(".")
                for i in range(2, len(parts) + 1):
                    step = ".".join(parts[:i])
                    if step in MODULES and step != name and (step == target or step not in own_packages):
                        if lazy and _is_package(name) and step.startswith(name + "."):
                            continue  # a registry loading its own submodules on demand
                        graph[name].add(step)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_package_has_no_import_cycle():
    cycle = find_cycle({k: v for k, v in import_graph().items() if k != ROOT})
    assert cycle is None, " -> ".join(cycle)


def test_the_cycle_finder_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_graph_sees_matching_use_the_rule_model():
    graph = import_graph()
    assert "loganalyzer.rules.model" in graph["loganalyzer.matching"]
    assert "loganalyzer.rules" in graph["loganalyzer.matching"]  # the package runs first
    assert "loganalyzer.matching" in graph["loganalyzer.rules.examples"]


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n not in (ROOT, f"{ROOT}.__main__")))
def test_every_module_imports(name):
    importlib.import_module(name)


def test_no_module_is_over_800_lines():
    long = {name: n for name, path in MODULES.items() if name.startswith(f"{ROOT}.rules") or name in (
        f"{ROOT}.matching", f"{ROOT}.ranking", f"{ROOT}.diagnosis", f"{ROOT}.testing", f"{ROOT}.signatures")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 800}
    assert not long, long


def test_the_old_module_still_re_exports_the_public_names():
    old = importlib.import_module("loganalyzer.signatures")
    for name in ("load_signatures", "load_knowledge", "SignatureSet", "Knowledge", "validate", "load_pack", "run_examples"):
        assert hasattr(old, name), name
