"""The agency settings page and its live premium example."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import flash, redirect, request, url_for
from flask_login import current_user

from bbp.auth.roles import role_required
from bbp.bonds.premium import Fee, PremiumRule
from bbp.kernel.errors import DomainError
from bbp.settings import bp, services
from bbp.settings.forms import PremiumForm, SettingsForm, settings_form
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


def _page(form: SettingsForm, rules: StateRules | None, example: dict, status: int = 200):
    return render("settings/index.html", form=form, rules=rules, status=status, **example)


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
