"""Portal sign-in: a code to the phone or email on file, a staff-sent link, sign-out, language."""

from __future__ import annotations

from flask import flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from bbp.auth.roles import role_required
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.portal import access, bp, people, services
from bbp.portal.forms import CodeForm, ContactForm, LanguageForm, contact_form
from bbp.portal.views import visitor
from bbp.settings import services as settings
from bbp.settings.agency import AgencyDetails
from bbp.signatures.services import token_for
from bbp.web import i18n
from bbp.web.refusals import refused
from bbp.web.rendering import render, safe_next

PENDING_KEY = "portal_pending"  # the contact a code was just sent to


@bp.get("/login")
def login():
    """Ask for a mobile number (or, with ?by=email, an email address)."""
    if visitor.current() is not None:
        return redirect(url_for("portal.home"))
    by = request.args.get("by")
    return _login_page(contact_form(by), by, request.args.get("next"))


def _login_page(form, by: str | None, next_url: str | None = None, status: int = 200):
    by = "email" if by == "email" else "phone"
    return render("portal/login.html", form=form, by=by, next=next_url, status=status)


@bp.post("/login")
def login_post():
    """Send a code when the contact is on file; the answer is the same either way."""
    by, next_url = request.form.get("by"), request.form.get("next") or None
    form = contact_form(by)
    if form.validate_on_submit():
        with refused(form, "contact") as refusal:
            session[PENDING_KEY] = access.request_code(form.contact.data)
            return redirect(url_for("portal.code", next=next_url))
        return _login_page(form, by, next_url, refusal.status)
    return _login_page(form, by, next_url, 422)


@bp.get("/code")
def code():
    """Enter the code that was just sent."""
    if not session.get(PENDING_KEY):
        return redirect(url_for("portal.login"))
    return _code_page(CodeForm())


def _code_page(form: CodeForm, status: int = 200):
    contact = session[PENDING_KEY]
    return render(
        "portal/code.html",
        form=form,
        sent_to=access.describe(contact),
        next=request.values.get("next"),
        status=status,
    )


@bp.post("/code")
def code_post():
    """Check the code and sign in."""
    contact = session.get(PENDING_KEY)
    if not contact:
        return redirect(url_for("portal.login"))
    form = CodeForm()
    if form.validate_on_submit():
        with refused(form, "code") as refusal:
            token = access.sign_in_with_code(contact, form.code.data)
            session.pop(PENDING_KEY, None)
            return _signed_in(token)
        return _code_page(form, refusal.status)
    return _code_page(form, 422)


def _signed_in(token: str):
    """Remember the session; a language picked before signing in is saved as the person's."""
    chosen = session.get(i18n.SESSION_KEY)
    visitor.sign_in(token)
    row = visitor.current()
    persons = people.load(row.people) if row else []
    if chosen in i18n.LANGUAGES:
        services.set_language(row, chosen)
    elif persons:
        session[i18n.SESSION_KEY] = persons[0].language
    return redirect(safe_next(request.values.get("next"), url_for("portal.home")))


@bp.get("/in/<token>")
def link(token: str):
    """A sign-in link sent by the agency: a button, so link previews and scanners cannot use it."""
    return render("portal/link.html", token=token)


@bp.post("/in/<token>")
def link_post(token: str):
    """Use the sign-in link (once)."""
    with refused() as refusal:
        return _signed_in(access.redeem_link(token))
    return _login_page(ContactForm(), None, status=refusal.status)


@bp.post("/logout")
def logout():
    """Sign out of the portal."""
    visitor.sign_out()
    flash(_("You are signed out."), "success")
    return redirect(url_for("portal.login"))


@bp.post("/language")
def language():
    """Switch between English and Spanish; a signed-in person's choice is saved on their record."""
    form = LanguageForm()
    chosen = form.language.data if form.validate_on_submit() else None
    if chosen in i18n.LANGUAGES:
        session[i18n.SESSION_KEY] = g.portal_language = chosen
        services.set_language(visitor.current(), chosen)
    return redirect(safe_next(form.next.data, url_for("portal.login")))


@bp.post("/invite/defendants/<int(max=2147483647):defendant_id>")
@role_required("agent")
def invite_defendant(defendant_id: int):
    """Text (or email) a defendant a sign-in link to the portal."""
    return _invite(db.get_or_404(Defendant, defendant_id), "defendants.show", defendant_id)


@bp.post("/invite/cosigners/<int(max=2147483647):indemnitor_id>")
@role_required("agent")
def invite_cosigner(indemnitor_id: int):
    """Text (or email) a cosigner a sign-in link to the portal."""
    return _invite(db.get_or_404(Indemnitor, indemnitor_id), "indemnitors.show", indemnitor_id)


def _invite(person, endpoint: str, person_id: int):
    with refused():
        where = access.send_link(person, current_user)
        flash(f"Portal sign-in link sent to {where}.", "success")
    key = "defendant_id" if endpoint.startswith("defendants") else "indemnitor_id"
    return redirect(url_for(endpoint, **{key: person_id}))


@bp.app_template_global()
def agency_details() -> AgencyDetails:
    """The agency's address, phone and license number, for the portal's footer."""
    return settings.agency_details()


@bp.app_template_global()
def portal_signed_in() -> bool:
    """Whether a portal visitor is signed in (for the portal layout)."""
    return visitor.current() is not None


@bp.app_template_global()
def sign_token(item) -> str:
    """The signing-link token of a request (for the portal's document list)."""

    return token_for(item)
