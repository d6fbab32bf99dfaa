"""Collateral of a bond, returns, the held-collateral list and printable receipts."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from bbp.auth.roles import role_required, staff_required
from bbp.bonds import queries as bonds
from bbp.collateral import bp, services
from bbp.collateral.forms import CollateralForm, ReturnForm
from bbp.collateral.models import Collateral
from bbp.extensions import db
from bbp.kernel.clock import agency_today
from bbp.kernel.errors import DomainError
from bbp.web.refusals import refused
from bbp.web.rendering import paginate, render, wants_partial

PER_PAGE = 25
ID = "<int(max=2147483647):collateral_id>"
BOND = "<int(max=2147483647):bond_id>"


def _collateral(collateral_id: int) -> Collateral:
    return db.session.get(Collateral, collateral_id) or abort(404)


def _on_bond_page(collateral: Collateral):
    return redirect(url_for("bonds.show", bond_id=collateral.bond_id) + "#collateral")


@bp.get("/")
@staff_required
def index():
    """Held collateral (or returned), filtered by where it stands against its return deadline."""
    show = request.args.get("show", "held")
    show = show if show in services.FILTERS else "held"
    today = agency_today()
    page = paginate(services.listing(show, today), PER_PAGE)
    return render(
        "collateral/index.html",
        "collateral/_rows.html",
        page=page,
        show=show,
        filters=services.FILTERS,
        today=today,
    )


@bp.get(f"/bonds/{BOND}/new")
@role_required("agent")
def new(bond_id: int):
    """The form to receive collateral against a bond."""
    bond = bonds.get(bond_id)
    form = CollateralForm(pledged_by=bond.defendant.full_name)
    return render("collateral/form.html", form=form, bond=bond)


@bp.post(f"/bonds/{BOND}/new")
@role_required("agent")
def create(bond_id: int):
    """Receive the collateral and issue its receipt; errors keep what was typed."""
    bond = bonds.get(bond_id)
    form = CollateralForm()
    if form.validate_on_submit():
        with refused(form):
            collateral = services.receive(
                bond,
                form.kind.data,
                form.description.data,
                form.value.data,
                form.pledged_by.data or "",
                current_user,
            )
            flash(f"Collateral received: receipt {collateral.receipt_number}.", "success")
            return _on_bond_page(collateral)
    return render("collateral/form.html", form=form, bond=bond, status=422)


@bp.post(f"/{ID}/return")
@role_required("agent")
def mark_returned(collateral_id: int):
    """Record the return; htmx swaps the row in place, other requests go back to the bond."""
    collateral = _collateral(collateral_id)
    form = ReturnForm()
    with refused(flashed=False) as refusal:
        if not form.validate_on_submit():
            raise DomainError(next(iter(form.errors.values()))[0], "returned_to")
        services.mark_returned(collateral, form.returned_to.data, current_user)
    error = refusal.message
    if wants_partial():
        return render(
            "collateral/_row.html",
            item=collateral,
            today=agency_today(),
            error=error,
            typed=form.returned_to.data,
            status=422 if error else 200,
        )
    flash(
        error or f"Receipt {collateral.receipt_number} marked returned.",
        "error" if error else "success",
    )
    return _on_bond_page(collateral)


@bp.get(f"/{ID}/receipt")
@staff_required
def receipt(collateral_id: int):
    """A printable receipt for the person who pledged the collateral."""
    collateral = _collateral(collateral_id)
    return render(
        "collateral/receipt.html",
        item=collateral,
        received_by=services.staff_name(collateral.received_by_id),
    )


@bp.app_template_global()
def collateral_section(bond, loaded=None):
    """The bond's collateral and today's date, for the bond page (from what it `loaded`)."""
    items = loaded.collateral if loaded else services.of_bond(bond)
    return {"items": items, "today": agency_today()}
