"""The platform audit log read back: filtered by actor, action, agency and days, in sentences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, or_, select

from bbp.audit.describe import ACTIONS, ACTORS, FIELDS, SENTENCE
from bbp.audit.log import Change
from bbp.audit.values import humanize
from bbp.extensions import db
from bbp.kernel import search
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.models import Tenant
from bbp.web.rendering import paginate


@dataclass(frozen=True)
class Filters:
    """What the audit page is narrowed to; blank fields do not narrow it."""

    actor: str = ""
    action: str = ""
    agency: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Line:
    """One platform audit entry as people read it."""

    at: datetime
    sentence: str
    agency: str
    changes: tuple[Change, ...]
    account: str
    ip: str | None


def actions() -> list[str]:
    """Every action the platform log holds (the action filter's choices)."""
    query = select(PlatformAuditEntry.action).distinct().order_by(PlatformAuditEntry.action)
    return list(db.session.scalars(query))


def _conditions(filters: Filters) -> list:
    entry = PlatformAuditEntry
    found = []
    if filters.actor:
        found.append(search.contains(filters.actor.lower(), entry.actor_label))
    if filters.action:
        found.append(entry.action == filters.action)
    if filters.agency:
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == filters.agency))
        found.append(
            or_(
                and_(entry.target_type == "tenant", entry.target_id == str(tenant_id)),
                entry.after["agency"].astext == filters.agency,
            )
        )
    if filters.since:
        found.append(entry.occurred_at >= datetime.combine(filters.since, time(), UTC))
    if filters.until:
        end = datetime.combine(filters.until, time(), UTC) + timedelta(days=1)
        found.append(entry.occurred_at < end)
    return found


def _agencies(entries: list[PlatformAuditEntry]) -> dict[str, str]:
    ids = {int(e.target_id) for e in entries if e.target_type == "tenant" and e.target_id}
    rows = db.session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(ids)))
    return {str(tenant_id): name for tenant_id, name in rows}


def _changes(entry: PlatformAuditEntry) -> tuple[Change, ...]:
    before, after = entry.before or {}, entry.after or {}
    return tuple(
        Change(_label(name), _text(before.get(name)), _text(after.get(name)))
        for name in dict.fromkeys([*before, *after])
        if before.get(name) != after.get(name) and _kind(name) not in ("internal", "secret")
    )


def _label(name: str) -> str:
    return FIELDS[name].label if name in FIELDS else humanize(name)


def _kind(name: str) -> str:
    return FIELDS[name].kind if name in FIELDS else "text"


def _text(value) -> str | None:
    if value is None:
        return None
    return ", ".join(map(str, value)) or "none" if isinstance(value, list) else str(value)


def _sentence(entry: PlatformAuditEntry, agency: str) -> str:
    template = ACTIONS.get(entry.action)
    if template is None:
        return f"{ACTORS.get(entry.actor_label, entry.actor_label)}: {humanize(entry.action)}"
    values = dict.fromkeys(SENTENCE.unknown(template, ()), "(not recorded)")
    actor = ACTORS.get(entry.actor_label, entry.actor_label)
    values |= {"actor": actor, "subject": agency or "the platform"}
    for side, recorded in (("before", entry.before), ("after", entry.after)):
        for name, value in (recorded or {}).items():
            values[f"{side}.{name}"] = _text(value) or "none"
    text = SENTENCE.fill(template, values)
    return text if text.startswith(entry.actor_label) else text[:1].upper() + text[1:]


def lines(entries: list[PlatformAuditEntry]) -> list[Line]:
    """The entries as people read them: a sentence, the agency, the changes, the account."""
    names = _agencies(entries)
    found = []
    for entry in entries:
        agency = names.get(entry.target_id or "", "") if entry.target_type == "tenant" else ""
        agency = agency or (entry.after or {}).get("agency", "")
        found.append(
            Line(
                entry.occurred_at,
                _sentence(entry, agency),
                agency,
                _changes(entry),
                entry.actor_label,
                entry.ip,
            )
        )
    return found


def page(filters: Filters, per_page: int):
    """One page of the log, newest first, and its lines."""
    query = select(PlatformAuditEntry).where(*_conditions(filters))
    found = paginate(query.order_by(PlatformAuditEntry.id.desc()), per_page)
    return found, lines(found.items)
