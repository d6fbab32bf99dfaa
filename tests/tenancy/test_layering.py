"""The tenancy core sits just above the extensions: it imports nothing else from bbp."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.services import ROOT

TENANCY = ROOT / "bbp" / "tenancy"
ALLOWED = ("bbp.extensions", "bbp.tenancy")


def _imported(path: Path, root: Path = ROOT) -> set[str]:
    """Every module an import names, anywhere in the file (functions included)."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from .context import y
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def _outside_the_core(name: str) -> bool:
    if name != "bbp" and not name.startswith("bbp."):
        return False
    return not any(name == allowed or name.startswith(allowed + ".") for allowed in ALLOWED)


def test_tenancy_imports_nothing_from_bbp_but_the_extensions_and_itself():
    sources = sorted(TENANCY.rglob("*.py"))
    assert len(sources) >= 8
    offending = {
        str(path.relative_to(ROOT)): sorted(n for n in _imported(path) if _outside_the_core(n))
        for path in sources
    }
    assert {path: names for path, names in offending.items() if names} == {}


def test_the_check_sees_imports_inside_functions_relative_and_by_name(tmp_path):
    path = tmp_path / "bbp" / "tenancy" / "sample.py"
    path.parent.mkdir(parents=True)
    path.write_text(
        "import importlib\n"
        "from bbp.extensions import db\n"
        "from bbp.tenancy.context import bound\n"
        "from . import hosts\n"
        "from ..kernel import mail\n"
        "def f():\n"
        "    from bbp import create_app\n"
        "    import bbp.models\n"
        "    importlib.import_module('bbp.kernel.keys')\n"
    )
    outside = sorted(n for n in _imported(path, tmp_path) if _outside_the_core(n))
    assert outside == [
        "bbp",
        "bbp.create_app",
        "bbp.kernel",
        "bbp.kernel.keys",
        "bbp.kernel.mail",
        "bbp.models",
    ]
