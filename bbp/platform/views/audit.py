"""The platform audit log, filtered as you type by actor, action, agency and days."""

from __future__ import annotations

from flask import request
from wtforms import SelectChoice

from bbp.platform import auditlog, bp
from bbp.platform.operations_forms import AuditFilterForm
from bbp.platform.roles import admin_required
from bbp.web.rendering import render, wants_partial

PER_PAGE = 25


FILTERS = ("actor", "action", "agency", "since", "until")


def _filters(form: AuditFilterForm) -> auditlog.Filters:
    """The fields that parsed; one with an error narrows nothing until it is corrected."""
    kept = {}
    for name in FILTERS:
        field = getattr(form, name)
        if field.data and not field.errors:
            kept[name] = field.data.strip() if isinstance(field.data, str) else field.data
    if "agency" in kept:
        kept["agency"] = kept["agency"].lower()
    return auditlog.Filters(**kept)


@bp.get("/operations/audit")
@admin_required("superadmin", "support")
def audit():
    """Newest first; a filter that does not parse is shown beside its field (422), not applied."""
    form = AuditFilterForm(formdata=request.args)
    form.action.choices += [
        SelectChoice(code, auditlog.action_label(code)) for code in auditlog.actions()
    ]
    valid = form.validate()
    page, lines = auditlog.page(_filters(form), PER_PAGE)
    return render(
        "platform/operations/audit.html",
        "platform/operations/_audit_rows.html",
        form=form,
        page=page,
        lines=lines,
        swapped=wants_partial(),
        status=200 if valid else 422,
    )
