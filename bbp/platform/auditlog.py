"""The platform audit log read back: filtered by actor, action, agency and days, in sentences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select

from bbp.audit.describe import ACTIONS, ACTORS, AREAS, FIELDS, SENTENCE, Field
from bbp.audit.log import Change
from bbp.audit.values import formatted, humanize
from bbp.billing.dunning import STATE_LABELS
from bbp.billing.models import SUBSCRIPTION_LABELS, Plan
from bbp.billing.services import overage_label
from bbp.extensions import db
from bbp.kernel import search
from bbp.kernel.placeholders import short
from bbp.merchant import fees
from bbp.platform.lifecycle import STATUS_LABELS
from bbp.platform.models import PlatformAdmin, PlatformAuditEntry
from bbp.tenancy.models import Tenant
from bbp.web.rendering import paginate
from bbp.web.templating import format_money

UTC_ZONE = ZoneInfo("UTC")  # the console shows every time in UTC, and says so
STRIPE_IDS = {
    "stripe_price_id",
    "stripe_overage_price_id",
    "subscription",
    "stripe_account",
    "stripe",
}

# Value shapes only the platform log records, beside bbp.audit.values.FORMATS.
KINDS: dict[str, Callable] = {
    "standing": lambda v: STATE_LABELS[v],
    "agency_status": lambda v: STATUS_LABELS[v],
    "subscription": lambda v: SUBSCRIPTION_LABELS[v],
    "cents": lambda v: format_money(Decimal(str(v)) / 100),
    "per_text": lambda v: overage_label(Decimal(str(v))),
}
# A field whose name means something else in these actions (exact code or "prefix."): a
# `status` is an agency's in tenant.*, a subscription's in billing.subscription_status.
BY_ACTION = {
    ("dunning.", "state"): Field("Billing standing", "standing"),
    ("tenant.", "status"): Field("Status", "agency_status"),
    ("billing.subscription_status", "status"): Field("Subscription", "subscription"),
    ("plan.", "monthly_price_cents"): Field("Monthly price", "cents"),
    ("plan.", "text_overage_cents"): Field("Price per extra text", "per_text"),
}


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
    stripe: tuple[str, ...]  # Stripe's ids, shown small beside the sentence
    account: str
    ip: str | None


def actions() -> list[str]:
    """Every action the platform log holds (the action filter's choices)."""
    query = select(PlatformAuditEntry.action).distinct().order_by(PlatformAuditEntry.action)
    return list(db.session.scalars(query))


def action_label(code: str) -> str:
    """An action in words for the filter: "Background jobs: deleted" for job.deleted."""
    area = next((label for prefix, label in AREAS.items() if code.startswith(prefix)), None)
    rest = humanize(code.split(".", 1)[-1])
    return f"{area}: {rest.lower()}" if area else humanize(code)


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


def _names(entries: list[PlatformAuditEntry]) -> dict[tuple[str, str], str]:
    """What the entries point at, by (target type, id): agencies, plans and console admins."""
    wanted = {
        "tenant": (Tenant, Tenant.name),
        "plan": (Plan, Plan.name),
        "platformadmin": (PlatformAdmin, PlatformAdmin.email),
    }
    found = {}
    for kind, (model, column) in wanted.items():
        ids = {e.target_id for e in entries if e.target_type == kind and e.target_id}
        ids = {int(i) for i in ids if i.isdigit()}
        if ids:
            rows = db.session.execute(select(model.id, column).where(model.id.in_(ids)))
            found |= {(kind, str(row_id)): name for row_id, name in rows}
    return found


def _field(action: str, name: str) -> Field:
    for (code, field_name), field in BY_ACTION.items():
        if field_name == name and (action == code or (code[-1] == "." and action.startswith(code))):
            return field
    return FIELDS.get(name) or Field(humanize(name))


def value(action: str, name: str, raw) -> str:
    """A recorded value in words, read by its action and field; its raw text if it does not fit."""
    field = _field(action, name)
    if raw is None or raw == "":
        return "none"
    try:
        if field.kind in KINDS:
            return KINDS[field.kind](raw)
        if field.kind == "datetime":
            datetime.fromisoformat(str(raw))
            return f"{formatted(field.kind, raw, UTC_ZONE)} UTC"
        if isinstance(raw, list):
            return ", ".join(map(str, raw)) or "none"
        return formatted(field.kind, raw, UTC_ZONE)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, InvalidOperation):
        return short(str(raw), 80)


def _fee(side: dict) -> str:
    """A plan's fee as the plans page words it ("0.25% + $0.30"); "none" for no fee."""
    bps, cents = side.pop("bps", 0), side.pop("fixed_cents", 0)
    try:
        words = fees.label(int(bps or 0), int(cents or 0))
    except (TypeError, ValueError):
        return f"{bps} basis points + {cents} cents"
    return "none" if words == "None" else words


def _recorded(entry: PlatformAuditEntry) -> tuple[dict, dict]:
    """The entry's before and after, a fee's two numbers folded into one value in words."""
    before, after = dict(entry.before or {}), dict(entry.after or {})
    if entry.action == "plan.fee_changed":
        for side in (before, after):
            if "bps" in side or "fixed_cents" in side:
                side["fee"] = _fee(side)
    return before, after


def _stripe(before: dict, after: dict) -> tuple[str, ...]:
    """Stripe's ids, kept for looking up in the Dashboard but out of the sentence."""
    found = []
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name), after.get(name)
        if name not in STRIPE_IDS or not (old or new):
            continue
        label = _field("", name).label
        was = f" (was {old})" if old and new and old != new else ""
        found.append(f"{label} {new or old}{was}")
    return tuple(found)


def _changes(action: str, before: dict, after: dict, used: set[str]) -> tuple[Change, ...]:
    found = []
    for name in dict.fromkeys([*before, *after]):
        field = _field(action, name)
        if name in used or name in STRIPE_IDS or field.kind in ("internal", "secret"):
            continue
        old = value(action, name, before[name]) if name in before else None
        new = value(action, name, after[name]) if name in after else None
        if old != new:
            found.append(Change(field.label, old, new))
    return tuple(found)


def _sentence(entry: PlatformAuditEntry, subject: str, before: dict, after: dict) -> str:
    template = ACTIONS.get(entry.action)
    actor = ACTORS.get(entry.actor_label, entry.actor_label)
    if template is None:
        return f"{actor}: {humanize(entry.action)}"
    values = dict.fromkeys(SENTENCE.unknown(template, ()), "(not recorded)")
    values |= {"actor": actor, "subject": subject or "the platform"}
    for side, recorded in (("before", before), ("after", after)):
        for name, raw in recorded.items():
            values[f"{side}.{name}"] = value(entry.action, name, raw)
    text = SENTENCE.fill(template, values)
    return text if text.startswith(entry.actor_label) else text[:1].upper() + text[1:]


def lines(entries: list[PlatformAuditEntry]) -> list[Line]:
    """The entries as people read them: a sentence, the agency, the changes, the account."""
    names = _names(entries)
    found = []
    for entry in entries:
        subject = names.get((entry.target_type or "", entry.target_id or ""), "")
        agency = subject if entry.target_type == "tenant" else ""
        agency = agency or str((entry.after or {}).get("agency", ""))
        before, after = _recorded(entry)
        template = ACTIONS.get(entry.action) or ""
        used = {n.partition(".")[2] for n in SENTENCE.unknown(template, ())}
        found.append(
            Line(
                entry.occurred_at,
                _sentence(entry, subject or agency, before, after),
                agency,
                _changes(entry.action, before, after, used),
                _stripe(before, after),
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
