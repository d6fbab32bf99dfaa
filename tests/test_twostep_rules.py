"""The two-step rules in bbp.kernel.twostep, without a request: codes, drift, replay, recovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from bbp.kernel import twostep
from bbp.kernel.errors import LoginRefused
from bbp.platform.models import PlatformAdmin

NOW = datetime(2026, 11, 29, 12, 0, 10, tzinfo=UTC)


@pytest.fixture
def account(app):
    with app.app_context():
        yield PlatformAdmin(email="rules@bbp.example", failed_logins=0, totp_failures=0)


def test_enrolling_needs_the_apps_code_and_gives_ten_distinct_recovery_codes(account):
    secret = twostep.new_secret()
    with pytest.raises(LoginRefused) as refused:
        twostep.enroll(account, secret, "12345", NOW)
    assert refused.value.field == "code"
    codes = twostep.enroll(account, secret, pyotp.TOTP(secret).at(NOW), NOW)
    assert len(set(codes)) == 10 and all(len(c) == 19 for c in codes)
    assert account.recovery_hashes == [twostep.recovery_hash(c) for c in codes]


def test_codes_one_step_off_work_two_do_not_and_none_twice(account):
    secret = twostep.new_secret()
    account.totp_last_step = 0
    totp = pyotp.TOTP(secret)
    assert twostep.verify(account, secret, totp.at(NOW - timedelta(seconds=30)), NOW) == "code"
    with pytest.raises(LoginRefused, match="already used"):
        twostep.verify(account, secret, totp.at(NOW - timedelta(seconds=30)), NOW)
    assert twostep.verify(account, secret, " ".join(totp.at(NOW)), NOW) == "code"  # spaces ok
    with pytest.raises(LoginRefused, match="not right"):
        twostep.verify(account, secret, totp.at(NOW + timedelta(seconds=60)), NOW)


def test_recovery_codes_ignore_case_and_dashes_and_work_once(account):
    codes = twostep.new_recovery_codes()
    account.recovery_hashes = [twostep.recovery_hash(c) for c in codes]
    typed = codes[3].replace("-", " ").upper()
    assert twostep.verify(account, twostep.new_secret(), typed, NOW) == "recovery"
    with pytest.raises(LoginRefused):
        twostep.verify(account, twostep.new_secret(), codes[3], NOW)
    assert len(account.recovery_hashes) == 9


def test_the_qr_code_is_plain_svg_the_csp_allows():
    svg = str(twostep.qr_svg(twostep.provisioning_uri(twostep.new_secret(), "a@b.example")))
    assert svg.startswith("<svg") and "viewBox" in svg
    assert "style" not in svg and "<script" not in svg and "http://www.w3.org/2000/svg" in svg
