"""Read every audit `record(...)` call in `bbp` from the source: its action codes and field names.

Codes and field names are followed through the simple shapes the services use: literals,
`a if x else b`, f-strings (as patterns), local variables, a parameter filled by the module's
own calls (codes and dicts), `changes(obj, FIELDS)` tuples, dict literals, `|` merges and small helper functions
returning a dict. Anything else is reported as unreadable, so the sweep never silently misses
a call: write such a code as a literal instead.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "bbp"


@dataclass
class Found:
    """What the sweep read: codes, code patterns (from f-strings), field names, and failures."""

    codes: dict[str, str] = field(default_factory=dict)  # code -> where
    patterns: dict[str, str] = field(default_factory=dict)  # regex -> where
    fields: dict[str, str] = field(default_factory=dict)  # field name -> where
    unreadable: list[str] = field(default_factory=list)


class Module:
    """One source file, with parent links and its module-level and function definitions."""

    def __init__(self, path: Path, root: Path):
        self.path, self.root = path, root
        self.tree = ast.parse(path.read_text())
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.functions = {
            n.name: n
            for n in ast.walk(self.tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        self.record_names, self.audit_modules = self._audit_imports()

    def where(self, node: ast.AST) -> str:
        return f"{self.path.relative_to(self.root.parent)}:{node.lineno}"

    def _audit_imports(self) -> tuple[set[str], set[str]]:
        names, modules = set(), set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module == "bbp.audit.services":
                names |= {a.asname or a.name for a in node.names if a.name == "record"}
            if isinstance(node, ast.ImportFrom) and node.module == "bbp.audit":
                modules |= {a.asname or a.name for a in node.names if a.name == "services"}
        return names, modules

    def is_record(self, call: ast.Call) -> bool:
        f = call.func
        if isinstance(f, ast.Name):
            return f.id in self.record_names
        return (
            isinstance(f, ast.Attribute)
            and f.attr == "record"
            and isinstance(f.value, ast.Name)
            and f.value.id in self.audit_modules
        )

    def function_of(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def assigned(self, name: str, scope: ast.AST | None) -> list[ast.expr]:
        """The values assigned to `name` in the function (or, failing that, at module level)."""
        for where in (scope, self.tree):
            if where is None:
                continue
            found = [
                node.value
                for node in ast.walk(where)
                if isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            ]
            if found:
                return found
        return []

    def arguments_for(self, function: ast.FunctionDef, name: str) -> list[tuple[ast.expr, ast.AST]]:
        """What the module's own calls of `function` pass for its parameter `name`."""
        position = [a.arg for a in function.args.args].index(name)
        passed = []
        for node in ast.walk(self.tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == function.name
            ):
                given = [k.value for k in node.keywords if k.arg == name]
                if position < len(node.args):
                    given.append(node.args[position])
                passed += [(value, node) for value in given]
        return passed


