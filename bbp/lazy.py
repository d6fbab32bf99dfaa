"""Modules loaded on first use, so a web worker that never needs a heavy library never holds it
(docs/decisions.md, "Heavy libraries stay in the workers")."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """The module `name`, executed when one of its attributes is first read (the standard
    library's LazyLoader recipe); an `import name` anywhere else gets the same object. Its
    packages are imported at once: for a package that imports everything it holds (alembic),
    name what you need by its path when you need it instead (`werkzeug.utils.import_string`)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # as the import system does, so `import a.b` then `a.b` finds it
        setattr(sys.modules[parent], child, module)
    return module
