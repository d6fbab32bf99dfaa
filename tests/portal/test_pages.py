"""Portal pages: a person sees their own bonds, court dates, money and documents, nobody else's."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.checkins import services as checkins
from bbp.checkins.models import CheckIn
from bbp.defendants.models import Defendant
from bbp.documents import requested
from bbp.documents.models import DocumentRequest
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel.mail import outbox_key
from bbp.payments.models import Instalment, Payment, PaymentPlan
from bbp.settings import services as settings
from tests.portal.conftest import inside, last_code, make_book, sign_in
from tests.support import add_user

PDF = b"%PDF-1.4\n% test\n"


def test_the_home_page_lists_my_bond_and_next_court_date(cosigner, book):
    page = cosigner.get("/portal/").get_data(as_text=True)
    assert book.bond_number in page
    assert "Marcus Reyes" in page
    assert "Room 4-2" in page
    assert f"/portal/court-dates/{book.court_date_id}.ics" in page


def test_someone_elses_bond_and_court_date_are_not_found(cosigner, app, tenant, book):
    stranger = make_book(
        app,
        tenant,
        defendant_phone="3055550111",
        cosigner_phone="3055550112",
        cosigner_email="someone@example.com",
        last_name="Stranger",
        number="B-2026-0999",
    )
    assert cosigner.get(f"/portal/bonds/{stranger.bond_id}").status_code == 404
    assert cosigner.get(f"/portal/court-dates/{stranger.court_date_id}.ics").status_code == 404
    assert "B-2026-0999" not in cosigner.get("/portal/").get_data(as_text=True)
    assert cosigner.get(f"/portal/bonds/{book.bond_id}").status_code == 200


def test_a_court_date_downloads_as_a_calendar_file(cosigner, book):
    response = cosigner.get(f"/portal/court-dates/{book.court_date_id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert "BEGIN:VEVENT" in body and "1351 NW 12th St" in body and "BEGIN:VALARM" in body
    assert book.bond_number in body


def test_a_court_date_has_the_same_calendar_uid_for_staff_and_client(cosigner, owner, book):
    def uids(body: str) -> list[str]:
        return re.findall(r"^UID:(.*)\r$", body, re.MULTILINE)

    client = cosigner.get(f"/portal/court-dates/{book.court_date_id}.ics")
    staff = owner.get(f"/court/bonds/{book.bond_id}/court-dates.ics")
    assert uids(client.get_data(as_text=True)) == uids(staff.get_data(as_text=True))
    assert len(uids(client.get_data(as_text=True))) == 1


def test_the_bond_page_shows_balance_plan_and_payments(cosigner, app, tenant, book):
    with inside(app, tenant):
        plan = PaymentPlan(bond_id=book.bond_id, down_payment=Decimal("100.00"))
        plan.instalments = [
            Instalment(due_on=date(2030, 1, 15), amount=Decimal("200.00")),
            Instalment(due_on=date(2030, 2, 15), amount=Decimal("200.00")),
        ]
        db.session.add(plan)
        db.session.add(
            Payment(
                bond_id=book.bond_id,
                receipt_number="R-000777",
                kind="premium",
                method="cash",
                amount=Decimal("100.00"),
                payer_name="Rosa Reyes",
                received_at=datetime.now(UTC),
            )
        )
        db.session.commit()
    page = cosigner.get(f"/portal/bonds/{book.bond_id}").get_data(as_text=True)
    assert "$400.00" in page  # 500 premium - 100 paid
    assert "R-000777" in page
    assert "January 15, 2030" in page and "$200.00" in page
    assert "You are a cosigner" in page


def test_the_defendant_is_offered_an_open_check_in(visit, app, tenant, book):

    by = add_user(app, tenant.info, "agent")
    with inside(app, tenant):
        defendant = db.session.get(Defendant, book.defendant_id)
        schedule = checkins.set_schedule(defendant, None, 1, datetime.now(UTC).time(), by)
        db.session.add(
            CheckIn(
                defendant_id=defendant.id,
                schedule_id=schedule.id,
                due_at=datetime.now(UTC) - timedelta(minutes=5),
                token_nonce="n" * 32,
            )
        )
        db.session.commit()
    visitor = visit(tenant)
    sign_in(visitor, app, tenant, phone="3055550142")
    assert "Check in now" in visitor.get("/portal/").get_data(as_text=True)
    response = visitor.get("/portal/check-in")
    assert response.status_code == 302 and "/check-in/" in response.headers["Location"]
    check_in_page = visitor.get(response.headers["Location"])
    assert check_in_page.status_code == 200


def test_a_cosigner_has_no_check_in(cosigner):
    page = cosigner.get("/portal/check-in").get_data(as_text=True)
    assert "No check-in is due right now." in page


def test_updating_my_details_is_saved_audited_and_the_agent_is_told(visit, app, tenant, redis):
    agent = add_user(app, tenant.info, "agent", email="writer@alpha.example")
    book = make_book(app, tenant, writing_agent_id=agent.id)
    visitor = visit(tenant)
    sign_in(visitor, app, tenant)
    visitor.get("/portal/profile")
    form = {
        "phone": "(305) 555-0188",
        "email": "rosa.new@example.com",
        "address_line1": "12 Palm Ave",
        "city": "Miami",
        "state": "fl",
        "postal_code": "33101",
    }
    response = visitor.post("/portal/profile", form)
    assert response.headers["Location"] == "/portal/profile/confirm"
    with inside(app, tenant):
        assert db.session.get(Indemnitor, book.cosigner_id).phone == "3055550177"  # not yet
    code = last_code(app, tenant, "3055550188")  # sent to the new number
    assert visitor.post("/portal/profile/confirm", {"code": code}).status_code == 302
    with inside(app, tenant):
        cosigner = db.session.get(Indemnitor, book.cosigner_id)
        assert (cosigner.phone, cosigner.email, cosigner.state) == (
            "3055550188",
            "rosa.new@example.com",
            "FL",
        )
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "portal.contact_updated")
        ).one()
        assert entry.before["phone"] == "3055550177" and entry.after["phone"] == "3055550188"
        assert entry.actor_label == "portal: Rosa Reyes"
    mails = [json.loads(m) for m in redis.lrange(outbox_key(tenant.slug), 0, -1)]
    assert [m["to"] for m in mails] == ["writer@alpha.example"]
    assert "Rosa Reyes updated their contact details" in mails[0]["body"]
    assert visitor.get("/portal/").status_code == 200  # still signed in after the number changed


def test_bad_details_keep_what_was_typed(cosigner, app, tenant, book):
    response = cosigner.post(
        "/portal/profile", {"phone": "555", "email": "nope", "state": "Florida"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter a 10-digit phone number" in page
    assert 'value="nope"' in page
    with inside(app, tenant):
        assert db.session.get(Indemnitor, book.cosigner_id).phone == "3055550177"


def test_the_language_switch_speaks_spanish_and_is_remembered(visit, app, tenant, book):
    visitor = visit(tenant)
    visitor.get("/portal/login")
    visitor.post("/portal/language", {"language": "es", "next": "/portal/login"})
    assert "Envíenme un código" in visitor.get("/portal/login").get_data(as_text=True)
    sign_in(visitor, app, tenant)
    page = visitor.get("/portal/").get_data(as_text=True)
    assert "Mis fianzas" in page and '<html lang="es">' in page
    visitor.post("/portal/language", {"language": "es", "next": "/portal/"})
    with inside(app, tenant):
        assert db.session.get(Indemnitor, book.cosigner_id).language == "es"
    fresh = visit(tenant)  # another phone, same person: Spanish from their record
    sign_in(fresh, app, tenant)
    assert "Mis fianzas" in fresh.get("/portal/").get_data(as_text=True)
    fresh.post("/portal/language", {"language": "en", "next": "/portal/"})
    assert "My bonds" in fresh.get("/portal/").get_data(as_text=True)
    with inside(app, tenant):
        assert db.session.get(Indemnitor, book.cosigner_id).language == "en"


def test_a_saved_language_choice_is_audited(cosigner, app, tenant, book):
    cosigner.post("/portal/language", {"language": "es", "next": "/portal/"})
    cosigner.post("/portal/language", {"language": "es", "next": "/portal/"})  # no change
    with inside(app, tenant):
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "portal.language_changed")
        ).all()
        assert [(e.before, e.after) for e in entries] == [({"language": "en"}, {"language": "es"})]
        assert entries[0].actor_label == "portal: Rosa Reyes"
        assert entries[0].target_id == str(book.cosigner_id)


def test_the_browser_language_is_the_first_guess(visit, tenant):
    page = visit(tenant).get("/portal/login", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert "Envíenme un código" in page.get_data(as_text=True)


def test_staff_pages_stay_in_english(owner, tenant):
    owner.post("/portal/language", {"language": "es", "next": "/portal/login"})
    assert "Dashboard" in owner.get("/dashboard/").get_data(as_text=True)


def _request_document(app, tenant, book, doc_type="photo_id"):

    by = add_user(app, tenant.info, "agent")
    with inside(app, tenant):
        person = db.session.get(Indemnitor, book.cosigner_id)
        item = requested.request_document(person, doc_type, "Front and back", None, by)
        return item.id


def test_a_requested_document_can_be_uploaded(cosigner, app, tenant, book):
    request_id = _request_document(app, tenant, book)
    page = cosigner.get("/portal/documents").get_data(as_text=True)
    assert "Photo ID" in page and "Front and back" in page
    response = cosigner.post(
        f"/portal/documents/{request_id}",
        {"file": (_io(PDF), "id.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302

    with inside(app, tenant):
        item = db.session.get(DocumentRequest, request_id)
        assert item.status == "received" and item.content_type == "application/pdf"
    assert "Front and back" not in cosigner.get("/portal/documents").get_data(as_text=True)


def test_a_wrong_file_type_is_refused_with_a_message(cosigner, app, tenant, book):
    request_id = _request_document(app, tenant, book)
    response = cosigner.post(
        f"/portal/documents/{request_id}",
        {"file": (_io(b"MZ\x90\x00 not a pdf"), "id.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "must be a PDF, JPEG or PNG" in response.get_data(as_text=True)
    missing = cosigner.post(
        f"/portal/documents/{request_id}", {}, content_type="multipart/form-data"
    )
    assert missing.status_code == 422


def test_someone_elses_document_request_is_not_found(cosigner, app, tenant, book):

    by = add_user(app, tenant.info, "agent")
    with inside(app, tenant):
        person = db.session.get(Defendant, book.defendant_id)
        other = requested.request_document(person, "proof_of_income", "", None, by).id
    response = cosigner.post(
        f"/portal/documents/{other}",
        {"file": (_io(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404


def _io(data: bytes):

    return io.BytesIO(data)


def test_a_person_cannot_remove_every_way_to_reach_them(cosigner, app, tenant, book):
    response = cosigner.post("/portal/profile", {"phone": "", "email": ""})
    assert response.status_code == 422
    assert "Keep a mobile number or an email" in response.get_data(as_text=True)
    with inside(app, tenant):
        assert db.session.get(Indemnitor, book.cosigner_id).phone == "3055550177"


def test_a_new_number_is_saved_only_with_the_code_sent_to_it(cosigner, app, tenant, book):
    cosigner.post("/portal/profile", {"phone": "3055550189", "email": "rosa.reyes@example.com"})
    page = cosigner.get("/portal/profile/confirm").get_data(as_text=True)
    assert "(•••) •••-0189" in page
    good = last_code(app, tenant, "3055550189")
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    assert cosigner.post("/portal/profile/confirm", {"code": wrong}).status_code == 422
    with inside(app, tenant):
        assert db.session.get(Indemnitor, book.cosigner_id).phone == "3055550177"
    assert cosigner.post("/portal/profile/confirm", {"code": good}).status_code == 302
    with inside(app, tenant):
        assert db.session.get(Indemnitor, book.cosigner_id).phone == "3055550189"


def test_an_address_change_saves_at_once(cosigner, app, tenant, book):
    form = {"phone": "3055550177", "email": "rosa.reyes@example.com", "city": "Hialeah"}
    response = cosigner.post("/portal/profile", form)
    assert response.headers["Location"] == "/portal/profile"
    with inside(app, tenant):
        assert db.session.get(Indemnitor, book.cosigner_id).city == "Hialeah"


def test_the_footer_names_the_agency_with_a_call_us_link(visit, app, tenant):
    page = visit(tenant).get("/portal/login").get_data(as_text=True)
    assert "tel:" not in page and "License No." not in page
    with inside(app, tenant):
        row = settings.current()
        row.address_line1, row.city, row.state, row.postal_code = (
            "9 Court St",
            "Miami",
            "FL",
            "33101",
        )
        row.phone, row.license_number = "3055550100", "P123456"
        db.session.commit()
    page = visit(tenant).get("/portal/login").get_data(as_text=True)
    footer = page.split('<address class="agency-contact">', 1)[1].split("</address>", 1)[0]
    assert "9 Court St, Miami, FL 33101" in footer
    assert '<a href="tel:+13055550100" id="call-agency">Call us: (305) 555-0100</a>' in footer
    assert "License No. P123456" in footer
