"""Court calendar, court dates of a bond, outcomes, forfeiture notices and .ics export."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_login import current_user

from bbp.auth.roles import role_required, staff_required
from bbp.bonds import queries as bonds
from bbp.courts import bp, ics, services
from bbp.courts import calendar as court_calendar
from bbp.courts.forms import CourtDateForm, NoticeForm, OutcomeForm
from bbp.courts.models import CourtDate, Forfeiture
from bbp.extensions import db
from bbp.kernel.clock import agency_now, agency_today, agency_zone, local, utcnow
from bbp.kernel.dates import COURT_DATE, query_date
from bbp.web.refusals import refused
from bbp.web.rendering import render, wants_partial

ID = "<int(max=2147483647):court_date_id>"
BOND = "<int(max=2147483647):bond_id>"


def _court_date(court_date_id: int) -> CourtDate:
    return db.session.get(CourtDate, court_date_id) or abort(404)


def _input(form: CourtDateForm) -> services.CourtDateInput:
    return services.CourtDateInput(
        form.starts_at.data,
        form.court_name.data or "",
        form.courtroom.data or "",
        form.address.data or "",
        form.kind.data,
        form.notes.data or "",
    )


@bp.get("/calendar")
@staff_required
def calendar():
    """Court dates of today and the next 7 days, of one day, or counted per day of a month."""
    shown = court_calendar.page(request.args.get("view", ""), query_date("date", COURT_DATE))
    return render("courts/calendar.html", page=shown)


@bp.get(f"/bonds/{BOND}/new")
@role_required("agent")
def new(bond_id: int):
    """The form to add a court date to a bond."""
    bond = bonds.get(bond_id)
    form = CourtDateForm(court_name=bond.court_name)
    return render("courts/form.html", form=form, bond=bond, court_date=None)


@bp.post(f"/bonds/{BOND}/new")
@role_required("agent")
def create(bond_id: int):
    """Add the court date; errors keep what was typed."""
    bond = bonds.get(bond_id)
    form = CourtDateForm()
    if form.validate_on_submit():
        with refused(form):
            services.schedule(bond, _input(form))
            flash("Court date added.", "success")
            return redirect(url_for("bonds.show", bond_id=bond.id) + "#court-dates")
    return render("courts/form.html", form=form, bond=bond, court_date=None, status=422)


@bp.get(f"/{ID}/edit")
@role_required("agent")
def edit(court_date_id: int):
    """The form to change a court date."""
    court_date = _court_date(court_date_id)
    form = CourtDateForm(obj=court_date)
    form.starts_at.data = local(court_date.starts_at, agency_zone()).replace(tzinfo=None)
    return render("courts/form.html", form=form, bond=court_date.bond, court_date=court_date)


@bp.post(f"/{ID}/edit")
@role_required("agent")
def update(court_date_id: int):
    """Save the changed court date."""
    court_date = _court_date(court_date_id)
    form = CourtDateForm()
    if form.validate_on_submit():
        with refused(form):
            services.reschedule(court_date, _input(form))
            flash("Court date changed.", "success")
            return redirect(url_for("bonds.show", bond_id=court_date.bond_id) + "#court-dates")
    return render(
        "courts/form.html", form=form, bond=court_date.bond, court_date=court_date, status=422
    )


@bp.get(f"/{ID}/outcome")
@role_required("agent")
def outcome(court_date_id: int):
    """The form to record what happened at court."""
    court_date = _court_date(court_date_id)
    return render("courts/outcome.html", form=OutcomeForm(), court_date=court_date)


@bp.post(f"/{ID}/outcome")
@role_required("agent")
def save_outcome(court_date_id: int):
    """Record the outcome; a failure to appear must be confirmed and forfeits the bond."""
    court_date = _court_date(court_date_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        with refused(form):
            services.record_outcome(
                court_date,
                form.outcome.data,
                current_user,
                continued_to=form.continued_to.data,
                confirmed=form.confirm.data,
                notice_mailed_on=form.notice_mailed_on.data,
            )
            flash("Outcome recorded.", "success")
            return redirect(url_for("bonds.show", bond_id=court_date.bond_id) + "#court-dates")
    return render("courts/outcome.html", form=form, court_date=court_date, status=422)


@bp.post("/forfeitures/<int(max=2147483647):forfeiture_id>/notice")
@role_required("agent")
def notice(forfeiture_id: int):
    """Record the notice mailing date, which makes the deadlines exact."""
    forfeiture = db.session.get(Forfeiture, forfeiture_id) or abort(404)
    form = NoticeForm()
    if form.validate_on_submit():
        with refused(form):
            services.set_notice_mailed(forfeiture, form.notice_mailed_on.data)
    if wants_partial():  # the court dates section swaps itself, the message beside the date
        return render(
            "courts/_bond_section.html",
            bond=forfeiture.bond,
            notice=(forfeiture.id, form),
            status=422 if form.errors else 200,
        )
    for messages in form.errors.values():
        flash(messages[0], "error")
    return redirect(url_for("bonds.show", bond_id=forfeiture.bond_id) + "#court-dates")


@bp.get(f"/bonds/{BOND}/court-dates.ics")
@staff_required
def bond_calendar(bond_id: int):
    """The bond's upcoming court dates as an iCalendar file."""
    bond = bonds.get(bond_id)
    dates, _ = services.of_bond(bond)
    events = [
        ics.court_date_event(
            d,
            g.tenant.slug,
            summary=f"Court: {bond.defendant.full_name} ({d.kind})",
            description=f"Bond {bond.number}, case {bond.case_number or 'n/a'}.",
        )
        for d in dates
        if d.outcome is None and d.starts_at >= utcnow()
    ]
    body = ics.calendar(events, name=f"Court dates {bond.number}", now=utcnow())
    return Response(
        body.encode(),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{bond.number}.ics"'},
    )


def _notice_form(forfeiture: Forfeiture, posted: NoticeForm | None) -> NoticeForm:
    form = posted or NoticeForm(formdata=None)
    form.notice_mailed_on.id = f"notice-{forfeiture.id}"  # one bond may list several forfeitures
    return form


@bp.app_template_global()
def court_section(bond, notice: tuple[int, NoticeForm] | None = None, loaded=None):
    """Court dates, forfeiture deadlines and notice forms (one as posted) for the bond page,
    from what the page `loaded`, if given."""
    dates, forfeitures = (
        (loaded.court_dates, loaded.forfeitures) if loaded else services.of_bond(bond)
    )
    posted_for, posted = notice or (None, None)
    return {
        "dates": dates,
        "forfeitures": [
            (f, services.deadlines(f), _notice_form(f, posted if f.id == posted_for else None))
            for f in forfeitures
        ],
        "today": agency_today(),
        "now": agency_now(),
    }
