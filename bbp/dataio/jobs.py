"""The bond import job: batches of 200, each in one transaction, resumable and run once per file.

Each batch commits its bonds together with a `data.import_batch` audit entry saying how many rows
of the file are done, under a transaction-scoped advisory lock on the file. A second run of the
same file (a double click, a retried job, a worker that died mid-way) therefore starts after the
last committed batch, and a finished file, recorded by `data.imported`, imports nothing again.
Redis only mirrors progress for the progress bar.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert

from bbp.audit.models import AuditEntry
from bbp.audit.services import record
from bbp.auth.models import User
from bbp.bonds.models import Bond, BondIndemnitor, BondStatusChange, Charge
from bbp.dataio.imports import BondRow, Cosigner, Preview, inspect
from bbp.defendants.models import Defendant
from bbp.extensions import db, redis_client
from bbp.indemnitors.models import Indemnitor
from bbp.kernel.clock import agency_today, agency_zone
from bbp.kernel.keys import tenant_key
from bbp.kernel.numbering import Counter, next_number
from bbp.settings.services import premium_rule
from bbp.tenancy import require_tenant
from bbp.tenancy.jobs import enqueue

log = logging.getLogger(__name__)
BATCH = 200
KEEP_PROGRESS = 7 * 24 * 3600
OUR_NUMBER = re.compile(r"B-(\d{1,12})")


@dataclass(frozen=True)
class Import:
    """The audit target of one uploaded file (audit entries name it by its token)."""

    id: str


@dataclass(frozen=True)
class Progress:
    """Where an import stands: new, queued, running, done or failed."""

    status: str
    total: int = 0
    done: int = 0
    error: str = ""

    @property
    def active(self) -> bool:
        """Queued or running: the progress page keeps polling."""
        return self.status in ("queued", "running")

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0


def _entries(token: str, action: str):
    return (
        AuditEntry.action == action,
        AuditEntry.target_type == "import",
        AuditEntry.target_id == token,
    )


def imported_so_far(token: str) -> int:
    """Rows of this file committed by earlier batches (0 before the first)."""
    done = AuditEntry.after["done"].as_integer()
    query = select(func.max(done)).where(*_entries(token, "data.import_batch"))
    return db.session.scalar(query) or 0


def completion(token: str) -> AuditEntry | None:
    """The audit entry recording this file as fully imported, if it is."""
    return db.session.scalar(select(AuditEntry).where(*_entries(token, "data.imported")).limit(1))


def preview(token: str) -> Preview:
    """The stored file checked as it would import now; FileNotFoundError for unknown tokens."""
    return inspect(token, premium_rule(), agency_today(), imported_so_far(token))


# Progress, mirrored in Redis per agency and file ------------------------------


def _key(token: str) -> str:
    return tenant_key("dataio", "import", token)


def _publish(token: str, state: Progress) -> None:
    client = redis_client()
    fields = {"status": state.status, "total": state.total, "done": state.done}
    client.hset(_key(token), mapping=fields | {"error": state.error})
    client.expire(_key(token), KEEP_PROGRESS)


def progress(token: str) -> Progress | None:
    """The file's progress; None when this agency never started it (nor uploaded it)."""
    stored = {k.decode(): v.decode() for k, v in redis_client().hgetall(_key(token)).items()}
    if stored:
        return Progress(
            stored["status"], int(stored["total"]), int(stored["done"]), stored["error"]
        )
    finished = completion(token)
    if finished is not None:
        total = int(finished.after["total"])
        return Progress("done", total, total)
    return None


def start(state: Preview, user: User) -> Progress:
    """Queue a checked file for import, unless it is already queued, running or done."""
    current = progress(state.token)
    if current is not None and current.status != "failed":
        return current
    queued = Progress("queued", state.sheet.total, state.done)
    _publish(state.token, queued)
    enqueue(run_import, state.token, user.id)
    return queued


# The job ---------------------------------------------------------------------


def run_import(token: str, user_id: int | None) -> int:
    """Import a previewed file into the bound agency; returns how many rows are done."""
    finished = completion(token)
    if finished is not None:
        total = int(finished.after["total"])
        _publish(token, Progress("done", total, total))
        return total
    try:
        state = preview(token)
    except FileNotFoundError:
        _publish(token, Progress("failed", error="The uploaded file is gone: upload it again."))
        return 0
    total = state.sheet.total
    if state.errors:
        message = f"The file has {len(state.errors)} errors now: open its preview to see them."
        _publish(token, Progress("failed", total, state.done, message))
        return state.done
    user = db.session.get(User, user_id) if user_id else None
    done = state.done
    try:
        while done < total:
            _publish(token, Progress("running", total, done))
            done = _import_batch(state, user)
    except Exception:
        db.session.rollback()
        log.exception("import %s stopped after %s rows", token, done)
        message = f"The import stopped after {done} bonds. Run it again to import the rest."
        _publish(token, Progress("failed", total, done, message))
        raise
    _publish(token, Progress("done", total, total))
    return done


