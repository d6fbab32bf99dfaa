"""?next= is followed only to a path on the same host, however a browser would read it."""

from __future__ import annotations

import pytest

from bbp.web.rendering import safe_next


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/x",
        "//evil.example/x",
        "/\\evil.example/x",  # browsers read it as //evil.example
        "\\\\evil.example",
        "/\t/evil.example",  # browsers drop the tab, leaving //evil.example
        "/\n/evil.example",
        "javascript:alert(1)",
        "bonds/",
    ],
)
def test_anything_that_could_leave_the_host_falls_back(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/bonds/", "/bonds/?q=ray", "/platform/agencies/acme"])
def test_a_path_on_this_host_is_followed(target):
    assert safe_next(target, "/home") == target
