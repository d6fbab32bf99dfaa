"""An agency's lifecycle controls: suspend, reactivate, delete and undo, legal hold.

The controls are the partial platform/_lifecycle.html (taking `tenant`), shown on its own page
here and meant for the agency page; each POST answers htmx with the partial, else redirects.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, request, url_for
from flask_login import current_user

from bbp.platform import bp, lifecycle
from bbp.platform.forms import lifecycle_forms
from bbp.platform.roles import admin_required
from bbp.web.refusals import refused
from bbp.web.rendering import render, safe_next, wants_partial

AGENCY = "/agencies/<int:tenant_id>"
PAGE, PARTIAL = "platform/lifecycle.html", "platform/_lifecycle.html"


@bp.app_template_global()
def new_lifecycle_forms():
    """Empty lifecycle forms, for a page that includes the partial with only `tenant`."""
    return lifecycle_forms()


@bp.get(f"{AGENCY}/lifecycle")
@admin_required()
def lifecycle_page(tenant_id: int):
    """The agency's status, purge date and legal hold, with the controls for superadmins."""
    return _show(lifecycle.find(tenant_id))


def _show(tenant, status: int = 200, **context):
    """The partial for htmx swaps, else the page. The page names the agency `agency`: the base
    layout reads `tenant` as the site's own agency, which the console has none of."""
    if wants_partial():
        return render(PARTIAL, status=status, tenant=tenant, **context)
    return render(PAGE, status=status, agency=tenant, **context)


def _act(tenant_id: int, name: str, service: Callable, done: str):
    """Parse the control's form, call its service, answer with the partial or a redirect.

    A refusal about a field shows beside it; any other (the agency's state moved on, so the
    control may be gone) shows at the top of the controls."""
    forms = lifecycle_forms()
    form, refusal = forms[name], None
    if form.validate_on_submit():
        with refused(flashed=False) as refusal:
            confirm = (form.confirm.data,) if "confirm" in form else ()
            service(tenant_id, form.reason.data, *confirm, current_user)
            if not wants_partial():
                flash(done, "success")
                back = url_for("platform.lifecycle_page", tenant_id=tenant_id)
                return redirect(safe_next(request.form.get("next"), back))
            return _show(lifecycle.find(tenant_id), lifecycle_notice=done)
        if refusal.error.field:
            refusal.error.attach_to(form)
    problem = refusal.message if refusal and not refusal.error.field else None
    tenant = lifecycle.find(tenant_id)
    return _show(tenant, 422, lifecycle_forms=forms, lifecycle_error=problem)


@bp.post(f"{AGENCY}/suspend")
@admin_required("superadmin")
def suspend(tenant_id: int):
    """Suspend the agency: its staff are shut out; reminders and the portal go on."""
    return _act(tenant_id, "suspend", lifecycle.suspend, "The agency is suspended.")


@bp.post(f"{AGENCY}/reactivate")
@admin_required("superadmin")
def reactivate(tenant_id: int):
    """Let the agency's staff back in."""
    return _act(tenant_id, "reactivate", lifecycle.reactivate, "The agency is active again.")


@bp.post(f"{AGENCY}/delete")
@admin_required("superadmin")
def schedule_deletion(tenant_id: int):
    """Close the agency and purge it after the grace period."""
    done = "The agency is closed and scheduled for purging."
    return _act(tenant_id, "delete", lifecycle.schedule_deletion, done)


@bp.post(f"{AGENCY}/undelete")
@admin_required("superadmin")
def undo_deletion(tenant_id: int):
    """Undo a pending deletion."""
    return _act(tenant_id, "undelete", lifecycle.undo_deletion, "The deletion is undone.")


@bp.post(f"{AGENCY}/hold")
@admin_required("superadmin")
def set_hold(tenant_id: int):
    """Put the agency under legal hold."""
    return _act(tenant_id, "hold", lifecycle.set_legal_hold, "The agency is under legal hold.")


@bp.post(f"{AGENCY}/release")
@admin_required("superadmin")
def release_hold(tenant_id: int):
    """Release the agency's legal hold."""
    return _act(tenant_id, "release", lifecycle.release_legal_hold, "The legal hold is released.")
