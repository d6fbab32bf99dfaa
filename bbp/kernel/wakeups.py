"""Wake-up times: when the scheduler next runs a periodic task for the bound agency.

Each active agency has one row per periodic task in `public.tenant_wakeups` (ids and a time,
nothing else). The minute tick runs a task only for the agencies whose time has come, so an
agency with nothing due costs nothing. A service that changes what is due (a court date, a phone
number, a reminder policy, a check-in schedule, a signature request) calls `wake(task)` inside its
own transaction: the time only ever moves earlier here, and it commits or rolls back with the
change. After a task runs, the scheduler writes the task's own answer for when it is next needed.

Rows are made when an agency is created or its deletion undone (`enrol`) and dropped when its
deletion is scheduled (`forget`); a suspended agency keeps them, because the court reminders and
check-ins its defendants depend on go on. So the table holds exactly the work the tick may
claim; `repair` puts right what those missed (a task added by a deploy, rows written by hand)
and the tick runs it hourly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ARRAY, String, and_, delete, exists, func, literal, or_, select, true
from sqlalchemy.dialects.postgresql import insert

from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.tenancy import require_tenant
from bbp.tenancy.models import WORKING_STATUSES, Tenant, TenantWakeup

# The periodic tasks that services can wake (the schedule in bbp/jobs/schedule.py names them).
REMINDERS = "reminders"
CHECKINS = "checkins"
POWERS = "powers"
SIGNATURES = "signatures"
TEXTS = "texts"
USAGE = "usage"
METER = "meter"  # report the agency's sent texts to Stripe's meter (bbp/billing/metering.py)
AUTOPAY = "autopay"  # charge saved cards for installments due (bbp/merchant/autopay_charges.py)
EMAILS = "emails"  # send owed emails a lost hand-off or a refusal left (bbp/messaging/emails.py)
TASKS = (REMINDERS, CHECKINS, POWERS, SIGNATURES, TEXTS, USAGE, METER, AUTOPAY, EMAILS)


def wake(task: str, at: datetime | None = None, tenant_id: int | None = None) -> None:
    """Run `task` for the bound agency (or, from the platform's own code, agency `tenant_id`)
    no later than `at` (default: the next tick)."""
    if task not in TASKS:
        raise ValueError(f"unknown periodic task {task!r}")
    _upsert(tenant_id if tenant_id is not None else require_tenant().id, (task,), at or utcnow())


def enrol(tenant_id: int, at: datetime | None = None, tasks: Sequence[str] = TASKS) -> None:
    """Run every task for a new or restored agency at the next tick (or `at`)."""
    _upsert(tenant_id, tasks, at or utcnow())


def forget(tenant_id: int) -> None:
    """Drop a closed agency's rows: nothing claims them, and the lag must not count them."""
    db.session.execute(delete(TenantWakeup).where(TenantWakeup.tenant_id == tenant_id))


def _upsert(tenant_id: int, tasks: Sequence[str], at: datetime) -> None:
    rows = insert(TenantWakeup).values(
        [{"tenant_id": tenant_id, "task": task, "due_at": at} for task in tasks]
    )
    db.session.execute(
        rows.on_conflict_do_update(
            index_elements=[TenantWakeup.tenant_id, TenantWakeup.task],
            set_={"due_at": func.least(TenantWakeup.due_at, rows.excluded.due_at)},
        )
    )


def repair(now: datetime, tasks: Sequence[str] = TASKS) -> int:
    """Enrol working agencies' missing rows (due now); drop rows of closed agencies and of
    tasks no longer scheduled. Reads every agency: hourly work, never the minute's."""
    if not tasks:  # an app without a schedule must not read that as "drop every row"
        return 0
    wanted = literal(list(tasks), ARRAY(String))
    task = func.unnest(wanted).table_valued("task").render_derived()
    missing = (
        select(Tenant.id, task.c.task, literal(now))
        .select_from(Tenant)
        .join(task, true())  # every working agency times every scheduled task
        .where(Tenant.status.in_(WORKING_STATUSES))
        .where(
            ~exists().where(
                and_(TenantWakeup.tenant_id == Tenant.id, TenantWakeup.task == task.c.task)
            )
        )
    )
    added = db.session.execute(
        insert(TenantWakeup).from_select(["tenant_id", "task", "due_at"], missing)
    ).rowcount
    inactive = select(Tenant.id).where(Tenant.status.not_in(WORKING_STATUSES))
    dropped = db.session.execute(
        delete(TenantWakeup).where(
            or_(TenantWakeup.task != func.all(wanted), TenantWakeup.tenant_id.in_(inactive))
        )
    ).rowcount
    return added + dropped


def oldest_due(now: datetime | None = None) -> datetime | None:
    """The earliest due time no tick has claimed (a claimed row is leased into the future)."""
    with db.engine.connect() as conn:
        return conn.scalar(
            select(func.min(TenantWakeup.due_at)).where(TenantWakeup.due_at <= (now or utcnow()))
        )
