"""The agency settings page and its live premium example."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_login import current_user

from bbp.auth.roles import role_required
from bbp.bonds.premium import Fee, PremiumRule
from bbp.dataio import archives
from bbp.kernel.errors import DomainError
from bbp.settings import bp, services
from bbp.settings.forms import ArchiveDownloadForm, PremiumForm, SettingsForm, settings_form
from bbp.tenancy import require_tenant
from bbp.web.refusals import refused
from bbp.web.rendering import render

if TYPE_CHECKING:
    from bbp.courts.forfeiture import StateRules


def _rule(form: PremiumForm) -> PremiumRule:
    fees = (entry.form for entry in form.fees)
    return PremiumRule(
        rate=form.rate.data / 100,
        minimum_per_bond=form.minimum_per_bond.data,
        minimum_per_charge=form.minimum_per_charge.data,
        fees=tuple(Fee((f.name.data or "").strip(), f.amount.data) for f in fees if not f.blank),
        term=form.premium_term.data,
    )


def _input(form: SettingsForm) -> services.SettingsInput:
    return services.SettingsInput(
        _rule(form), form.collateral_return_days.data, form.override_days(), form.details()
    )


def _example(form: PremiumForm | None = None) -> dict:
    """The example quote under the saved rule or a validated edited one, or why there is none."""
    if form is not None and (error := form.premium_error()):
        return {"example": None, "example_error": error, "annual": False}
    rule = services.premium_rule() if form is None else _rule(form)
    try:
        return {
            "example": services.example(rule),
            "example_error": None,
            "annual": rule.term == "annual",
        }
    except DomainError as exc:
        return {"example": None, "example_error": exc.message, "annual": False}


def _your_data() -> dict:
    """The owner's "Download all your data" section (nothing for other roles)."""
    if current_user.role != "owner":
        return {}
    return {"archives": archives.archives_of(require_tenant().id, limit=3)}


def _page(form: SettingsForm, rules: StateRules | None, example: dict, status: int = 200):
    more = _your_data()
    return render("settings/index.html", form=form, rules=rules, status=status, **example, **more)


@bp.get("/")
@role_required("admin")
def index():
    """The agency settings, with an example premium under the saved rule."""
    rules = services.forfeiture_rules()
    return _page(settings_form(rules, services.current()), rules, _example())


@bp.post("/")
@role_required("admin")
def save():
    """Save the settings; errors keep what was typed."""
    rules = services.forfeiture_rules()
    form = settings_form(rules)
    if request.form.get("more"):  # "Add rows" without JavaScript: same form, more blanks
        form.add_fee_rows()
        return _page(form, rules, _example())
    if form.validate_on_submit():
        with refused(form):
            services.save(_input(form), current_user)
            flash("Settings saved. Bonds already priced keep their premium.", "success")
            return redirect(url_for("settings.index"))
    return _page(form, rules, _example(form), status=422)


@bp.post("/preview")
@role_required("admin")
def preview():
    """Only the example premium for the rule being edited; saves nothing."""
    form = PremiumForm()
    form.validate()
    example = _example(form)
    status = 422 if example["example_error"] else 200
    return render("settings/_example.html", status=status, **example)


@bp.get("/your-data")
@role_required("owner")
def your_data():
    """The owner's archives, for the section's progress polling."""
    return render("settings/_your_data.html", **_your_data())


@bp.post("/your-data")
@role_required("owner")
def your_data_archive():
    """Make an archive of all the agency's data for its owner."""
    with refused():
        archives.start(require_tenant(), current_user)
        flash("Your archive is being made: it appears below when it is ready.", "success")
    return redirect(url_for("settings.index") + "#your-data")


@bp.get("/your-data/<int:archive_id>/download")
@role_required("owner")
def your_data_confirm(archive_id: int):
    """Ask for the owner's password before the download."""
    archive = archives.owned(archive_id)
    if archive is None:
        abort(404)
    form = ArchiveDownloadForm()
    return render("settings/download.html", form=form, archive=archive)


@bp.post("/your-data/<int:archive_id>/download")
@role_required("owner")
def your_data_download(archive_id: int):
    """Download an archive after the owner enters their password again; audited."""
    archive = archives.owned(archive_id)
    if archive is None:
        abort(404)
    form = ArchiveDownloadForm()
    if form.validate_on_submit():
        with refused(form, field="password"):
            chunks = archives.owner_download(archive_id, current_user, form.password.data)
            name = f"{require_tenant().slug}-archive-{archive_id}.tar"
            return Response(
                stream_with_context(chunks),
                mimetype="application/x-tar",
                headers={
                    "Content-Disposition": f'attachment; filename="{name}"',
                    "Cache-Control": "private, no-store",
                },
            )
    return render("settings/download.html", form=form, archive=archive, status=422)