def _import_batch(state: Preview, user: User | None) -> int:
    """Import the next batch in one transaction; returns the rows done after it."""
    token, rows = state.token, state.sheet.rows
    key = f"{require_tenant().schema}:import:{token}"
    db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
    done = imported_so_far(token)  # read under the lock: another run may have gone ahead
    if done >= len(rows) or completion(token) is not None:
        db.session.rollback()
        return len(rows)
    _reserve_listed_numbers(rows)
    people: dict[tuple, Defendant | Indemnitor] = {}
    batch = rows[done : done + BATCH]
    with db.session.no_autoflush:  # one flush at commit lets SQLAlchemy batch the INSERTs
        numbers = [_add_bond(row, state, user, people) for row in batch]
    done += len(batch)
    record("data.import_batch", Import(token), after={"done": done, "bonds": numbers}, actor=user)
    if done == len(rows):
        record("data.imported", Import(token), after={"total": done}, actor=user)
    db.session.commit()
    return done


def _reserve_listed_numbers(rows: list[BondRow]) -> None:
    """Move the bond counter past numbers like B-000120 in the file, so new ones never clash."""
    listed = [int(m[1]) for r in rows if (m := OUR_NUMBER.fullmatch(r.bond_number))]
    if listed:
        db.session.execute(
            insert(Counter)
            .values(name="bond", value=max(listed))
            .on_conflict_do_update(
                index_elements=[Counter.name],
                set_={"value": func.greatest(Counter.value, max(listed))},
            )
        )


def _add_bond(row: BondRow, state: Preview, user: User | None, people: dict) -> str:
    pricing = state.pricing[row.row]
    bond = Bond(
        number=row.bond_number or f"B-{next_number('bond'):06d}",
        defendant=_defendant(row, people),
        status=row.status,
        case_number=row.case_number,
        court_name=row.court,
        county=row.county,
        bail_amount=row.bail_amount,
        premium=pricing.premium,
        fees=pricing.fees,
        premium_breakdown=pricing.breakdown,
        written_at=_local_midnight(row.written_on),
    )
    bond.charges = [
        Charge(
            position=0,
            description=row.charge,
            statute=row.statute,
            degree=row.degree,
            bail_amount=row.bail_amount,
        )
    ]
    if row.cosigner:
        bond.cosigners = [
            BondIndemnitor(
                indemnitor=_indemnitor(row.cosigner, people),
                relationship_to_defendant=row.cosigner.relationship,
            )
        ]
    db.session.add(bond)
    db.session.add(
        BondStatusChange(
            bond=bond,
            to_status=row.status,
            reason=f"Imported (row {row.row})",
            changed_by_id=getattr(user, "id", None),
            changed_by_label=getattr(user, "email", "import"),
        )
    )
    return bond.number


def _local_midnight(day) -> datetime | None:
    return datetime.combine(day, time(), agency_zone()) if day else None


def _defendant(row: BondRow, people: dict) -> Defendant:
    """One record per name and date of birth (in this file or already on file)."""
    new = Defendant(
        first_name=row.first_name, last_name=row.last_name, date_of_birth=row.dob, phone=row.phone
    )
    return _match(people, new, date_of_birth=row.dob) if row.dob else new


def _indemnitor(cosigner: Cosigner, people: dict) -> Indemnitor:
    """One record per cosigner name and phone (in this file or already on file)."""
    new = Indemnitor(
        first_name=cosigner.first_name, last_name=cosigner.last_name, phone=cosigner.phone
    )
    return _match(people, new, phone=cosigner.phone) if cosigner.phone else new


def _match(people: dict, new: Defendant | Indemnitor, **same) -> Defendant | Indemnitor:
    """The first person on file with new's name (any case) and `same` values, else new."""
    model = type(new)
    key = (model.__name__, new.first_name.lower(), new.last_name.lower(), *same.values())
    if key not in people:  # the batch's own new people are only here: nothing is flushed yet
        query = (
            select(model)
            .where(func.lower(model.first_name) == key[1], func.lower(model.last_name) == key[2])
            .where(*(getattr(model, name) == value for name, value in same.items()))
            .order_by(model.id)
            .limit(1)
        )
        people[key] = db.session.scalar(query) or new
    return people[key]
