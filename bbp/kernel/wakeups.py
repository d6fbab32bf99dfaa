"""Wake-up times: when the scheduler next runs a periodic task for the bound agency.

Each agency has one row per periodic task in `public.tenant_wakeups` (ids and a time, nothing
else). The minute tick runs a task only for the agencies whose time has come, so an agency with
nothing due costs nothing. A service that changes what is due (a court date, a phone number, a
reminder policy, a check-in schedule, a signature request) calls `wake(task)` inside its own
transaction: the time only ever moves earlier here, and it commits or rolls back with the change.
After a task runs, the scheduler writes the task's own answer for when it is next needed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert

from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.tenancy import require_tenant
from bbp.tenancy.models import TenantWakeup

# The periodic tasks that services can wake (the schedule in bbp/jobs/schedule.py names them).
REMINDERS = "reminders"
CHECKINS = "checkins"
POWERS = "powers"
SIGNATURES = "signatures"
TEXTS = "texts"
TASKS = (REMINDERS, CHECKINS, POWERS, SIGNATURES, TEXTS)


def wake(task: str, at: datetime | None = None) -> None:
    """Run `task` for the bound agency no later than `at` (default: the next tick)."""
    if task not in TASKS:
        raise ValueError(f"unknown periodic task {task!r}")
    row = insert(TenantWakeup).values(
        tenant_id=require_tenant().id, task=task, due_at=at or utcnow()
    )
    db.session.execute(
        row.on_conflict_do_update(
            index_elements=[TenantWakeup.tenant_id, TenantWakeup.task],
            set_={"due_at": func.least(TenantWakeup.due_at, row.excluded.due_at)},
        )
    )
