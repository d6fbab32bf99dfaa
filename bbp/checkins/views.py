"""Staff: check-in schedules and the check-in list. Public: the texted check-in link."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from bbp.auth.roles import role_required, staff_required
from bbp.checkins import bp, services
from bbp.checkins.forms import CheckInForm, ScheduleForm
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.kernel.links import InvalidLink
from bbp.web.i18n import speak
from bbp.web.refusals import refused
from bbp.web.rendering import render

DEFENDANT = "<int(max=2147483647):defendant_id>"


def _defendant(defendant_id: int) -> Defendant:
    return db.session.get(Defendant, defendant_id) or abort(404)


@bp.get("/")
@staff_required
def index():
    """Today's check-ins, and the missed or still-open ones of the past week."""
    return render("checkins/index.html", board=services.today_and_overdue())


@bp.get(f"/defendants/{DEFENDANT}/schedule")
@role_required("agent")
def schedule(defendant_id: int):
    """The form to set or change a defendant's check-in schedule."""
    defendant = _defendant(defendant_id)
    current = services.schedule_of(defendant)
    form = ScheduleForm(obj=current)
    if current is not None:
        form.weekday.data = "" if current.weekday is None else str(current.weekday)
    return render("checkins/schedule.html", form=form, defendant=defendant, current=current)


@bp.post(f"/defendants/{DEFENDANT}/schedule")
@role_required("agent")
def save_schedule(defendant_id: int):
    """Save the schedule; errors keep what was typed."""
    defendant = _defendant(defendant_id)
    form = ScheduleForm()
    if form.validate_on_submit():
        with refused(form):
            services.set_schedule(
                defendant,
                form.weekday_number(),
                form.every_days.data,
                form.time_of_day.data,
                current_user,
                active=form.active.data,
            )
            flash("Check-in schedule saved.", "success")
            return redirect(url_for("defendants.show", defendant_id=defendant.id) + "#check-ins")
    current = services.schedule_of(defendant)
    return render(
        "checkins/schedule.html", form=form, defendant=defendant, current=current, status=422
    )


def _invalid(exc: InvalidLink):
    """Explain why a check-in link cannot be used, and what to do instead."""
    return render("checkins/link_invalid.html", message=exc.message, status=exc.status)


@bp.get("/<token>")
def public(token: str):
    """The defendant's check-in page, opened from the texted link (no sign-in)."""
    try:
        link = services.read_link(token)
    except InvalidLink as exc:
        return _invalid(exc)
    speak(link.checkin.defendant.language)
    return render("checkins/check_in.html", form=CheckInForm(), checkin=link.checkin, token=token)


@bp.post("/<token>")
def public_post(token: str):
    """Record the check-in (plain, or with the phone's location) and say thank you."""
    form = CheckInForm()
    try:
        link = services.read_link(token)
    except InvalidLink as exc:
        return _invalid(exc)
    speak(link.checkin.defendant.language)
    with refused(form):
        try:
            checkin = services.record(
                link,
                form.method.data or "plain",
                form.latitude.data,
                form.longitude.data,
                form.accuracy.data,
                request.remote_addr,
                request.user_agent.string,
            )
        except InvalidLink as exc:  # spent by a second tap meanwhile
            return _invalid(exc)
        return render("checkins/thanks.html", checkin=checkin)
    return render(
        "checkins/check_in.html", form=form, checkin=link.checkin, token=token, status=422
    )


@bp.app_template_global()
def checkin_section(defendant):
    """The defendant's schedule, next due time and recent check-ins, for the defendant page."""
    current = services.schedule_of(defendant)
    now = services.utcnow()
    return {
        "schedule": current,
        "next_due": services.next_due(current, now) if current else None,
        "recent": services.recent(defendant),
        "now": now,
    }
