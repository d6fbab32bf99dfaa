"""Power inventory: list and search, sureties, batches, row actions, reports."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, redirect, request, url_for
from sqlalchemy import select

from bbp.auth.models import User
from bbp.auth.roles import role_required, staff_required
from bbp.extensions import db
from bbp.kernel.clock import agency_today
from bbp.powers import bp, services
from bbp.powers.forms import MAX_SERIAL, BatchForm, SuretyForm
from bbp.powers.models import POWER_STATUSES, Power, Surety
from bbp.web.refusals import refused
from bbp.web.rendering import paginate, render, wants_partial

PER_PAGE = 25
ID = "<int(max=2147483647):power_id>"
CSV_HEADER = ("Power", "Surety", "Denomination", "Expires", "Status", "Bond", "Agent")


def _id_arg(source, name: str, low: int = 1) -> int | None:
    """An id or serial from a query string or form, or None when absent or out of range."""
    value = source.get(name, type=int)
    return value if value is not None and low <= value <= MAX_SERIAL else None


def _power(power_id: int) -> Power:
    return db.session.get(Power, power_id) or abort(404)


def _row_context(powers: list[Power]) -> dict:
    """What rows need besides the power: bond numbers, agent names, who can carry powers."""
    return {
        "bond_numbers": services.bond_numbers(powers),
        "names": services.staff_names(),
        "agents": services.assignable_staff(),
    }


@bp.get("/")
@staff_required
def index():
    """Powers, filterable by status and surety, searchable as you type by number."""
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    surety_id = _id_arg(request.args, "surety")
    page = paginate(services.search(q, status, surety_id), PER_PAGE)
    sureties = db.session.scalars(select(Surety).order_by(Surety.name)).all()
    return render(
        "powers/index.html",
        "powers/_rows.html",
        page=page,
        q=q,
        status_filter=status,
        surety_filter=surety_id,
        statuses=POWER_STATUSES,
        sureties=sureties,
        **_row_context(page.items),
    )


@bp.get("/sureties/new")
@role_required("admin")
def new_surety():
    """The add-surety form."""
    return render("powers/surety_form.html", form=SuretyForm())


@bp.post("/sureties/new")
@role_required("admin")
def create_surety():
    """Add a surety; errors keep everything typed."""
    form = SuretyForm()
    if form.validate_on_submit():
        with refused(form):
            surety = services.create_surety(form.name.data, form.buf_rate.data)
            flash(f"{surety.name} added.", "success")
            return redirect(url_for("powers.index"))
    return render("powers/surety_form.html", form=form, status=422)


def _batch_form() -> BatchForm:
    form = BatchForm()
    active = select(Surety).where(Surety.active).order_by(Surety.name)
    form.surety_id.choices = [(s.id, s.name) for s in db.session.scalars(active)]
    return form


@bp.get("/batches/new")
@role_required("manager")
def new_batch():
    """The receive-a-batch form."""
    return render("powers/batch_form.html", form=_batch_form(), preview=None)


@bp.get("/batches/preview")
@role_required("manager")
def preview_batch():
    """How many powers a range adds, and whether any number is taken (htmx fragment)."""
    first = _id_arg(request.args, "first_serial", low=0)
    last = _id_arg(request.args, "last_serial", low=0)
    preview = None
    with refused(flashed=False) as refusal:
        if first is not None and last is not None:
            preview = services.preview_batch(request.args.get("prefix", ""), first, last)
    return render("powers/_preview.html", preview=preview, error=refusal.message)


@bp.post("/batches/new")
@role_required("manager")
def create_batch():
    """Receive a batch; errors keep everything typed."""
    form = _batch_form()
    if form.validate_on_submit():
        with refused(form):
            batch = services.receive_batch(
                db.session.get(Surety, form.surety_id.data),
                form.prefix.data,
                form.first_serial.data,
                form.last_serial.data,
                form.denomination.data,
                form.expires_on.data,
            )
            count = batch.last_serial - batch.first_serial + 1
            flash(f"{count:,} powers received from {batch.surety.name}.", "success")
            return redirect(url_for("powers.index", surety=batch.surety_id))
    return render("powers/batch_form.html", form=form, preview=None, status=422)


def _row_action(power_id: int, action):
    """Run a row action; htmx swaps the row, plain forms get a flash and a redirect."""
    power = _power(power_id)
    with refused(flashed=not wants_partial()) as refusal:
        power = action(power)  # a refusal rolls back, releasing the row lock before rendering
    if refusal and wants_partial():
        context = _row_context([power]) | {"error": refusal.message}
        return render("powers/_row.html", power=power, status=409, **context)
    if refusal:
        return redirect(url_for("powers.index"))
    if wants_partial():
        return render("powers/_row.html", power=power, **_row_context([power]))
    return redirect(url_for("powers.index"))


@bp.post(f"/{ID}/assign")
@role_required("manager")
def assign(power_id: int):
    """Hand a power to an agent."""
    agent_id = _id_arg(request.form, "agent_id")
    agent = db.session.get(User, agent_id) if agent_id else None
    return _row_action(power_id, lambda power: services.assign(power, agent))


@bp.post(f"/{ID}/unassign")
@role_required("manager")
def unassign(power_id: int):
    """Take an assigned power back into the office's stock."""
    return _row_action(power_id, services.unassign)


@bp.post(f"/{ID}/void")
@role_required("manager")
def void(power_id: int):
    """Void an unused power with a reason."""
    reason = request.form.get("reason", "")
    return _row_action(power_id, lambda power: services.void(power, reason))


@bp.post(f"/{ID}/return")
@role_required("manager")
def return_to_surety(power_id: int):
    """Send an unused power back to its surety."""
    return _row_action(power_id, services.return_to_surety)


@bp.get("/report")
@role_required("manager")
def report():
    """Per surety: powers by status, executed liability and build-up fund."""
    surety_id = _id_arg(request.args, "surety")
    sureties = db.session.scalars(select(Surety).order_by(Surety.name)).all()
    rows = services.report(surety_id)
    return render("powers/report.html", rows=rows, sureties=sureties, surety_filter=surety_id)


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/report.csv")
@role_required("manager")
def report_csv():
    """Executed, voided and unexecuted powers as a spreadsheet download."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for power, bond_number, agent in services.listing(_id_arg(request.args, "surety")):
        writer.writerow(
            [
                _cell(power.number),
                _cell(power.surety.name),
                f"{power.denomination:.2f}",
                power.expires_on.isoformat(),
                power.status,
                _cell(bond_number),
                _cell(agent and (agent.name or agent.email)),
            ]
        )
    filename = f"powers-{agency_today().isoformat()}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
