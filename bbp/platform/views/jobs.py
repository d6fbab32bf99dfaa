"""Console jobs: queue backlogs and failed jobs by agency and task, with retry and delete."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from bbp.platform import bp, job_board
from bbp.platform.operations_forms import RetryAgencyForm
from bbp.platform.roles import admin_required
from bbp.web.refusals import refused
from bbp.web.rendering import Page, render, requested_page

PER_PAGE = 25


def _page(failed: list) -> Page:
    number = requested_page()
    shown = failed[(number - 1) * PER_PAGE : number * PER_PAGE]
    return Page(shown, number, PER_PAGE, len(failed))


def _board(form: RetryAgencyForm, status: int = 200):
    agency = request.args.get("agency", "").strip().lower()
    task = request.args.get("task", "").strip()
    failed = job_board.failed_jobs(agency, task)
    return render(
        "platform/operations/jobs.html",
        "platform/operations/_failed.html",
        backlogs=job_board.backlogs(),
        groups=job_board.groups(failed),
        page=_page(failed),
        agency=agency,
        task=task,
        form=form,
        status=status,
    )


def _back() -> str:
    """The jobs page with the filters the action was taken under."""
    kept = {name: request.args.get(name) for name in ("agency", "task")}
    return url_for("platform.jobs", **{k: v for k, v in kept.items() if v})


@bp.get("/operations/jobs")
@admin_required("superadmin", "support")
def jobs():
    """Backlogs and failed jobs, filtered by agency and task as you type."""
    return _board(RetryAgencyForm(agency=request.args.get("agency", "")))


@bp.post("/operations/jobs/<job_id>/retry")
@admin_required("superadmin", "support")
def retry_job(job_id: str):
    """Put one failed job back on its queue."""
    with refused():
        shown = job_board.retry(job_id, current_user)
        flash(f"{shown.task} for {shown.agency} is back on the {shown.queue} queue.", "success")
    return redirect(_back())


@bp.post("/operations/jobs/<job_id>/delete")
@admin_required("superadmin")
def delete_job(job_id: str):
    """Drop one failed job for good."""
    with refused():
        shown = job_board.delete(job_id, current_user)
        flash(f"The failed {shown.task} job for {shown.agency} is deleted.", "success")
    return redirect(_back())


@bp.post("/operations/jobs/retry")
@admin_required("superadmin", "support")
def retry_agency():
    """Put every failed job of one agency back on its queue."""
    form = RetryAgencyForm()
    if form.validate_on_submit():
        slug = form.agency.data.strip().lower()
        with refused(form):
            count = job_board.retry_agency(slug, current_user)
            flash(f"{count} failed job{'s' if count != 1 else ''} back on the queue.", "success")
            return redirect(url_for("platform.jobs", agency=slug))
    return _board(form, status=422)
