"""Signing from a texted or emailed link: verify with a code, consent, read, sign or decline."""

from __future__ import annotations

import base64
import binascii
from functools import wraps

from flask import redirect, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from bbp.kernel.errors import DomainError
from bbp.kernel.links import InvalidLink
from bbp.portal import access, bp, people
from bbp.portal.views import visitor
from bbp.signatures import ceremony as signing
from bbp.signatures import consent, services
from bbp.signatures.forms import CodeForm, ConsentForm, DeclineForm, SignForm
from bbp.signatures.models import SignatureRequest
from bbp.tenancy import require_tenant
from bbp.web.refusals import refused
from bbp.web.rendering import pdf_name, pdf_response, render

DATA_URL = "data:image/png;base64,"


def signing_link(view):
    """Resolve the signing token to its request, or explain why the link cannot be used."""

    @wraps(view)
    def wrapped(token: str):
        try:
            item = services.read_link(token)
        except InvalidLink as exc:
            return render("portal/sign_invalid.html", message=exc.message, status=exc.status)
        return view(token, item)

    return wrapped


def _page(token: str, item: SignatureRequest, status: int = 200, **forms):
    row = visitor.current()
    stage = signing.stage(item, row)
    if stage == "verify" and row is not None and people.covers(row.people, item.person):
        signing.confirm_session(item, row)
        stage = signing.stage(item, row)
    if stage == "sign":
        signing.mark_viewed(item, row)
    return render(
        "portal/sign.html",
        token=token,
        item=item,
        stage=stage,
        steps=signing.step_count(item, row),
        sent_to=access.describe(signing.contact_of(item)),
        consent_text=consent.text(require_tenant().name, _language()),
        code_form=forms.get("code_form") or CodeForm(),
        consent_form=forms.get("consent_form") or ConsentForm(),
        sign_form=forms.get("sign_form") or SignForm(),
        decline_form=forms.get("decline_form") or DeclineForm(),
        code_sent=forms.get("code_sent", False),
        status=status,
    )


def _language() -> str:

    return str(get_locale() or "en")


@bp.get("/sign/<token>")
@signing_link
def sign(token: str, item: SignatureRequest):
    """The signing page, at whichever step the signer has reached."""
    return _page(token, item)


@bp.post("/sign/<token>/code")
@signing_link
def sign_code(token: str, item: SignatureRequest):
    """Send the signer a one-time code (a button, so link previews never send one)."""
    if not item.is_open:
        return redirect(url_for("portal.sign", token=token))
    form = CodeForm()
    if not form.validate_on_submit():
        return _page(token, item, 400)
    with refused(form, "code") as refusal:
        signing.send_code(item)
        return _page(token, item, code_sent=True)
    return _page(token, item, refusal.status, code_form=form)


@bp.post("/sign/<token>/verify")
@signing_link
def sign_verify(token: str, item: SignatureRequest):
    """Check the code; the signer is then signed in to the portal as well."""
    form = CodeForm()
    if form.validate_on_submit() and item.is_open:
        with refused(form, "code") as refusal:
            visitor.sign_in(signing.verify_code(item, form.code.data))
        if refusal:
            return _page(token, item, refusal.status, code_form=form, code_sent=True)
    return redirect(url_for("portal.sign", token=token))


@bp.post("/sign/<token>/consent")
@signing_link
def sign_consent(token: str, item: SignatureRequest):
    """Record the ESIGN consent (the text's hash is kept)."""
    form = ConsentForm()
    if not form.validate_on_submit() or not form.agree.data:
        form.agree.errors = [_("Tick the box to agree, or decline to sign below.")]
        return _page(token, item, 422, consent_form=form)
    with refused(flashed=False):  # the page shows again at the step the signer is at
        shown = consent.text(require_tenant().name, _language())
        signing.accept_consent(item, _signer(item), shown)
    return redirect(url_for("portal.sign", token=token))


def _signer(item: SignatureRequest):
    row = visitor.current()
    if row is None:
        raise DomainError(_("Verify with a code first."))
    return row


@bp.get("/sign/<token>/document.pdf")
@signing_link
def sign_document(token: str, item: SignatureRequest):
    """The document to read, as a PDF (only once the signer is verified)."""
    row = visitor.current()
    mine = row is not None and people.covers(row.people, item.person)
    if not mine or not (signing.stage(item, row) == "sign" or item.status == "signed"):
        return redirect(url_for("portal.sign", token=token))
    key = item.signed_key if item.status == "signed" else item.document_key
    name = pdf_name(*services.file_words(item, item.status == "signed"))
    return pdf_response(services.load_file(key), name)


@bp.post("/sign/<token>")
@signing_link
def sign_post(token: str, item: SignatureRequest):
    """Sign: a typed or drawn signature and a ticked agreement."""
    form = SignForm()
    with refused(form):
        if not form.validate_on_submit() or not form.agree.data:
            raise DomainError(_("Tick the box to confirm that you sign this document."), "agree")
        signing.sign(item, _signer(item), form.how.data, form.typed.data, _png(form.drawn.data))
        return redirect(url_for("portal.sign", token=token))
    return _page(token, item, 422, sign_form=form)


def _png(data_url: str | None) -> bytes | None:
    if not data_url or not data_url.startswith(DATA_URL):
        return None
    try:
        return base64.b64decode(data_url.removeprefix(DATA_URL), validate=True)
    except (binascii.Error, ValueError):
        return None


@bp.post("/sign/<token>/decline")
@signing_link
def sign_decline(token: str, item: SignatureRequest):
    """Decline to sign, with a reason."""
    form = DeclineForm()
    with refused(form):
        if not form.validate_on_submit():
            raise DomainError(_("Tell your agent why you are declining."), "reason")
        signing.decline(item, _signer(item), form.reason.data)
        return redirect(url_for("portal.sign", token=token))
    return _page(token, item, 422, decline_form=form)
