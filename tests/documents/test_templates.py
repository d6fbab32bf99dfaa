"""Template editing (managers), previews, printed documents for a bond, and their isolation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.bonds.models import Bond
from bbp.documents import services
from bbp.documents.standard import STANDARD
from bbp.extensions import db
from tests.documents.conftest import full_bond, inside
from tests.documents.test_pdf import shown
from tests.factories import make_bond
from tests.support import Visitor, add_user

EDIT = "/documents/templates/indemnity"


def fetch(visitor: Visitor, path: str):
    """A binary response (Visitor.get reads pages as text)."""
    return visitor.client.get(path, base_url=visitor.base_url)


def test_the_list_shows_each_document_as_standard_until_changed(owner):
    body = owner.get("/documents/templates").get_data(as_text=True)
    for label in ("Bail bond application", "Indemnity agreement", "Collateral receipt"):
        assert label in body
    assert body.count("Standard</span>") == 4


def test_the_edit_page_shows_the_standard_text_and_the_variables(owner):
    page = owner.get(EDIT)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Indemnity Agreement" in body and "joint and several" in body
    assert "{{ collateral_return_days }}" in body and "Days after discharge" in body


def test_saving_wording_makes_it_the_agencys_own_and_is_audited(app, owner, tenant):
    owner.get(EDIT)
    saved = owner.post(
        EDIT, {"title": "Our Indemnity", "body": "{{ signer_name }} guarantees {{ bail_amount }}."}
    )
    assert saved.status_code == 302
    assert "Your own" in owner.get("/documents/templates").get_data(as_text=True)
    with inside(app, tenant):
        assert (
            services.wording("indemnity").body == "{{ signer_name }} guarantees {{ bail_amount }}."
        )
        preview = services.render_text("indemnity", None)
        assert preview.title == "Our Indemnity"
        assert preview.body == "Sample Cosigner guarantees $25,000.00."
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "document_template.saved")
        )
        assert entry.actor_label == tenant.owner_email
        assert entry.before["custom"] is False and "joint and several" in entry.before["body"]
        assert entry.after["title"] == "Our Indemnity"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"title": "Indemnity", "body": "Pay {{ bail_amont }} now"}, "{{ bail_amont }}"),
        ({"title": "Indemnity {{ nope }}", "body": "ok"}, "{{ nope }}"),
        ({"title": "Indemnity", "body": "Pay {{ bail_amount } now"}, "Unmatched brace"),
        ({"title": "Indemnity", "body": "{{ config.SECRET_KEY }}"}, "is not a variable"),
        ({"title": "Indemnity", "body": "[[ nothing to check ]] here"}, "has no variable"),
        ({"title": "Indemnity", "body": "Of [[ {{ signer_address }} here"}, "Unmatched [["),
        ({"title": "", "body": "text"}, "Enter a title."),
        ({"title": "Indemnity", "body": "   "}, "Enter the text of the document."),
    ],
)
def test_bad_wording_is_refused_next_to_the_field_keeping_the_typed_text(
    app, owner, tenant, form, message
):
    owner.get(EDIT)
    refused = owner.post(EDIT, form)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'class="field-error"' in body and message in body
    if form["title"]:
        assert f'value="{form["title"]}"' in body
    if form["body"].strip():
        assert f"{form['body']}</textarea>" in body
    with inside(app, tenant):
        assert services.wording("indemnity").custom is False


def test_refused_text_is_shown_back_as_typed(owner):
    owner.get(EDIT)
    body = owner.post(EDIT, {"title": "Mine", "body": "Typed by hand {{ oops }}"})
    assert "Typed by hand {{ oops }}</textarea>" in body.get_data(as_text=True)


def test_restoring_brings_back_the_standard_text(app, owner, tenant):
    owner.get(EDIT)
    owner.post(EDIT, {"title": "Ours", "body": "Ours."})
    restored = owner.post(f"{EDIT}/restore")
    assert restored.status_code == 302
    with inside(app, tenant):
        assert services.wording("indemnity").body == STANDARD["indemnity"][1]
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[-2:] == ["document_template.saved", "document_template.restored"]


def test_unknown_kinds_are_404(owner):
    assert owner.get("/documents/templates/lease").status_code == 404
    assert owner.post("/documents/templates/lease", {"title": "x", "body": "y"}).status_code == 404
    assert fetch(owner, "/documents/templates/lease/preview.pdf").status_code == 404


def test_agents_cannot_edit_templates(app, visit, tenant):
    agent = add_user(app, tenant.info, "agent")
    visitor = visit(tenant)
    visitor.login(agent.email)
    assert visitor.get(EDIT).status_code == 403
    assert visitor.post(EDIT, {"title": "x", "body": "y"}).status_code == 403


def test_preview_without_bonds_uses_sample_details(owner):
    response = fetch(owner, f"{EDIT}/preview.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = shown(response.data)
    assert "Sample Cosigner" in text and "Sample - not for signature" in text
    disposition = 'inline; filename="sample-indemnity-agreement-preview.pdf"'
    assert response.headers["Content-Disposition"] == disposition


def test_preview_fills_in_the_chosen_bond(app, owner, tenant):
    ids = full_bond(app, tenant)
    make_bond(app, tenant, first_name="Other")
    text = shown(fetch(owner, f"{EDIT}/preview.pdf?bond={ids['bond']}").data)
    words = " ".join(text.split())  # names may wrap onto the next line
    assert "Carlos Lopez" in words and "Bond B-2026-0012" in words


def test_preview_with_a_bond_that_is_not_there_is_404(owner):
    assert fetch(owner, f"{EDIT}/preview.pdf?bond=999999").status_code == 404
    assert fetch(owner, f"{EDIT}/preview.pdf?bond=-3").status_code == 404
    assert fetch(owner, f"{EDIT}/preview.pdf?bond=abc").status_code == 200  # ignored: sample


def test_a_bonds_indemnity_agreement_prints_every_detail(app, visit, tenant):
    ids = full_bond(app, tenant)
    viewer = add_user(app, tenant.info, "viewer")
    visitor = visit(tenant)
    visitor.login(viewer.email)
    response = fetch(visitor, f"/documents/bonds/{ids['bond']}/indemnity.pdf")
    assert response.status_code == 200
    assert (
        'filename="B-2026-0012-indemnity-agreement.pdf"' in response.headers["Content-Disposition"]
    )
    text = " ".join(shown(response.data).split())
    for expected in (
        "Indemnity Agreement",
        "Maria Lopez (Cosigner and indemnitor), of 40 Bay Road, Miami, FL 33102",
        "Carlos Lopez",
        "$25,000.00",
        "- Vehicle: 2018 Honda Civic, VIN ending 4821 (value $9,000.00; receipt C-",
        "balance owed today is $1,625.00",
        "within 21 days",
        "Name: Maria Lopez",
    ):
        assert expected in text, expected


def test_each_kind_prints_for_a_bond_and_the_signer_can_be_chosen(app, owner, tenant):
    ids = full_bond(app, tenant)
    for kind in STANDARD:
        response = fetch(owner, f"/documents/bonds/{ids['bond']}/{kind}.pdf")
        assert response.status_code == 200, kind
    application = shown(fetch(owner, f"/documents/bonds/{ids['bond']}/application.pdf").data)
    assert "Name: Carlos Lopez" in application
    chosen = fetch(
        owner, f"/documents/bonds/{ids['bond']}/application.pdf?signer={ids['cosigner']}"
    )
    assert "Name: Maria Lopez" in shown(chosen.data)
    stranger = fetch(owner, f"/documents/bonds/{ids['bond']}/application.pdf?signer=999999")
    assert stranger.status_code == 404
    assert fetch(owner, f"/documents/bonds/{ids['bond']}/lease.pdf").status_code == 404


def test_render_text_fills_the_bond_details(app, tenant):
    ids = full_bond(app, tenant)
    with inside(app, tenant):
        bond = db.session.get(Bond, ids["bond"])
        cosigner = bond.cosigners[0].indemnitor
        plan = services.render_text("premium_agreement", bond, cosigner)
        assert plan.kind == "premium_agreement"
        assert "- Down payment: $1,000.00, due when the bond is posted" in plan.body
        assert "- $812.50 due March 1, 2026\n- $812.50 due April 1, 2026" in plan.body
        assert "Total due: $2,625.00" in plan.body
        application = services.render_text("application", bond, bond.defendant)
        assert "Date of birth: May 17, 1994" in application.body
        assert "- Grand theft (812.014), felony: bail $20,000.00" in application.body
        assert "Next court date: Monday, June 1, 2099 at 9:30 AM" in application.body
        assert "Room 4-2" in application.body and "Cosigners: Maria Lopez" in application.body
        assert "{{" not in application.body + plan.body


def test_another_agency_cannot_print_or_see_this_agencys_documents(
    app, owner, tenant, visit, other_tenant
):
    ids = full_bond(app, tenant)
    owner.get(EDIT)
    owner.post(EDIT, {"title": "Alpha Secret Wording", "body": "Alpha only."})
    intruder = visit(other_tenant)
    intruder.login(other_tenant.owner_email)
    assert fetch(intruder, f"/documents/bonds/{ids['bond']}/indemnity.pdf").status_code == 404
    assert fetch(intruder, f"{EDIT}/preview.pdf?bond={ids['bond']}").status_code == 404
    page = intruder.get(EDIT).get_data(as_text=True)
    assert "Alpha Secret Wording" not in page and "joint and several" in page
    sample = shown(fetch(intruder, f"{EDIT}/preview.pdf").data)
    assert "Carlos Lopez" not in sample and "Alpha only." not in sample


def test_html_in_wording_is_escaped_on_the_page(owner):
    owner.get(EDIT)
    owner.post(EDIT, {"title": "<b>Bold</b>", "body": "<script>alert(1)</script>"})
    body = owner.get(EDIT).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert re.search(r"&lt;script&gt;alert\(1\)&lt;/script&gt;", body)
