"""Portal pages: my bonds, court dates, payments and receipts, documents, check-in."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from bbp.courts import ics
from bbp.documents import requested as documents
from bbp.kernel.clock import utcnow
from bbp.payments import receipts
from bbp.portal import bp, people, services
from bbp.portal.forms import UploadForm
from bbp.portal.views import visitor
from bbp.portal.views.visitor import portal_required
from bbp.signatures import services as signatures
from bbp.web.refusals import refused
from bbp.web.rendering import pdf_name, pdf_response, render

BOND = "<int(max=2147483647):bond_id>"


def _refs() -> list[people.Ref]:
    return visitor.current().people


@bp.get("/")
@portal_required
def home():
    """My bonds, what is next in court, and anything waiting for me."""
    bonds = people.bonds(_refs())
    return render(
        "portal/home.html",
        bonds=bonds,
        court_dates=services.upcoming_court_dates(bonds),
        to_sign=signatures.waiting_for(_refs()),
        to_upload=documents.open_requests_for(_refs()),
        checkins=services.open_checkins(_refs()),
    )


@bp.get(f"/bonds/{BOND}")
@portal_required
def bond(bond_id: int):
    """One bond: court dates, balance, plan schedule and payment history."""
    found = people.bond_for(_refs(), bond_id)
    return render(
        "portal/bond.html",
        bond=found,
        role=people.role_on(_refs(), found),
        court_dates=services.upcoming_court_dates([found]),
        account=services.account(found),
        to_sign=[r for r in signatures.waiting_for(_refs()) if r.bond_id == found.id],
    )


@bp.get("/payments/<int(max=2147483647):payment_id>/receipt.pdf")
@portal_required
def receipt(payment_id: int):
    """The receipt of a payment on one of my bonds, as a PDF."""
    payment = services.payment_for(_refs(), payment_id) or abort(404)
    return pdf_response(receipts.receipt_pdf(payment), pdf_name(*receipts.file_words(payment)))


@bp.get("/court-dates/<int(max=2147483647):court_date_id>.ics")
@portal_required
def court_date_ics(court_date_id: int):
    """One court date as a calendar file, with alarms the day before and two hours before."""
    court_date = services.court_date_for(_refs(), court_date_id) or abort(404)
    event = ics.court_date_event(
        court_date,
        g.tenant.slug,
        summary=_("Court date"),
        description=_("Bring this bond number: %(number)s", number=court_date.bond.number),
        room=_("Room %(room)s"),  # as the portal page shows it, in the client's language
    )
    body = ics.calendar([event], name=_("Court date"), now=utcnow())
    return Response(
        body.encode(),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="court-date-{court_date.id}.ics"'},
    )


@bp.get("/documents")
@portal_required
def documents_page():
    """Documents to sign, documents the agency asked me for, and what I already signed."""
    return _documents(UploadForm())


def _documents(form: UploadForm, failed: int | None = None, status: int = 200):
    return render(
        "portal/documents.html",
        to_sign=signatures.waiting_for(_refs()),
        signed=signatures.signed_for(_refs()),
        requests=documents.open_requests_for(_refs()),
        form=form,
        failed=failed,
        status=status,
    )


@bp.post("/documents/<int(max=2147483647):request_id>")
@portal_required
def upload(request_id: int):
    """Send a requested document (a photo or a PDF)."""
    wanted = {r.id: r for r in documents.open_requests_for(_refs())}.get(request_id) or abort(404)
    form = UploadForm()
    file = request.files.get("file")
    if not form.validate_on_submit() or file is None or not file.filename:
        form.file.errors = [_("Choose a photo or a PDF to send.")]
        return _documents(form, request_id, 422)
    with refused(form, "file"):
        documents.receive(
            wanted, file.read(), file.filename, services.actor(visitor.current()).email
        )
        flash(_("Thank you. Your agent has the document."), "success")
        return redirect(url_for("portal.documents_page"))
    form.file.errors = [_(message) for message in form.file.errors]  # written in English
    return _documents(form, request_id, 422)


@bp.get("/check-in")
@portal_required
def check_in():
    """Check in now if a check-in is open (the same page the texted link opens)."""
    open_now = services.open_checkins(_refs())
    if open_now:
        return redirect(url_for("checkins.public", token=open_now[0][1]))
    return render("portal/check_in.html")
