"""The signing page on a phone: step numbers, errors that land in view, names in the signer's words."""

from __future__ import annotations

import re

from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from tests.portal.conftest import COSIGNER_PHONE, inside, last_code, sign_in, texts_to
from tests.signatures.conftest import fetch, link_path, send, verify_and_consent, work


def _verified(visitor, app, tenant, path) -> None:
    visitor.get(path)
    visitor.post(f"{path}/code")
    visitor.post(f"{path}/verify", {"code": last_code(app, tenant, COSIGNER_PHONE)})


def test_a_missing_consent_tick_comes_back_beside_the_box_at_its_anchor(visit, app, tenant, sent):
    _, path = sent
    signer = visit(tenant)
    _verified(signer, app, tenant, path)
    response = signer.post(f"{path}/consent", {})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'action="{path}/consent#consent-form" id="consent-form"' in body
    beside = re.search(
        r'<input[^>]*aria-describedby="consent-agree-error"[^>]*id="consent-agree"[^>]*>'
        r"[^<]*</label>\s*"
        r'<small class="field-error" id="consent-agree-error">Tick the box to agree',
        body,
    )
    assert beside, "the message must sit right after the checkbox it is about"
    form = body.split('id="consent-form"', 1)[1].split("</form>", 1)[0]
    assert '<a href="#consent-agree">Tick the box to agree' in form  # the summary links to it
    assert form.index("error-summary") < form.index('id="consent-agree"')


def test_a_missing_signing_tick_comes_back_at_the_form_with_a_linked_summary(
    visit, app, tenant, sent
):
    _, path = sent
    signer = visit(tenant)
    verify_and_consent(signer, app, tenant, path)
    body = signer.post(path, {"how": "typed", "typed": "Rosa Reyes"}).get_data(as_text=True)
    assert f'action="{path}#sign-form" id="sign-form"' in body
    assert '<a href="#sign-agree">Tick the box to confirm' in body
    assert 'aria-describedby="sign-agree-error"' in body


def test_a_code_verified_signer_counts_three_steps_from_the_first_screen(visit, app, tenant, sent):
    _, path = sent
    signer = visit(tenant)
    assert "Step 1 of 3: confirm it is you" in signer.get(path).get_data(as_text=True)
    _verified(signer, app, tenant, path)
    assert "Step 2 of 3: agree to sign electronically" in signer.get(path).get_data(as_text=True)


def test_a_spanish_cosigner_is_asked_to_sign_the_acuerdo_de_indemnizacion(
    visit, app, tenant, redis, book
):
    with inside(app, tenant):
        db.session.get(Indemnitor, book.cosigner_id).language = "es"
        db.session.commit()
    request_id = send(app, tenant, book)
    work(app, redis)
    [text] = [t for t in texts_to(app, tenant, COSIGNER_PHONE) if t.purpose == "signature"]
    assert f"{tenant.info.name} le pide firmar: Acuerdo de indemnización. Abra " in text.body
    assert "Indemnity" not in text.body
    person = visit(tenant)
    sign_in(person, app, tenant)
    documents = person.get("/portal/documents").get_data(as_text=True)
    assert "Acuerdo de indemnización" in documents and "Indemnity Agreement" not in documents
    home = person.get(f"/portal/bonds/{book.bond_id}").get_data(as_text=True)
    assert "Acuerdo de indemnización" in home
    page = person.get(link_path(app, tenant)).get_data(as_text=True)
    assert "<h1>Acuerdo de indemnización</h1>" in page
    assert "Paso 1 de 2: acepte firmar de forma electrónica" in page
    assert fetch(app, tenant, request_id).title == "Indemnity Agreement"  # the document is as sent


def test_an_english_cosigner_reads_the_english_name(app, tenant, sent):
    [text] = [t for t in texts_to(app, tenant, COSIGNER_PHONE) if t.purpose == "signature"]
    assert "asks you to sign: Indemnity agreement. Open " in text.body


def test_request_pdfs_are_named_after_the_bond_document_and_signer(visit, owner, app, tenant, sent):
    request_id, path = sent
    signer = visit(tenant)
    verify_and_consent(signer, app, tenant, path)
    original = signer.client.get(f"{path}/document.pdf", base_url=signer.base_url)
    stem = "B-2026-0101-indemnity-agreement-rosa-reyes"
    assert original.headers["Content-Disposition"] == f'inline; filename="{stem}.pdf"'
    signer.post(path, {"how": "typed", "typed": "Rosa Reyes", "agree": "y"})
    signed = signer.client.get(f"{path}/document.pdf", base_url=signer.base_url)
    assert signed.headers["Content-Disposition"] == f'inline; filename="{stem}-signed.pdf"'
    for which, name in (("original", stem), ("signed", f"{stem}-signed")):
        staff = owner.client.get(f"/signatures/{request_id}/{which}.pdf", base_url=owner.base_url)
        assert staff.headers["Content-Disposition"] == f'inline; filename="{name}.pdf"'
