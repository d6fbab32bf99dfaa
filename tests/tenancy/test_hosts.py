"""Host header classification (no database)."""

import pytest

from bbp.tenancy.hosts import HostMatch, bare_host, classify


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("demo.bbp.example", HostMatch("subdomain", "demo")),
        ("DEMO.BBP.EXAMPLE:443", HostMatch("subdomain", "demo")),
        ("demo.bbp.example.", HostMatch("subdomain", "demo")),
        ("admin.bbp.example", HostMatch("platform")),
        ("bbp.example", HostMatch("apex")),
        ("www.bbp.example", HostMatch("apex")),
        ("bonds.libertybail.com", HostMatch("custom", "bonds.libertybail.com")),
        ("a.b.bbp.example", HostMatch("custom", "a.b.bbp.example")),
        ("evilbbp.example", HostMatch("custom", "evilbbp.example")),
    ],
)
def test_classify(host, expected):
    assert classify(host, "bbp.example") == expected


def test_domain_with_port_in_development():
    assert classify("demo.localhost:5000", "localhost:5000") == HostMatch("subdomain", "demo")


@pytest.mark.parametrize(("raw", "bare"), [("A.B:80", "a.b"), ("[::1]:5000", "[::1]"), ("", "")])
def test_bare_host(raw, bare):
    assert bare_host(raw) == bare
