"""Take and void payments, print receipts, and the agency's ledger."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from bbp.auth.roles import role_required, staff_required
from bbp.bonds import queries as bonds
from bbp.extensions import db
from bbp.kernel import search
from bbp.kernel.clock import agency_today
from bbp.payments import bp, entries, receipts, services
from bbp.payments.forms import PaymentForm, VoidForm
from bbp.payments.models import Payment
from bbp.web.refusals import refused
from bbp.web.rendering import paginate, pdf_name, pdf_response, render

ID = "<int(max=2147483647):payment_id>"
PER_PAGE = 30


def _payment(payment_id: int) -> Payment:
    return db.session.get(Payment, payment_id) or abort(404)


@bp.get("/")
@role_required("manager")
def index():
    """Every payment, newest first, searchable by receipt number or payer."""
    q = request.args.get("q", "").strip()
    query = select(Payment).order_by(Payment.id.desc())
    if q:
        query = query.where(search.contains(q, Payment.receipt_number, Payment.payer_name))
    page = paginate(query, PER_PAGE)
    return render(
        "payments/index.html",
        "payments/_rows.html",
        page=page,
        q=q,
        labels=services.LABELS,
        words=entries.words(page.items),
    )


@bp.get("/bonds/<int(max=2147483647):bond_id>/new")
@role_required("agent")
def new(bond_id: int):
    """The form to take a payment on a bond, filled in with what is due now."""
    bond = bonds.get(bond_id)
    names = [link.indemnitor.full_name for link in bond.cosigners]
    form = PaymentForm(
        payer_name=names[0] if names else bond.defendant.full_name,
        amount=services.due_now(bond) or None,
    )
    return render("payments/form.html", form=form, bond=bond)


@bp.post("/bonds/<int(max=2147483647):bond_id>/new")
@role_required("agent")
def create(bond_id: int):
    """Record the payment and offer its receipt."""
    bond = bonds.get(bond_id)
    form = PaymentForm()
    if form.validate_on_submit():
        with refused(form):
            payment = services.record_payment(
                bond,
                form.kind.data,
                form.method.data,
                form.amount.data,
                form.reference.data or "",
                form.payer_name.data,
                current_user,
            )
            flash(f"Payment recorded: receipt {payment.receipt_number}.", "success")
            return redirect(url_for("bonds.show", bond_id=bond.id) + "#payments")
    return render("payments/form.html", form=form, bond=bond, status=422)


@bp.post(f"/{ID}/void")
@role_required("manager")
def void(payment_id: int):
    """Void a payment; the receipt keeps its number."""
    payment = _payment(payment_id)
    form = VoidForm()
    with refused():
        services.void(payment, form.reason.data or "", current_user)
        flash(f"Receipt {payment.receipt_number} is void.", "success")
    return redirect(url_for("bonds.show", bond_id=payment.bond_id) + "#payments")


@bp.get(f"/{ID}/receipt.pdf")
@staff_required
def receipt(payment_id: int):
    """The printable receipt (PDF)."""
    payment = _payment(payment_id)
    return pdf_response(receipts.receipt_pdf(payment), pdf_name(*receipts.file_words(payment)))


@bp.app_template_global()
def payment_section(bond, loaded=None):
    """Balance, plan and ledger for the bond page (from what the page `loaded`, if given)."""
    plan = loaded.plan if loaded else bonds.plan_of(bond)
    ledger = loaded.payments if loaded else services.ledger(bond)
    online = loaded.online if loaded else entries.online(ledger)
    return {
        "plan": plan,
        "standing": services.standing_of_ledger(bond, plan, ledger, agency_today()),
        "payments": ledger,
        "words": {id_: entries.english(fact) for id_, fact in online.items()},
        "labels": services.LABELS,
        "today": agency_today(),
        "void_form": VoidForm(),
    }
