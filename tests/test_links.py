"""The one-time link helper (bbp.kernel.links): signed and stored links, expiry, single use."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select

from bbp.extensions import db
from bbp.kernel import links
from bbp.kernel.errors import DomainError
from bbp.portal.models import PortalCode
from bbp.tenancy import bound

TIMED = links.SignedLinks("bbp-test-timed")
UNTIMED = links.SignedLinks("bbp-test-untimed", timed=False)
REFUSALS = links.Refusals()
STORED = links.StoredLinks(PortalCode, ("test", "link"))
START = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


@contextmanager
def inside(app, agency):
    with app.test_request_context(), bound(agency.info, db.session):
        yield


@pytest.fixture
def clock(clock):
    """The app's one clock (tests/conftest.py), set to START for these tests."""
    clock.set(START)
    return clock


def refused(call) -> links.InvalidLink:
    with pytest.raises(links.InvalidLink) as caught:
        call()
    return caught.value


def _store(lifetime: timedelta = timedelta(hours=1)) -> str:
    token, stored = STORED.issue(lifetime)
    db.session.add(PortalCode(contact="+13055550100", purpose="link", **stored))
    db.session.commit()
    return token


def test_a_refusal_is_a_domain_error_with_a_message_and_an_http_status(app):
    with app.test_request_context():
        for reason, status in (
            ("broken", 400),
            ("elsewhere", 400),
            ("expired", 410),
            ("used", 410),
        ):
            refusal = REFUSALS.refuse(reason)
            assert isinstance(refusal, DomainError) and refusal.field is None
            assert refusal.status == status and refusal.message == str(refusal) != ""
    custom = links.Refusals(used="Ask for a new one.").refuse("used")
    assert (custom.message, custom.status) == ("Ask for a new one.", 410)


def test_a_signed_link_names_its_agency_and_payload(app, tenant):
    with inside(app, tenant):
        token = TIMED.make({"r": 7, "n": "abc"})
        assert TIMED.read(token, REFUSALS, timedelta(hours=1)) == {
            "t": tenant.info.id,
            "r": 7,
            "n": "abc",
        }
        assert UNTIMED.read(UNTIMED.make({"r": 7}), REFUSALS) == {"t": tenant.info.id, "r": 7}


def test_a_tampered_link_or_one_of_another_kind_is_refused_as_broken(app, tenant):
    with inside(app, tenant):
        token = TIMED.make({"r": 7})
        other_kind = links.SignedLinks("bbp-test-other").make({"r": 7})
        cut = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        for bad in (cut, "x", "", UNTIMED.make({"r": 7}), other_kind):
            refusal = refused(lambda bad=bad: TIMED.read(bad, REFUSALS))
            assert refusal.status == 400 and "not valid" in refusal.message


def test_a_link_of_another_agency_is_refused_here(app, tenant, other_tenant):
    with inside(app, other_tenant):
        theirs = TIMED.make({"r": 7})
    with inside(app, tenant):
        refusal = refused(lambda: TIMED.read(theirs, REFUSALS))
        assert refusal.status == 400 and "not for this bail agency" in refusal.message
        for_them = TIMED.make({"r": 8}, tenant=other_tenant.info)
    with inside(app, other_tenant):
        assert TIMED.read(for_them, REFUSALS)["r"] == 8


def test_a_timed_link_expires_by_the_application_clock(app, tenant, clock):
    with inside(app, tenant):
        token = TIMED.make({"r": 7})
        clock.set(START + timedelta(hours=24) - timedelta(seconds=1))
        assert TIMED.read(token, REFUSALS, timedelta(hours=24))["r"] == 7
        clock.set(START + timedelta(hours=24))
        refusal = refused(lambda: TIMED.read(token, REFUSALS, timedelta(hours=24)))
        assert refusal.status == 410 and "expired" in refusal.message
        assert TIMED.read(token, REFUSALS, timedelta(hours=48))["r"] == 7  # a longer lifetime
        assert TIMED.read(token, REFUSALS)["r"] == 7  # no lifetime: the record decides
        clock.set(START + timedelta(days=3650))
        assert UNTIMED.read(UNTIMED.make({"r": 7}), REFUSALS)["r"] == 7


