"""Staff: send documents for signature and follow them. Public: check a signed PDF."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from bbp.auth.roles import role_required, staff_required
from bbp.bonds import queries as bonds
from bbp.extensions import db
from bbp.kernel import ratelimit
from bbp.settings import services as settings
from bbp.signatures import bp, evidence, services, verification
from bbp.signatures import policy as policies
from bbp.signatures.forms import PolicyForm, SendForm, VerifyForm
from bbp.signatures.models import SignatureRequest
from bbp.web.refusals import refused
from bbp.web.rendering import pdf_name, pdf_response, render

BOND = "<int(max=2147483647):bond_id>"
REQUEST = "<int(max=2147483647):request_id>"
VERIFY_PER_IP_HOUR = 60


def _request(request_id: int) -> SignatureRequest:
    return db.session.get(SignatureRequest, request_id) or abort(404)


@bp.app_template_global()
def signature_section(bond, form: SendForm | None = None, loaded=None) -> dict:
    """The bond's signature requests and the send form, for the bond page (the requests from
    what the page `loaded`, if given)."""
    requests = loaded.signature_requests if loaded else services.of_bond(bond)
    return {"requests": requests, "form": form or SendForm().offer(bond)}


def _section(bond, form: SendForm | None = None, status: int = 200):
    sig = signature_section(bond, form)
    return render("signatures/_section.html", bond=bond, sig=sig, status=status)


@bp.get(f"/bonds/{BOND}/signatures")
@staff_required
def section(bond_id: int):
    """The bond's documents and signature requests (a fragment of the bond page)."""
    return _section(bonds.get(bond_id))


@bp.post(f"/bonds/{BOND}/signatures")
@role_required("agent")
def send(bond_id: int):
    """Send a document to the defendant or a cosigner for signature."""
    bond = bonds.get(bond_id)
    form = SendForm().offer(bond)
    if form.validate_on_submit():
        with refused(form):
            sent = services.create(
                bond, form.kind.data, form.signer.data, form.channel.data, current_user
            )
            flash(f"{sent.title} sent to {sent.signer_name}.", "success")
            return _section(bond) if request.headers.get("HX-Request") else _back(bond.id)
    return _section(bond, form, 422)


def _back(bond_id: int):
    return redirect(url_for("bonds.show", bond_id=bond_id) + "#signatures")


@bp.post(f"/signatures/{REQUEST}/resend")
@role_required("agent")
def resend(request_id: int):
    """Send the signing link again."""
    return _act(request_id, services.resend, "Link sent again.")


@bp.post(f"/signatures/{REQUEST}/cancel")
@role_required("agent")
def cancel(request_id: int):
    """Withdraw a request; its link stops working."""
    return _act(request_id, services.cancel, "Request withdrawn.")


def _act(request_id: int, action, done: str):
    item = _request(request_id)
    with refused():
        action(item, current_user)
        flash(done, "success")
    return _back(item.bond_id)


@bp.get(f"/signatures/{REQUEST}")
@staff_required
def evidence_page(request_id: int):
    """A request's evidence: every event, and whether the chain is intact."""
    item = _request(request_id)
    return render(
        "signatures/evidence.html",
        item=item,
        bond=bonds.get(item.bond_id),
        problems=evidence.problems(item),
    )


@bp.get(f"/signatures/{REQUEST}/<which>.pdf")
@staff_required
def pdf(request_id: int, which: str):
    """The document as sent, or as signed with its certificate page."""
    item = _request(request_id)
    key = {"original": item.document_key, "signed": item.signed_key}.get(which)
    if not key:
        abort(404)
    name = pdf_name(*services.file_words(item, which == "signed"))
    return pdf_response(services.load_file(key), name)


@bp.get("/verify")
def verify():
    """Public: check whether a PDF is a document signed through this agency, unaltered."""
    return render("signatures/verify.html", form=VerifyForm(), finding=None)


@bp.post("/verify")
def verify_post():
    """Public: hash the uploaded PDF and look it up; the file itself is not kept."""
    form = VerifyForm()
    if not ratelimit.allow("verify-ip", request.remote_addr or "", VERIFY_PER_IP_HOUR, 3600):
        form.file.errors = [_("Too many tries. Wait a few minutes, then try again.")]
        return render("signatures/verify.html", form=form, finding=None, status=429)
    file = request.files.get("file")
    data = file.read(verification.MAX_BYTES + 1) if file else b""
    if not form.validate_on_submit() or not data or len(data) > verification.MAX_BYTES:
        form.file.errors = [_("Choose the PDF file to check (up to 15 MB).")]
        return render("signatures/verify.html", form=form, finding=None, status=422)
    return render("signatures/verify.html", form=VerifyForm(), finding=verification.check(data))


@bp.get("/signatures/settings")
@role_required("admin")
def policy():
    """The agency's signature policy."""
    return render("signatures/policy.html", form=PolicyForm(obj=settings.current()))


@bp.post("/signatures/settings")
@role_required("admin")
def policy_post():
    """Save the signature policy; errors keep what was typed."""
    form = PolicyForm()
    if form.validate_on_submit():
        with refused(form):
            data = {name: getattr(form, name).data for name in policies.FIELDS}
            policies.save(policies.Policy(**data), current_user)
            flash("Signature settings saved.", "success")
            return redirect(url_for("signatures.policy"))
    return render("signatures/policy.html", form=form, status=422)