def codes(module: Module, expr: ast.expr, at: ast.AST) -> list[str | re.Pattern] | None:
    """The action codes an expression can hold; None when it cannot be read."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, ast.IfExp):
        both = codes(module, expr.body, at), codes(module, expr.orelse, at)
        return None if None in both else both[0] + both[1]
    if isinstance(expr, ast.JoinedStr):
        parts = [
            re.escape(p.value) if isinstance(p, ast.Constant) else "[a-z0-9_]+" for p in expr.values
        ]
        return [re.compile("".join(parts))]
    if isinstance(expr, ast.Name):
        scope = module.function_of(at)
        values = module.assigned(expr.id, scope)
        if not values and scope is not None and expr.id in [a.arg for a in scope.args.args]:
            found = []
            for value, call in module.arguments_for(scope, expr.id):
                read = codes(module, value, call)
                if read is None:
                    return None
                found += read
            return found or None
        read = [codes(module, value, at) for value in values]
        return None if not read or None in read else [c for r in read for c in r]
    return None


def names(module: Module, expr: ast.expr, at: ast.AST, depth: int = 0) -> list[str] | None:
    """The field names a tuple of names (FIELDS, AUDITED, a literal) holds."""
    if depth > 6:
        return None
    if isinstance(expr, ast.Tuple | ast.List):
        found = []
        for item in expr.elts:
            if isinstance(item, ast.Constant) and isinstance(item.value, str):
                found.append(item.value)
            elif isinstance(item, ast.Starred):
                inner = names(module, item.value, at, depth + 1)
                if inner is None:
                    return None
                found += inner
            else:
                return None
        return found
    if isinstance(expr, ast.Name):
        values = module.assigned(expr.id, module.function_of(at))
        read = [names(module, v, at, depth + 1) for v in values]
        return None if not read or None in read else [n for r in read for n in r]
    if isinstance(expr, ast.ListComp | ast.GeneratorExp):
        return names(module, expr.generators[0].iter, at, depth + 1)
    return None


def _merged(parts: list[list[str] | None]) -> list[str] | None:
    return None if not parts or None in parts else [k for part in parts for k in part]


def _dict_keys(module: Module, expr: ast.Dict, at: ast.AST, depth: int) -> list[str] | None:
    found: list[list[str] | None] = []
    for key, value in zip(expr.keys, expr.values, strict=True):
        if key is None:  # {**other}
            found.append(keys(module, value, at, depth + 1))
        elif isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.append([key.value])
        else:
            return None
    return _merged(found) if found else []


def _call_keys(module: Module, expr: ast.Call, at: ast.AST, depth: int) -> list[str] | None:
    f = expr.func
    called = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
    if called == "changes" and len(expr.args) == 2:
        return names(module, expr.args[1], at, depth + 1)
    if called in module.functions:
        returns = [n.value for n in ast.walk(module.functions[called]) if isinstance(n, ast.Return)]
        return _merged([keys(module, r, r, depth + 1) for r in returns if r is not None])
    return None


def keys(module: Module, expr: ast.expr, at: ast.AST, depth: int = 0) -> list[str] | None:
    """The keys of a recorded before/after dict; None when they cannot be read."""
    if depth > 6:
        return None
    if isinstance(expr, ast.Constant) and expr.value is None:
        return []
    if isinstance(expr, ast.Dict):
        return _dict_keys(module, expr, at, depth)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
        return _merged([keys(module, side, at, depth + 1) for side in (expr.left, expr.right)])
    if isinstance(expr, ast.IfExp):
        return _merged([keys(module, side, at, depth + 1) for side in (expr.body, expr.orelse)])
    if isinstance(expr, ast.DictComp):
        return names(module, expr.generators[0].iter, at, depth + 1)
    if isinstance(expr, ast.Call):
        return _call_keys(module, expr, at, depth)
    if isinstance(expr, ast.Name):
        scope = module.function_of(at)
        values = module.assigned(expr.id, scope)
        if not values and scope is not None and expr.id in [a.arg for a in scope.args.args]:
            passed = module.arguments_for(scope, expr.id)  # a helper's dict parameter
            return _merged([keys(module, value, call, depth + 1) for value, call in passed])
        return _merged([keys(module, v, at, depth + 1) for v in values])
    return None


def _read(module: Module, call: ast.Call, found: Found) -> None:
    """Add one record call's codes and field names to what was found."""
    where = module.where(call)
    read = codes(module, call.args[0], call)
    if read is None:
        found.unreadable.append(f"{where}: action code {ast.unparse(call.args[0])}")
    for code in read or []:
        if isinstance(code, str):
            found.codes.setdefault(code, where)
        else:
            found.patterns.setdefault(code.pattern, where)
    for keyword in call.keywords:
        if keyword.arg in ("before", "after"):
            fields = keys(module, keyword.value, call)
            if fields is None:
                found.unreadable.append(f"{where}: {keyword.arg}={ast.unparse(keyword.value)}")
            for name in fields or []:
                found.fields.setdefault(name, where)


def sweep(root: Path = ROOT) -> Found:
    """Every audit record call under `root`."""
    found = Found()
    for path in sorted(root.rglob("*.py")):
        module = Module(path, root)
        for call in ast.walk(module.tree):
            if isinstance(call, ast.Call) and call.args and module.is_record(call):
                _read(module, call, found)
    return found