def test_links_sent_before_the_helper_still_work(app, tenant):
    """Set-password and check-in links were itsdangerous timed tokens, signing links untimed."""
    with inside(app, tenant):
        payload = {"t": tenant.info.id, "u": 3}
        timed = URLSafeTimedSerializer(app.secret_key, salt="bbp-test-timed").dumps(payload)
        untimed = URLSafeSerializer(app.secret_key, salt="bbp-test-untimed").dumps(payload)
        assert TIMED.read(timed, REFUSALS, timedelta(hours=1)) == payload
        assert UNTIMED.read(untimed, REFUSALS) == payload


def test_a_mark_that_changed_refuses_the_link_as_used(app):
    with app.test_request_context():
        links.check_mark("abc", "abc", REFUSALS)
        for named, current in (("abc", "abd"), ("abc", None), (None, "abc"), (7, "7")):
            refusal = refused(lambda n=named, c=current: links.check_mark(n, c, REFUSALS))
            assert refusal.status == 410 and "already been used" in refusal.message


def test_nonces_are_random_and_fingerprints_follow_the_state():
    nonces = {links.nonce() for _ in range(200)}
    assert len(nonces) == 200 and {len(n) for n in nonces} == {32}
    # The set-password fingerprint as it was computed before the helper: links sent still work.
    before = hashlib.sha256(b"$argon2id$x|3|True|agent").hexdigest()[:20]
    assert links.fingerprint("$argon2id$x", 3, True, "agent") == before
    assert links.fingerprint("$argon2id$x", 3, True, "admin") != before


def test_a_stored_link_keeps_only_a_hash_of_a_long_random_token(app, tenant, other_tenant):
    with inside(app, tenant):
        token = _store()
        row = db.session.scalars(select(PortalCode)).one()
        assert len(token) == 32  # 192 bits, URL-safe
        assert token not in row.secret_hash and len(row.secret_hash) == 64
        assert row.secret_hash == STORED.hash(token) == links.digest(token, "test", "link")
        assert timedelta(minutes=59) < row.expires_at - datetime.now(UTC) <= timedelta(hours=1)
    with inside(app, other_tenant):
        assert STORED.hash(token) != row.secret_hash  # bound to the agency
    assert len({links.new_secret() for _ in range(200)}) == 200


def test_a_stored_link_is_spent_once_and_finding_it_never_spends_it(app, tenant):
    with inside(app, tenant):
        token = _store()
        assert STORED.find(token) is not None and STORED.find(token) is not None
        row = STORED.spend(token, REFUSALS)
        assert row.used_at is not None
        db.session.commit()
        assert STORED.find(token) is None
        for attempt in (token, "not-a-token", ""):
            refusal = refused(lambda a=attempt: STORED.spend(a, REFUSALS))
            assert refusal.status == 410 and "expired or was already used" in refusal.message


def test_rolling_back_leaves_a_stored_link_unspent(app, tenant):
    with inside(app, tenant):
        token = _store()
        STORED.spend(token, REFUSALS)
        db.session.rollback()  # a check after spending refused the use
        assert STORED.spend(token, REFUSALS).used_at is not None


def test_a_stored_link_expires_by_the_application_clock(app, tenant, clock):
    with inside(app, tenant):
        token = _store(timedelta(hours=1))
        clock.set(START + timedelta(hours=1))
        assert STORED.find(token) is None
        assert refused(lambda: STORED.spend(token, REFUSALS)).status == 410
        clock.set(START + timedelta(minutes=59))
        assert STORED.spend(token, REFUSALS).used_at == clock.now


def test_a_stored_link_spends_only_under_the_extra_conditions(app, tenant):
    with inside(app, tenant):
        token = _store()
        assert refused(lambda: STORED.spend(token, REFUSALS, PortalCode.purpose == "sign-in"))
        assert STORED.spend(token, REFUSALS, PortalCode.purpose == "link") is not None


def test_two_uses_at_once_spend_a_stored_link_once(app, tenant):
    with inside(app, tenant):
        token = _store()

    def use(_) -> bool:
        with inside(app, tenant):
            try:
                STORED.spend(token, REFUSALS)
            except links.InvalidLink:
                return False
            db.session.commit()
            return True

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sorted(pool.map(use, range(8))) == [False] * 7 + [True]
