"""Portal sign-in: codes to the phone or email on file, generic answers, limits, links."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from rq import Queue
from sqlalchemy import select

from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel.mail import outbox_key
from bbp.portal import access
from bbp.portal.models import PortalCode, PortalSession
from tests.portal.conftest import (
    CODE,
    COSIGNER_EMAIL,
    COSIGNER_PHONE,
    ask_code,
    inside,
    last_code,
    make_book,
    run_jobs,
    sign_in,
    texts_to,
)

UNKNOWN_PHONE = "3055550199"
TOKEN = re.compile(r"[\w-]{20,}\.[\w-]+\.[\w-]+")  # CSRF tokens differ per visitor


def _ask(visitor, contact: str):
    return ask_code(visitor, contact)


def test_a_cosigner_signs_in_with_a_texted_code_and_sees_the_bond(visit, app, tenant, book):
    visitor = visit(tenant)
    response = sign_in(visitor, app, tenant)
    assert response.headers["Location"] == "/portal/"
    page = visitor.get("/portal/").get_data(as_text=True)
    assert book.bond_number in page
    assert "Richard E. Gerstein Justice Building" in page
    assert "1351 NW 12th St, Miami, FL 33125" in page
    [text] = texts_to(app, tenant, COSIGNER_PHONE)
    assert text.purpose == "portal_code" and text.indemnitor_id == book.cosigner_id
    assert "expires in 10 minutes" in text.body


def test_known_and_unknown_numbers_get_the_same_answer(visit, app, tenant, book):
    known, unknown = _ask(visit(tenant), COSIGNER_PHONE), _ask(visit(tenant), UNKNOWN_PHONE)
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    pages = []
    for phone in (COSIGNER_PHONE, UNKNOWN_PHONE):
        visitor = visit(tenant)
        _ask(visitor, phone)
        page = visitor.get("/portal/code").get_data(as_text=True)
        pages.append(TOKEN.sub("", page))
    assert pages[0].replace("0177", "0199") == pages[1]
    assert texts_to(app, tenant, UNKNOWN_PHONE) == []
    refused = visit(tenant)
    _ask(refused, UNKNOWN_PHONE)
    body = refused.post("/portal/code", {"code": "123456"}).get_data(as_text=True)
    assert "That code is not right, or it has expired." in body


def test_known_and_unknown_numbers_cost_the_request_the_same_work(visit, app, tenant, redis, book):
    """Nothing to time: either way the request queues one job, and only the job looks it up."""
    queue = Queue("default", connection=redis)
    answers, jobs, texted = {}, {}, {}
    for phone in (COSIGNER_PHONE, UNKNOWN_PHONE):
        queue.empty()
        visitor = visit(tenant)
        visitor.get("/portal/login")
        response = visitor.post("/portal/login", {"contact": phone})
        answers[phone] = (response.status_code, response.headers["Location"], response.get_data())
        [job] = queue.jobs
        slug, function, args, _ = job.args
        jobs[phone] = (slug, function, args[0])
        assert texts_to(app, tenant, phone) == []  # nothing looked up or sent while answering
        run_jobs(app)
        texted[phone] = len(texts_to(app, tenant, phone))
    assert answers[COSIGNER_PHONE] == answers[UNKNOWN_PHONE]
    assert jobs == {
        phone: (tenant.slug, "bbp.portal.access:send_sign_in_code", f"+1{phone}")
        for phone in (COSIGNER_PHONE, UNKNOWN_PHONE)
    }
    assert texted == {COSIGNER_PHONE: 1, UNKNOWN_PHONE: 0}


def test_the_daily_cap_on_wrong_codes_answers_alike_for_known_and_unknown(visit, tenant, book):
    """Guessing past the cap says "too many tries" whether or not the number is on file."""
    answers = {}
    for phone, ip in ((COSIGNER_PHONE, "198.51.100.1"), (UNKNOWN_PHONE, "198.51.100.2")):
        visitor, codes = visit(tenant), []
        for _ in range(4):  # each fresh code burns after five wrong tries
            _ask(visitor, phone)
            codes += [
                visitor.post("/portal/code", {"code": "000000"}, environ_base={"REMOTE_ADDR": ip})
                for _ in range(5)
            ]
        answers[phone] = [response.status_code for response in codes[:16]]
    assert answers[COSIGNER_PHONE] == answers[UNKNOWN_PHONE]
    assert answers[UNKNOWN_PHONE][-1] == 429


def test_a_code_can_go_to_the_email_on_file(visit, app, tenant, redis, book):
    visitor = visit(tenant)
    assert _ask(visitor, COSIGNER_EMAIL.upper()).status_code == 302
    [mail] = [json.loads(m) for m in redis.lrange(outbox_key(tenant.slug), 0, -1)]
    assert mail["to"] == COSIGNER_EMAIL
    code = CODE.search(mail["body"]).group(1)
    assert visitor.post("/portal/code", {"code": code}).headers["Location"] == "/portal/"
    with inside(app, tenant):
        session = db_session_rows()[-1]
        assert session.method == f"code sent by email to {COSIGNER_EMAIL}"


def db_session_rows() -> list[PortalSession]:

    return list(db.session.scalars(select(PortalSession).order_by(PortalSession.id)))


def test_a_wrong_code_is_refused_and_five_wrong_codes_burn_it(visit, app, tenant, book):
    visitor = visit(tenant)
    _ask(visitor, COSIGNER_PHONE)
    good = last_code(app, tenant, COSIGNER_PHONE)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    for _ in range(access.MAX_ATTEMPTS):
        response = visitor.post("/portal/code", {"code": wrong})
        assert response.status_code == 422
    response = visitor.post("/portal/code", {"code": good})
    assert response.status_code == 422
    assert "Ask for a new one" in response.get_data(as_text=True)
    assert visitor.get("/portal/").status_code == 302


def test_a_code_works_once_and_only_for_ten_minutes(visit, app, tenant, book):
    first = visit(tenant)
    _ask(first, COSIGNER_PHONE)
    code = last_code(app, tenant, COSIGNER_PHONE)
    assert first.post("/portal/code", {"code": code}).status_code == 302
    again = visit(tenant)
    _ask(again, COSIGNER_EMAIL)  # puts this visitor on the code page for another contact
    again.client.set_cookie("session", first.session_cookie().value, domain=again.host)
    late = visit(tenant)
    _ask(late, COSIGNER_PHONE)
    with inside(app, tenant):
        row = db.session.scalars(select(PortalCode).order_by(PortalCode.id.desc())).first()
        row.expires_at = row.expires_at - timedelta(minutes=11)
        db.session.commit()
    expired = late.post("/portal/code", {"code": last_code(app, tenant, COSIGNER_PHONE)})
    assert expired.status_code == 422


def test_asking_again_replaces_the_earlier_code(visit, app, tenant, book):
    visitor = visit(tenant)
    _ask(visitor, COSIGNER_PHONE)
    old = last_code(app, tenant, COSIGNER_PHONE)
    _ask(visitor, COSIGNER_PHONE)
    new = last_code(app, tenant, COSIGNER_PHONE)
    if old != new:
        assert visitor.post("/portal/code", {"code": old}).status_code == 422
    assert visitor.post("/portal/code", {"code": new}).status_code == 302


def test_codes_are_rate_limited_per_number_and_per_address(visit, app, tenant, redis, book):
    visitor = visit(tenant)
    for _ in range(access.CODES_PER_CONTACT_HOUR):
        assert _ask(visitor, COSIGNER_PHONE).status_code == 302
    limited = _ask(visitor, COSIGNER_PHONE)
    assert limited.status_code == 429
    assert "Too many tries" in limited.get_data(as_text=True)
    assert len(texts_to(app, tenant, COSIGNER_PHONE)) == access.CODES_PER_CONTACT_HOUR
    redis.flushdb()
    for n in range(access.CODES_PER_IP_HOUR):
        assert _ask(visitor, f"30555{n:05d}").status_code == 302
    assert _ask(visitor, COSIGNER_PHONE).status_code == 429


def test_bad_contact_input_gets_a_clear_message(visit, tenant):
    visitor = visit(tenant)
    unusable = "Enter your mobile number or your email address."
    for typed, message in (
        ("", "Enter your mobile number."),
        ("12", unusable),
        ("not an email@", unusable),
        ("x" * 300, unusable),
    ):
        response = _ask(visitor, typed)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)


def test_codes_and_sessions_are_stored_hashed(visit, app, tenant, book):
    visitor = visit(tenant)
    sign_in(visitor, app, tenant)
    code = last_code(app, tenant, COSIGNER_PHONE)
    token = visitor.client.get_cookie("session", domain=visitor.host)
    with inside(app, tenant):
        row = db.session.scalars(select(PortalCode)).one()
        assert code not in row.secret_hash and len(row.secret_hash) == 64
        session = db.session.scalars(select(PortalSession)).one()
        assert session.contact == f"+1{COSIGNER_PHONE}"
        assert session.people == [{"kind": "cosigner", "id": book.cosigner_id}]
    assert token is not None


def test_sign_out_ends_the_session_server_side(cosigner, app, tenant):
    stolen = cosigner.session_cookie().value
    cosigner.post("/portal/logout")
    assert cosigner.get("/portal/").status_code == 302
    replay = cosigner.client
    replay.set_cookie("session", stolen, domain=cosigner.host)
    assert cosigner.get("/portal/").status_code == 302


def test_an_idle_session_expires(cosigner, app, tenant):
    with inside(app, tenant):
        row = db.session.scalars(select(PortalSession)).one()
        row.last_seen_at = row.last_seen_at - timedelta(minutes=access.IDLE_MINUTES + 1)
        db.session.commit()
    assert cosigner.get("/portal/").status_code == 302


def test_staff_can_text_a_single_use_sign_in_link(owner, visit, app, tenant, book):
    response = owner.post(f"/portal/invite/cosigners/{book.cosigner_id}")
    assert response.status_code == 302
    text = texts_to(app, tenant, COSIGNER_PHONE)[-1]
    path = next(w for w in text.body.split() if "/portal/in/" in w).split("localhost", 1)[1]
    preview = visit(tenant).get(path)  # what a link preview or a mail scanner fetches
    assert preview.status_code == 200 and "Open my portal" in preview.get_data(as_text=True)
    person = visit(tenant)
    person.get(path)
    assert person.post(path).headers["Location"] == "/portal/"
    assert book.bond_number in person.get("/portal/").get_data(as_text=True)
    reused = visit(tenant).post(path)
    assert reused.status_code == 410
    assert "expired or was already used" in reused.get_data(as_text=True)
    tampered = visit(tenant).post(path[:-2] + ("AA" if not path.endswith("AA") else "BB"))
    assert tampered.status_code == 410


def test_a_sign_in_link_expires(owner, visit, app, tenant, book):
    owner.post(f"/portal/invite/defendants/{book.defendant_id}")
    with inside(app, tenant):
        row = db.session.scalars(select(PortalCode).where(PortalCode.purpose == "link")).one()
        row.expires_at = row.expires_at - timedelta(hours=access.LINK_HOURS + 1)
        db.session.commit()
    text = texts_to(app, tenant, "3055550142")[-1]
    path = next(w for w in text.body.split() if "/portal/in/" in w).split("localhost", 1)[1]
    assert visit(tenant).post(path).status_code == 410


def test_inviting_someone_without_phone_or_email_says_so(owner, app, tenant):
    book = make_book(app, tenant, cosigner_phone="", cosigner_email="", number="B-2026-0300")
    response = owner.post(f"/portal/invite/cosigners/{book.cosigner_id}")
    assert response.status_code == 302
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert "Add a mobile number or an email address" in page


def test_a_staff_sign_in_is_not_a_portal_sign_in_and_back(owner, cosigner, tenant):
    assert owner.get("/portal/").status_code == 302
    assert "/portal/login" in owner.get("/portal/").headers["Location"]
    assert cosigner.get("/dashboard/").status_code == 302
    assert "/login" in cosigner.get("/dashboard/").headers["Location"]


def test_htmx_requests_when_signed_out_get_a_client_redirect(visit, tenant):
    response = visit(tenant).get("/portal/", htmx=True)
    assert response.status_code == 401
    assert "/portal/login" in response.headers["HX-Redirect"]


def test_guesses_are_capped_per_person_per_day_across_codes(visit, app, tenant, redis, book):
    visitor = visit(tenant)
    for _ in range(access.FAILURES_PER_CONTACT_DAY // access.MAX_ATTEMPTS):
        _ask(visitor, COSIGNER_PHONE)
        for _ in range(access.MAX_ATTEMPTS):
            visitor.post("/portal/code", {"code": "000000"})
    # fresh hourly budgets, not the daily one
    redis.delete(*redis.keys(f"bbp:tenant:{tenant.slug}:rate:portal-code-*"))
    _ask(visitor, COSIGNER_PHONE)
    response = visitor.post("/portal/code", {"code": last_code(app, tenant, COSIGNER_PHONE)})
    assert response.status_code == 429


def test_people_removed_from_the_contact_drop_out_of_the_session(cosigner, app, tenant, book):
    with inside(app, tenant):
        db.session.get(Indemnitor, book.cosigner_id).phone = "3055550155"
        db.session.commit()
    assert cosigner.get("/portal/").status_code == 302
    assert cosigner.get(f"/portal/bonds/{book.bond_id}").status_code == 302


def test_the_sign_in_form_asks_for_a_mobile_number_with_the_phone_keypad(visit, tenant):
    page = visit(tenant).get("/portal/login").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="contact"[^>]*>', page).group(0)
    assert 'type="tel"' in field and 'inputmode="tel"' in field and 'autocomplete="tel"' in field
    assert re.search(r'<label for="contact">Mobile number\s', page)
    assert '<a href="/portal/login?by=email" id="sign-in-by-email">Use email instead</a>' in page
    assert 'inputmode="email"' not in page


def test_email_sign_in_is_a_plain_link_away_and_keeps_its_form_on_errors(
    visit, app, tenant, book, redis
):
    visitor = visit(tenant)
    page = visitor.get("/portal/login?by=email").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="contact"[^>]*>', page).group(0)
    assert 'type="email"' in field and 'inputmode="email"' in field
    assert re.search(r'<label for="contact">Email address\s', page)
    assert 'name="by" value="email"' in page and 'href="/portal/login"' in page
    refused = visitor.post("/portal/login", {"by": "email", "contact": ""})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Enter your email address." in body
    assert 'type="email"' in body and 'name="by" value="email"' in body
    known = visitor.post("/portal/login", {"by": "email", "contact": COSIGNER_EMAIL})
    unknown = visitor.post("/portal/login", {"by": "email", "contact": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/portal/code"
    run_jobs(app)
    sent = [json.loads(m)["to"] for m in redis.lrange(outbox_key(tenant.slug), 0, -1)]
    assert sent == [COSIGNER_EMAIL]  # only the address on file gets a code


def test_the_sign_in_redirect_names_the_page_without_a_bare_question_mark(visit, tenant):
    visitor = visit(tenant)
    bare = urlsplit(visitor.get("/portal/").headers["Location"])
    assert bare.path == "/portal/login"
    assert parse_qs(bare.query) == {"next": ["/portal/"]} and not bare.query.endswith("?")
    queried = urlsplit(visitor.get("/portal/?bond=12").headers["Location"])
    assert parse_qs(queried.query) == {"next": ["/portal/?bond=12"]}


def test_a_next_off_this_host_is_still_not_followed_after_sign_in(visit, app, tenant, book):
    visitor = visit(tenant)
    ask_code(visitor, COSIGNER_PHONE)
    done = visitor.post(
        "/portal/code?next=//evil.example/x", {"code": last_code(app, tenant, COSIGNER_PHONE)}
    )
    assert done.status_code == 302
    assert urlsplit(done.headers["Location"]).netloc in ("", f"{tenant.slug}.localhost")
    assert "evil.example" not in done.headers["Location"]
