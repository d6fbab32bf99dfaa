"""The import graph stays a clean stack: no cycles, route handlers in views, lint contract on."""

from __future__ import annotations

import ast
import tomllib
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
BBP = ROOT / "bbp"
ROUTE_DECORATORS = ("get", "post", "route", "put", "delete", "patch")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("bbp", cache_dir=None)


def _is_blueprint_home(package: str) -> bool:
    """A feature package's __init__ that only makes `bp` and imports its own route modules."""
    path = BBP.joinpath(*package.split(".")[1:], "__init__.py")
    tree = ast.parse(path.read_text())
    defines_bp = any(
        isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "bp" for t in node.targets)
        for node in tree.body
    )
    imports_only_own = all(
        node.module == "flask" or node.module.startswith(package)
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
    )
    return defines_bp and imports_only_own


def _exempt(importer: str, imported: str) -> bool:
    """The two declared exemptions: the app factory, and `bp` from a feature's own package."""
    if importer == "bbp":
        return True
    return importer.startswith(imported + ".") and _is_blueprint_home(imported)


def _cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle in the graph, or [] when there is none."""
    try:
        TopologicalSorter(edges).prepare()
    except CycleError as error:
        return error.args[1]
    return []


def test_the_import_graph_has_no_cycle_counting_imports_inside_functions(graph):
    edges = {
        module: {
            imported
            for imported in graph.find_modules_directly_imported_by(module)
            if not _exempt(module, imported)
        }
        for module in graph.modules
    }
    assert _cycle(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert sorted(set(_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}))) == ["a", "b", "c"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def _defines_routes(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text())):
        for decorator in getattr(node, "decorator_list", ()):
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Attribute) and target.attr in ROUTE_DECORATORS:
                owner = target.value
                if isinstance(owner, ast.Name) and owner.id == "bp":
                    return True
    return False


def test_route_handlers_live_in_views_so_the_layer_contract_sees_them():
    outside = [
        str(path.relative_to(ROOT))
        for path in BBP.rglob("*.py")
        if _defines_routes(path) and path.stem != "views" and path.parent.name != "views"
    ]
    assert outside == []


def test_make_lint_runs_the_import_contract_and_forbids_imports_inside_functions():
    makefile = (ROOT / "Makefile").read_text()
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "lint-imports" in lint
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "PLC0415" in settings["tool"]["ruff"]["lint"]["select"]
    contracts = {c["id"] for c in settings["tool"]["importlinter"]["contracts"]}
    assert {"stack", "feature-layers", "features"} <= contracts
    assert "make lint" in (ROOT / ".ci" / "run").read_text()
