"""The audit log and Recent activity read as sentences with readable changes, never raw codes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape

from sqlalchemy import select

from bbp.audit import describe
from bbp.audit.models import AuditEntry
from bbp.audit.services import record
from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.dataio.jobs import Import
from bbp.defendants.models import Defendant
from bbp.defendants.services import SECRETS
from bbp.extensions import db
from bbp.powers import services as powers
from bbp.powers.models import Power
from bbp.tenancy import bound
from tests.audit import sweep
from tests.factories import make_bond

SSN, DL = "123-45-6789", "D4455667"


def _rows(owner, query: str = "") -> str:
    """The audit table as an htmx fragment."""
    return owner.get(f"/audit/?action={query}", htmx=True).get_data(as_text=True)


def _words(page: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


def test_every_action_code_recorded_in_bbp_has_a_sentence():
    found = sweep.sweep()
    assert found.unreadable == []
    missing = {code: where for code, where in found.codes.items() if code not in describe.ACTIONS}
    assert missing == {}, "add a sentence to bbp/audit/describe.py ACTIONS"
    for pattern, where in found.patterns.items():
        assert any(re.fullmatch(pattern, code) for code in describe.ACTIONS), where
    # Each way of writing a code is read: a literal, `a if x else b`, a local, a parameter.
    assert {"auth.sign_in", "defendant.updated", "auth.locked", "power.assigned"} <= set(
        found.codes
    )
    assert len(found.codes) >= 60


def test_codes_written_as_f_strings_have_a_sentence_for_every_value():
    for secret in SECRETS:
        assert f"defendant.{secret}_revealed" in describe.ACTIONS
    for status in ("active", "suspended"):  # provisioning.set_status allows only these
        assert f"tenant.{status}" in describe.ACTIONS


def test_every_recorded_field_has_a_label():
    found = sweep.sweep()
    unlabeled = {name: where for name, where in found.fields.items() if name not in describe.FIELDS}
    assert unlabeled == {}, "add a label to bbp/audit/describe.py FIELDS"
    assert {"buf_amount", "ssn_last4", "premium_rate", "offsets"} <= set(found.fields)


def test_the_sweep_reports_a_code_it_cannot_read(tmp_path):
    (tmp_path / "feature.py").write_text(
        "from bbp.audit.services import record\n"
        "def act(kind):\n"
        "    record(kind.upper(), None, after={'x': 1})\n"
        "    record('feature.done', None, after=snapshot())\n"
    )
    found = sweep.sweep(tmp_path)
    assert len(found.unreadable) == 2 and found.codes == {
        "feature.done": found.codes["feature.done"]
    }


def test_sentences_are_well_formed_and_never_name_a_secret():
    known = {"actor", "subject"}
    variants = [(code, sentence) for code, _, sentence in describe.VARIANTS]
    assert all(code in describe.ACTIONS for code, _ in variants)
    for code, sentence in [*describe.ACTIONS.items(), *variants]:
        assert describe.SENTENCE.malformed(sentence) is None, code
        for name in describe.SENTENCE.unknown(sentence, known):
            side, _, field = name.partition(".")
            assert side in ("before", "after") and field in describe.FIELDS, (code, name)
            assert describe.FIELDS[field].kind not in ("secret", "internal"), (code, name)
        assert any(code.startswith(prefix) for prefix in describe.AREAS), code


def test_a_status_change_reads_as_a_sentence_with_only_the_reason_left_to_show(owner, app, tenant):
    bond_id = make_bond(app, tenant, first_name="Ray", last_name="Doe")
    with app.app_context(), bound(tenant.info, db.session):
        number = db.session.get(Bond, bond_id).number
    owner.post(f"/bonds/{bond_id}/status", {"status": "surrendered", "reason": "Gave himself up"})
    rows = _words(_rows(owner))
    assert f"Owner {tenant.slug} moved Ray Doe's bond {number} from Active to Surrendered" in rows
    assert "Why: Gave himself up" in rows and "Status:" not in rows
    page = owner.get("/dashboard/").get_data(as_text=True)
    assert f"moved Ray Doe&#39;s bond {number} from Active to Surrendered" in page
    assert f'href="/bonds/{bond_id}"' in page
    for raw in ("bond.status_changed", "auth.sign_in", "tenant.provisioned", '{"status"'):
        assert raw not in page and raw not in _rows(owner)


def test_money_dates_and_names_are_formatted_and_only_changed_fields_listed(owner, app, tenant):
    bond_id = make_bond(app, tenant, bail="20000", premium="2000", first_name="Ray")
    with app.app_context(), bound(tenant.info, db.session):
        bond = db.session.get(Bond, bond_id)
        bond.status = "application"
        by = db.session.scalar(select(User).where(User.role == "owner"))
        surety = powers.create_surety("Lexington National", Decimal("0.10"))
        powers.receive_batch(surety, "S25", 1001, 1002, Decimal("25000"), date(2035, 1, 1))
        powers.execute(db.session.scalar(select(Power.id).order_by(Power.id)), bond, by)
        record(
            "bond.charges_saved",
            bond,
            before={"bail_amount": "20000.00", "county": "Dade", "premium": "2000.00"},
            after={"bail_amount": "25000.00", "county": "Dade", "premium": "2500.00"},
            actor=by,
        )
        db.session.commit()
    rows = _words(_rows(owner))
    assert (
        "Bail amount: $20,000.00 → $25,000.00" in rows and "Premium: $2,000.00 → $2,500.00" in rows
    )
    assert "County" not in rows  # unchanged
    assert f"Owner {tenant.slug} used power S25" in rows
    assert "Build-up fund: $200.00" in rows and f"Agent: none → Owner {tenant.slug}" in rows
    assert "buf_amount" not in rows and "agent_id" not in rows and "executed_at" not in rows


def test_times_are_shown_in_the_agency_time_zone(owner, app, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        bond = db.session.get(Bond, make_bond(app, tenant))
        db.session.add(
            AuditEntry(
                occurred_at=datetime(2026, 3, 10, 2, 0, tzinfo=UTC),
                actor_label="system",
                action="court_date.scheduled",
                target_type="bond",
                target_id=str(bond.id),
                after={"starts_at": "2026-03-10 14:30:00+00:00", "kind": "arraignment"},
            )
        )
        db.session.commit()
    rows = _words(_rows(owner))
    # 02:00 UTC on Mar 10 is 10 PM on Mar 9 in New York; 14:30 UTC is 10:30 AM (daylight time).
    assert "Mar 9, 2026 10:00 PM" in rows
    assert "set a court date on Ray Doe's bond" in rows and "for Mar 10, 2026 10:30 AM" in rows
    assert "Type: Arraignment" in rows and "The system" in rows


def test_secrets_never_show_only_that_they_changed(owner, app, tenant):
    owner.post(
        "/defendants/new",
        {"first_name": "Marcus", "last_name": "Reyes", "ssn": SSN, "dl_number": DL},
    )
    with app.app_context(), bound(tenant.info, db.session):
        defendant_id = db.session.scalar(select(Defendant.id))
    owner.post(
        f"/defendants/{defendant_id}/edit",
        {"first_name": "Marcus", "last_name": "Reyes", "ssn": "987-65-4321", "dl_number": DL},
    )
    owner.post(f"/defendants/{defendant_id}/reveal/ssn", htmx=True)
    rows = _words(_rows(owner))
    assert "Social Security number: set" in rows and "Social Security number: changed" in rows
    assert "revealed the Social Security number of defendant Marcus Reyes" in rows
    for secret in ("6789", "4321", "5667", "ssn_last4", "dl_last4"):
        assert secret not in rows


def test_what_a_failed_sign_in_typed_shows_only_to_admins_in_the_changes(owner, visit, tenant):
    visit(tenant).login("typo-hunter2@nowhere.example", "wrong password here")
    visit(tenant).login(tenant.owner_email, "wrong password here")
    rows = _words(_rows(owner, "auth."))
    assert "Someone failed to sign in as an email with no account" in rows
    assert "Email: typo-hunter2@nowhere.example" in rows
    assert f"Someone failed to sign in as Owner {tenant.slug}" in rows
    dashboard = owner.get("/dashboard/").get_data(as_text=True)
    assert "failed to sign in as an email with no account" in dashboard
    assert "typo-hunter2" not in dashboard


def test_an_import_token_never_shows(owner, app, tenant):
    token = "ImportToken_0123456789abcdef"
    with app.app_context(), bound(tenant.info, db.session):
        by = db.session.scalar(select(User).where(User.role == "owner"))
        record("data.import_batch", Import(token), after={"done": 200, "bonds": ["B-1"]}, actor=by)
        db.session.commit()
    rows = _words(_rows(owner))
    assert f"Owner {tenant.slug}'s CSV import has saved 200 rows so far" in rows
    assert token not in rows


def test_an_unknown_action_code_still_reads_as_words(owner, app, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        by = db.session.scalar(select(User).where(User.role == "owner"))
        record("check_in_schedule.paused", None, after={"weekday": 0}, actor=by)
        db.session.commit()
    rows = _words(_rows(owner))
    assert f"Owner {tenant.slug}: check in schedule paused" in rows
    assert "Day of the week: Monday" in rows and "check_in_schedule" not in rows


def test_the_filter_offers_areas_in_words(owner, app, tenant):
    make_bond(app, tenant)
    page = owner.get("/audit/").get_data(as_text=True)
    assert '<option value="auth.">Sign-ins and passwords</option>' in page
    signed_in = _words(_rows(owner, "auth."))
    assert f"Owner {tenant.slug} signed in" in signed_in and "opened the agency" not in signed_in
