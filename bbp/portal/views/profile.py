"""My details: address changes save at once; a new phone or email is confirmed with a code first."""

from __future__ import annotations

from flask import flash, redirect, session, url_for
from flask_babel import gettext as _

from bbp.portal import access, bp, people, services
from bbp.portal.forms import CodeForm, ProfileForm
from bbp.portal.views import visitor
from bbp.portal.views.visitor import portal_required
from bbp.web.refusals import refused
from bbp.web.rendering import render

PENDING_KEY = "portal_pending_details"


def _page(form: ProfileForm, status: int = 200):
    person = people.load(visitor.current().people)[0]
    return render("portal/profile.html", form=form, person=person, status=status)


@bp.get("/profile")
@portal_required
def profile():
    """My phone, email and address."""
    person = people.load(visitor.current().people)[0]
    return render("portal/profile.html", form=ProfileForm(obj=person), person=person)


@bp.post("/profile")
@portal_required
def profile_post():
    """Save my details, or first send a code to a new phone or email."""
    form = ProfileForm()
    valid = form.validate_on_submit()
    if valid and not (form.phone.data or form.email.data):
        form.phone.errors = [_("Keep a mobile number or an email so your agent can reach you.")]
        valid = False
    if not valid:
        return _page(form, 422)
    details = {name: form.data[name] for name in services.CONTACT_FIELDS}
    new_contact = services.contact_to_confirm(visitor.current(), details)
    if new_contact is None:
        return _saved(details)
    with refused(form, "phone") as refusal:
        services.send_confirmation(visitor.current(), new_contact)
        session[PENDING_KEY] = {"details": details, "contact": new_contact}
        return redirect(url_for("portal.confirm_details"))
    return _page(form, refusal.status)


def _saved(details: dict):
    changed = services.update_contact(visitor.current(), details)
    flash(_("Saved. Your agent has been told.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("portal.profile"))


@bp.get("/profile/confirm")
@portal_required
def confirm_details():
    """Enter the code sent to the new phone or email."""
    pending = session.get(PENDING_KEY)
    if not pending:
        return redirect(url_for("portal.profile"))
    return _confirm_page(CodeForm(), pending)


def _confirm_page(form: CodeForm, pending: dict, status: int = 200):
    return render(
        "portal/confirm_details.html",
        form=form,
        sent_to=access.describe(pending["contact"]),
        status=status,
    )


@bp.post("/profile/confirm")
@portal_required
def confirm_details_post():
    """Check the code, then save the details."""
    pending = session.get(PENDING_KEY)
    if not pending:
        return redirect(url_for("portal.profile"))
    form = CodeForm()
    if not form.validate_on_submit():
        return _confirm_page(form, pending, 422)
    with refused(form, "code") as refusal:
        access.check_code(pending["contact"], "confirm", form.code.data)
        session.pop(PENDING_KEY, None)
        return _saved(pending["details"])
    return _confirm_page(form, pending, refusal.status)
