"""Redis keys: an agency's keys carry its slug in one format, built only by bbp.kernel.keys."""

from __future__ import annotations

import ast

import pytest

from bbp.kernel.keys import platform_key, scoped_key, tenant_key
from bbp.tenancy import TenancyError, TenantInfo, bound
from tests.services import ROOT


def _agency(slug: str) -> TenantInfo:
    return TenantInfo(1, slug, slug.title(), "t_" + slug, "active", "America/New_York", "FL")


def test_tenant_keys_name_the_bound_agency_and_refuse_without_one():
    with bound(_agency("liberty")):
        assert tenant_key("rate", "sign-code", 42) == "bbp:tenant:liberty:rate:sign-code:42"
        assert scoped_key("dev", "outbox") == "bbp:tenant:liberty:dev:outbox"
    with pytest.raises(TenancyError):
        tenant_key("sms", "drain")


def test_platform_keys_belong_to_no_agency():
    assert platform_key("scheduler", "last_tick") == "bbp:platform:scheduler:last_tick"
    assert scoped_key("rate", "login", "abc") == "bbp:platform:rate:login:abc"
    with bound(_agency("liberty")):  # a platform key stays one whoever is bound
        assert platform_key("scheduler", "last_tick") == "bbp:platform:scheduler:last_tick"


def test_a_named_agency_only_when_no_other_is_bound_and_only_a_real_slug():
    assert tenant_key("dev", "outbox", slug="acme") == "bbp:tenant:acme:dev:outbox"
    with bound(_agency("liberty")):
        assert tenant_key("dev", "outbox", slug="liberty") == "bbp:tenant:liberty:dev:outbox"
        with pytest.raises(TenancyError):
            tenant_key("dev", "outbox", slug="acme")
    for slug in ("acme:dev", "Acme", "", "*"):
        with pytest.raises((TenancyError, ValueError)):
            tenant_key("dev", "outbox", slug=slug)


def test_keys_need_parts():
    with pytest.raises(ValueError):
        platform_key()
    with pytest.raises(ValueError):
        platform_key("rate", "")
    with bound(_agency("liberty")), pytest.raises(ValueError):
        tenant_key()


def _spelled_keys(path) -> list[str]:
    """String literals (plain or f-string heads) that spell a bbp: Redis key."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr) and node.values:
            head = node.values[0]
            text = head.value if isinstance(head, ast.Constant) else ""
        else:
            continue
        if text.startswith("bbp:"):
            found.append(text)
    return found


def test_no_redis_key_is_spelled_by_hand_outside_the_key_helper():
    package = ROOT / "bbp"
    spelled = {
        str(path.relative_to(ROOT)): _spelled_keys(path)
        for path in package.rglob("*.py")
        if path != package / "kernel" / "keys.py"
    }
    assert {path: keys for path, keys in spelled.items() if keys} == {}
