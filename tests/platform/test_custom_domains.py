"""Custom domains: pending until a DNS TXT token proves them, and only then opening the agency."""

from __future__ import annotations

import uuid

import dns.exception
import dns.resolver
import pytest
from sqlalchemy import select

from bbp.extensions import db
from bbp.platform import dns as txt
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.models import TenantDomain
from bbp.tenancy.resolver import forget_tenants


class FakeResolver:
    """TXT answers from a dict; a name mapped to an exception raises it."""

    def __init__(self):
        self.records: dict[str, list[str] | Exception] = {}
        self.asked: list[str] = []

    def txt(self, name: str) -> list[str]:
        self.asked.append(name)
        answer = self.records.get(name, [])
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def resolver(app, monkeypatch):
    fake = FakeResolver()
    monkeypatch.setitem(app.extensions, txt.EXTENSION, fake)
    return fake


@pytest.fixture
def hostname():
    return f"bonds-{uuid.uuid4().hex[:8]}.example.com"


def _add(console, tenant, hostname: str):
    console.get(f"/platform/agencies/{tenant.slug}")
    return console.post(f"/platform/agencies/{tenant.slug}/domains", {"hostname": hostname})


def _domain(app, hostname: str) -> TenantDomain:
    with app.app_context():
        domain = db.session.scalar(select(TenantDomain).where(TenantDomain.hostname == hostname))
        if domain is not None:
            db.session.expunge(domain)
        return domain


def _opens(app, hostname: str) -> int:
    forget_tenants()
    return app.test_client().get("/login", base_url=f"http://{hostname}").status_code


def test_a_custom_domain_opens_the_agency_only_once_verified(
    app, console_as, tenant, resolver, hostname
):
    console = console_as("superadmin")
    assert _add(console, tenant, f"  {hostname.upper()}. ").status_code == 302
    domain = _domain(app, hostname)
    assert domain.kind == "custom" and domain.verified_at is None and len(domain.verify_token) == 32
    page = console.get(f"/platform/agencies/{tenant.slug}").get_data(as_text=True)
    assert f"_bbp-verify.{hostname}" in page and f"bbp-verify={domain.verify_token}" in page
    assert "Pending verification" in page
    assert _opens(app, hostname) == 404  # an unverified domain resolves to nothing

    resolver.records[f"_bbp-verify.{hostname}"] = [
        "v=spf1 -all",
        f"bbp-verify={domain.verify_token}",
    ]
    verified = console.post(f"/platform/agencies/{tenant.slug}/domains/{domain.id}/verify")
    assert verified.status_code == 302
    assert resolver.asked == [f"_bbp-verify.{hostname}"]
    assert _domain(app, hostname).verified_at is not None
    assert _opens(app, hostname) == 200
    with app.app_context():
        actions = db.session.scalars(
            select(PlatformAuditEntry.action).where(
                PlatformAuditEntry.target_id == str(tenant.info.id),
                PlatformAuditEntry.action.like("tenant.domain_%"),
            )
        ).all()
    assert sorted(actions) == ["tenant.domain_added", "tenant.domain_verified"]

    removed = console.post(f"/platform/agencies/{tenant.slug}/domains/{domain.id}/remove")
    assert removed.status_code == 302
    assert _domain(app, hostname) is None
    assert _opens(app, hostname) == 404


@pytest.mark.parametrize(
    ("published", "message"),
    [
        ([], "No TXT record at _bbp-verify."),
        (["bbp-verify=someone-elses-token"], "does not hold this domain&#39;s token"),
        (txt.LookupFailed("The DNS operation timed out."), "DNS did not answer"),
    ],
    ids=["no-record", "wrong-token", "resolver-error"],
)
def test_a_failed_verification_says_why_and_keeps_the_domain_pending(
    app, console_as, tenant, resolver, hostname, published, message
):
    console = console_as("superadmin")
    _add(console, tenant, hostname)
    domain = _domain(app, hostname)
    resolver.records[f"_bbp-verify.{hostname}"] = published
    response = console.post(f"/platform/agencies/{tenant.slug}/domains/{domain.id}/verify")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _domain(app, hostname).verified_at is None
    assert _opens(app, hostname) == 404


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a domain such as bonds.example.com."),
        ("localhost", "Enter a domain name such as"),
        ("bad_name.example.com", "Enter a domain name such as"),
        ("10.0.0.1", "not an IP address"),
        ("admin.localhost", "are ours"),
        ("sub.localhost", "are ours"),
    ],
)
def test_bad_domains_are_refused_beside_the_field(console_as, tenant, typed, message):
    response = _add(console_as("superadmin"), tenant, typed)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="hostname-error"' in page and message in page
    assert f'value="{typed}"' in page if typed else True


def test_a_domain_in_use_is_refused(app, console_as, tenant, other_tenant, resolver, hostname):
    console = console_as("superadmin")
    _add(console, other_tenant, hostname)
    response = _add(console, tenant, hostname)
    assert response.status_code == 422
    assert "already in use" in response.get_data(as_text=True)
    assert (
        console.post(f"/platform/agencies/{tenant.slug}/domains/999999/verify").status_code == 404
    )


def test_one_agency_cannot_touch_another_agencys_domain(
    app, console_as, tenant, other_tenant, hostname
):
    console = console_as("superadmin")
    _add(console, other_tenant, hostname)
    domain = _domain(app, hostname)
    response = console.post(f"/platform/agencies/{tenant.slug}/domains/{domain.id}/remove")
    assert response.status_code == 404
    assert _domain(app, hostname) is not None


def test_the_production_resolver_reads_txt_strings_through_dnspython(monkeypatch):
    class Record:
        strings = (b"bbp-verify=", b"abc")

    asked = []

    def resolve(name, kind, lifetime):
        asked.append((name, kind, lifetime))
        if name.startswith("_none"):
            raise dns.resolver.NXDOMAIN()
        if name.startswith("_slow"):
            raise dns.exception.Timeout()
        return [Record()]

    monkeypatch.setattr(dns.resolver, "resolve", resolve)
    resolver = txt.DnsPythonResolver()
    assert resolver.txt("_bbp-verify.example.com") == ["bbp-verify=abc"]
    assert resolver.txt("_none.example.com") == []
    with pytest.raises(txt.LookupFailed):
        resolver.txt("_slow.example.com")
    assert asked[0] == ("_bbp-verify.example.com", "TXT", txt.TIMEOUT_SECONDS)
