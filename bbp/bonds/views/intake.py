"""Bond intake in steps: defendant, charges, cosigners, then review and write (plan_step.py
has the premium and plan)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from bbp.auth.roles import role_required
from bbp.bonds import bp, lifecycle, queries, services
from bbp.bonds.forms import ChargesForm, CosignerForm, ExistingCosignerForm, WriteForm
from bbp.bonds.views.steps import ID, STEPS, Preview, render_step
from bbp.defendants import services as defendants
from bbp.defendants.forms import DefendantForm
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.indemnitors import services as indemnitors
from bbp.indemnitors.models import Indemnitor
from bbp.kernel.clock import agency_today
from bbp.web.forms import add_blank_rows
from bbp.web.refusals import refused
from bbp.web.rendering import paginate, render


@bp.get("/new")
@role_required("agent")
def new():
    """Step 1: pick the defendant (live search) or add one."""
    q = request.args.get("q", "").strip()
    page = paginate(defendants.search(q), 10) if q else None
    return render(
        "bonds/intake/defendant.html",
        "bonds/intake/_defendant_rows.html",
        form=DefendantForm(),
        page=page,
        q=q,
        steps=STEPS,
        step="defendant",
    )


@bp.post("/new")
@role_required("agent")
def start():
    """Start a quote for an existing defendant, or for one typed in here."""
    defendant_id = request.form.get("defendant_id", type=int)
    if defendant_id:
        defendant = db.session.get(Defendant, defendant_id)
    else:
        form = DefendantForm()
        if not form.validate_on_submit():
            return render(
                "bonds/intake/defendant.html",
                form=form,
                page=None,
                q="",
                steps=STEPS,
                step="defendant",
                status=422,
            )
        defendant = defendants.save(None, form.data)
    if defendant is None:
        flash("That defendant no longer exists.", "error")
        return redirect(url_for("bonds.new"))
    bond = services.start_quote(defendant, current_user)
    return redirect(url_for("bonds.charges", bond_id=bond.id))


@bp.get(f"/{ID}/charges")
@role_required("agent")
def charges(bond_id: int):
    """Step 2: case details and charges, with two blank rows to fill."""
    bond = queries.get(bond_id)
    form = ChargesForm(obj=bond, charges=[*bond.charges, None, None], years=bond.premium_years)
    if bond.bail_override_reason:
        form.override.data, form.override_reason.data = bond.bail_amount, bond.bail_override_reason
    return render_step("charges.html", bond, "charges", form=form)


@bp.post(f"/{ID}/charges")
@role_required("agent")
def save_charges(bond_id: int):
    """Save the charges and show the premium they make."""
    bond = queries.get(bond_id)
    form = ChargesForm()
    if request.form.get("more"):  # "Add rows" without JavaScript: same form, more blanks
        if add_blank_rows(form.charges):
            return render_step("charges.html", bond, "charges", form=form)
        form.form_errors.append(f"A bond can list at most {form.charges.max_entries} charges.")
        return render_step("charges.html", bond, "charges", form=form, status=422)
    if form.validate_on_submit():
        rows = [
            services.ChargeInput(
                c.description.data, c.statute.data or "", c.degree.data, c.bail_amount.data
            )
            for c in (entry.form for entry in form.charges)
            if not c.blank
        ]
        with refused(form):
            services.save_charges(
                bond,
                form.data,
                rows,
                form.override.data,
                form.override_reason.data or "",
                form.years.data or 1,
            )
            return redirect(url_for("bonds.cosigners", bond_id=bond.id))
    return render_step("charges.html", bond, "charges", form=form, status=422)


@bp.get(f"/{ID}/cosigners")
@role_required("agent")
def cosigners(bond_id: int):
    """Step 3: the people who guarantee the bond."""
    bond = queries.get(bond_id)
    q = request.args.get("q", "").strip()
    matches = _cosigner_matches(q)
    if q and request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return render("bonds/intake/_cosigner_matches.html", bond=bond, matches=matches, q=q)
    return render_step(
        "cosigners.html", bond, "cosigners", form=CosignerForm(), matches=matches, q=q
    )


def _cosigner_matches(q: str) -> list[Indemnitor]:
    if not q:
        return []

    return db.session.scalars(indemnitors.search(q).limit(8)).all()


@bp.post(f"/{ID}/cosigners")
@role_required("agent")
def add_cosigner(bond_id: int):
    """Add a cosigner picked from the search or typed in."""

    bond = queries.get(bond_id)
    refusal = lifecycle.terms_lock(bond.status)
    if refusal:  # before typing a new person into the book
        flash(refusal, "error")
        return redirect(url_for("bonds.show", bond_id=bond.id))
    picked = ExistingCosignerForm() if request.form.get("indemnitor_id") else None
    form = CosignerForm() if picked is None else None
    with refused():
        if picked is not None and picked.validate_on_submit():
            services.add_existing_cosigner(
                bond, picked.indemnitor_id.data, picked.relationship.data or ""
            )
        elif form is not None and form.validate_on_submit():
            person = {
                "first_name": form.first_name.data,
                "last_name": form.last_name.data,
                "phone": form.phone.data,
            }
            services.add_new_cosigner(bond, person, form.relationship.data or "")
        else:
            return render_step(
                "cosigners.html",
                bond,
                "cosigners",
                form=form or CosignerForm(),
                matches=[],
                q="",
                status=422,
            )
    return redirect(url_for("bonds.cosigners", bond_id=bond.id))


@bp.post(f"/{ID}/cosigners/<int(max=2147483647):indemnitor_id>/remove")
@role_required("agent")
def remove_cosigner(bond_id: int, indemnitor_id: int):
    """Take a cosigner off a bond that is not written yet."""
    bond = queries.get(bond_id)
    with refused():
        services.remove_cosigner(bond, indemnitor_id)
    return redirect(url_for("bonds.cosigners", bond_id=bond.id))


def _write_form(bond) -> WriteForm:
    form = WriteForm()
    powers = queries.usable_powers(bond, current_user, agency_today())
    form.power_id.choices = [
        (
            p.id,
            f"{p.number} · {p.surety.name} · up to ${p.denomination:,}"
            f" · expires {p.expires_on:%b %-d, %Y}",
        )
        for p in powers
    ]
    return form


@bp.get(f"/{ID}/review")
@role_required("agent")
def review(bond_id: int):
    """Step 5: check everything, choose the power, write the bond."""
    bond = queries.get(bond_id)
    return _review(bond, _write_form(bond))


@bp.post(f"/{ID}/write")
@role_required("agent")
def write(bond_id: int):
    """Write the bond on the chosen power; a refusal explains itself and changes nothing."""
    bond = queries.get(bond_id)
    form = _write_form(bond)
    if form.validate_on_submit():
        with refused(form):
            services.write(bond, form.power_id.data, current_user)
            flash(f"Bond {bond.number} is written.", "success")
            return redirect(url_for("bonds.show", bond_id=bond.id))
    return _review(bond, form, status=422)


def _review(bond, form: WriteForm, status: int = 200):
    plan = queries.plan_of(bond)
    return render_step(
        "review.html", bond, "review", form=form, plan=plan, preview=Preview.of(plan), status=status
    )
