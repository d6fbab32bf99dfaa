"""bbp.lazy: a module set aside runs on first use, once, and `import` finds the same one."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from bbp.lazy import lazy_module
wave = lazy_module("wave")
held = type(sys.modules["wave"]).__name__
import wave as again
print(held, again is wave, wave.Error.__name__, type(sys.modules["wave"]).__name__)
parent = lazy_module("email.quoprimime")
import email
print(email.quoprimime is parent, callable(parent.quote))
inner = lazy_module("xml.dom.minidom")
import xml.dom.minidom
print(xml.dom.minidom is inner, callable(inner.parseString))
"""


def test_a_lazy_module_runs_on_first_use_and_is_the_one_imported():
    run = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    first, second, bound = run.stdout.splitlines()
    assert first == "_LazyModule True Error module"
    assert second == "True True"
    assert bound == "True True"  # named on its package, as an import does
