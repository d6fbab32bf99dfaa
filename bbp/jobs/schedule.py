"""Every periodic tenant task, in one list that the app factory installs.

Nothing registers itself when its module is imported: a task missing here never runs, and
`tests/jobs/test_schedule.py` lists the tasks of an app built in a fresh process. Only the
factory imports this module, so bbp.jobs never sits in an import cycle with the features.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from bbp.checkins import services as checkins
from bbp.jobs import periodic
from bbp.jobs.periodic import Task
from bbp.kernel import wakeups
from bbp.messaging import emails
from bbp.messaging import upkeep as texts
from bbp.powers import services as powers
from bbp.reminders import services as reminders
from bbp.signatures import upkeep as signatures
from bbp.usage import services as usage

DAY = timedelta(days=1)
# The backstop for a missed wake-up of the minute tasks: services wake them when what is due
# changes, so the sweep only catches bugs and data written behind the services' backs. Hourly
# cost 35 agency-runs a minute at 1,000 agencies (2-3 s on 2 workers); every 6 hours, 6.
MINUTE_TASKS_SWEEP = timedelta(hours=6)

# Each runs for an agency when its time in tenant_wakeups comes (see bbp/jobs/periodic.py), then
# says when the agency next needs it; `sweep` is the longest an agency goes without a run.
SCHEDULE: tuple[Task, ...] = (
    # plan court reminders and queue the due ones as texts
    Task(wakeups.REMINDERS, reminders.tick, reminders.next_due, MINUTE_TASKS_SWEEP),
    # skip texts too late to be useful, recover lost send jobs, flag interrupted sends
    Task(wakeups.TEXTS, texts.tend, texts.next_due, MINUTE_TASKS_SWEEP),
    # send owed emails a lost hand-off left or a refusal held back; forget sent ones
    Task(wakeups.EMAILS, emails.tend, emails.next_due, MINUTE_TASKS_SWEEP),
    # text due check-in links, flag missed check-ins
    Task(wakeups.CHECKINS, checkins.every_minute, checkins.next_run, MINUTE_TASKS_SWEEP),
    # powers past their expiration date
    Task(wakeups.POWERS, powers.expire_overdue, powers.next_expiry, DAY),
    # remind unsigned signers, expire stale requests
    Task(wakeups.SIGNATURES, signatures.every_hour, signatures.next_due, DAY),
    # the agency's usage snapshot (counts and sizes) the console lists and sorts by
    Task(wakeups.USAGE, usage.measure, usage.next_due, usage.EVERY),
)


def init_app(app: Flask, billing: tuple[Task, ...] = ()) -> None:
    """Install the schedule on the app, for the scheduler's tick, with billing's tenant tasks
    (billing is a sibling of bbp.jobs in the import contract: the factory passes them in)."""
    periodic.install(app, SCHEDULE + billing)
