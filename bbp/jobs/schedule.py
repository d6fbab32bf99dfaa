"""Every periodic tenant task, in one list that the app factory installs.

Nothing registers itself when its module is imported: a task missing here never runs, and
`tests/jobs/test_schedule.py` lists the tasks of an app built in a fresh process. Only the
factory imports this module, so bbp.jobs never sits in an import cycle with the features.
"""

from __future__ import annotations

from flask import Flask

from bbp.checkins import services as checkins
from bbp.jobs import periodic
from bbp.powers import services as powers
from bbp.reminders import services as reminders
from bbp.signatures import upkeep as signatures

# (task, every how many minutes), run in each active agency's context by the minute tick.
SCHEDULE: tuple[periodic.Task, ...] = (
    (reminders.tick, 1),  # plan and send court reminders, recover lost send jobs
    (checkins.every_minute, 1),  # text due check-in links, flag missed check-ins
    (powers.expire_overdue, 60),  # powers past their expiration date
    (signatures.every_hour, 60),  # remind unsigned signers, expire stale requests
)


def init_app(app: Flask) -> None:
    """Install the schedule on the app, for the scheduler's tick."""
    periodic.install(app, SCHEDULE)
