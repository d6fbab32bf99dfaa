"""The reminder policy page (admins)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from bbp.auth.roles import role_required
from bbp.reminders import bp, services, texts
from bbp.reminders.forms import PolicyForm, SenderForm, WordingForm
from bbp.settings import services as settings
from bbp.web.refusals import refused
from bbp.web.rendering import render


def _page(
    form: PolicyForm,
    status: int = 200,
    sender: SenderForm | None = None,
    wording: WordingForm | None = None,
):
    current = settings.current()
    if wording is None:
        wording = WordingForm(
            template_en=current.reminder_template_en, template_es=current.reminder_template_es
        )
        for name, problem in services.wording_problems().items():
            getattr(wording, name).errors = [problem]
    sender = sender or SenderForm(
        sms_sender=current.sms_sender,
        twilio_account_sid=current.twilio_account_sid,
        sms_sender_rate=current.sms_sender_rate,
    )
    return render(
        "reminders/policy.html",
        form=form,
        sender=sender,
        wording=wording,
        variables=texts.VARIABLES,
        status=status,
        samples={"English": services.sample("en"), "Español": services.sample("es")},
    )


@bp.get("/")
@role_required("admin")
def policy():
    """When reminders go out, with a sample of each language."""
    return _page(_policy_form())


@bp.post("/")
@role_required("admin")
def save():
    """Save the policy; a refusal keeps what was chosen."""
    form = PolicyForm()
    if form.validate_on_submit():
        with refused(form):
            services.save_policy(
                form.enabled.data,
                form.offsets.data or [],
                form.quiet_start.data,
                form.quiet_end.data,
                current_user,
                fta_text_cosigners=form.fta_text_cosigners.data,
            )
            flash("Reminder settings saved.", "success")
            return redirect(url_for("reminders.policy"))
    return _page(form, status=422)


@bp.post("/sender")
@role_required("admin")
def save_sender():
    """Save the agency's own number or service (and account); the token is stored encrypted."""
    form = SenderForm()
    if form.validate_on_submit():
        with refused(form):
            services.save_sender(
                form.sms_sender.data or "",
                form.twilio_account_sid.data or "",
                form.twilio_auth_token.data or "",
                current_user,
                rate=form.sms_sender_rate.data,
            )
            flash("Sending number saved.", "success")
            return redirect(url_for("reminders.policy"))
    return _page(_policy_form(), status=422, sender=form)


def _policy_form() -> PolicyForm:
    current = settings.current()
    return PolicyForm(
        enabled=current.reminders_enabled,
        offsets=current.reminder_offsets,
        quiet_start=current.quiet_start_hour,
        quiet_end=current.quiet_end_hour,
        fta_text_cosigners=current.fta_text_cosigners,
        formdata=None,
    )


@bp.post("/wording")
@role_required("admin")
def save_wording():
    """Save the agency's own reminder wording; unknown placeholders are refused."""
    form = WordingForm()
    if form.validate_on_submit():
        with refused(form):
            services.save_wording(
                form.template_en.data or "", form.template_es.data or "", current_user
            )
            flash("Reminder wording saved.", "success")
            return redirect(url_for("reminders.policy"))
    return _page(_policy_form(), status=422, wording=form)
