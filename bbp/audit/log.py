"""Reading the audit log back: sentences and readable changes, in the agency's time zone."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bbp.audit.describe import ACTORS, FIELDS, SENTENCE, UNLISTED, Field, template
from bbp.audit.models import AuditEntry
from bbp.audit.subjects import Subjects
from bbp.audit.values import formatted, humanize
from bbp.extensions import db
from bbp.kernel.clock import agency_zone
from bbp.web.rendering import paginate

MISSING = object()
PEOPLE = {"defendant": "defendant", "cosigner": "indemnitor"}  # person refs {"kind", "id"}


@dataclass(frozen=True)
class Change:
    """One field that changed: its label and its values in words (None: not recorded)."""

    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Line:
    """One audit entry as people read it."""

    at: datetime
    sentence: str
    url: str | None
    changes: tuple[Change, ...]
    account: str  # the actor as recorded (an email, "system", "anonymous", …)
    ip: str | None


def _blank(value) -> bool:
    """Nothing worth listing for a new record (0 is a value: Monday, no days)."""
    return value is None or value is False or value in ("", [], {})


def _field(name: str) -> Field:
    return FIELDS.get(name) or Field(humanize(name))


def _wanted(entries: list[AuditEntry]) -> Iterator[tuple[str, object]]:
    """Every (subject kind, id) the entries name: targets, staff actors, ids among the values."""
    for entry in entries:
        yield entry.target_type, entry.target_id
        yield "user", entry.actor_id
        for recorded in (entry.before or {}, entry.after or {}):
            for name, value in recorded.items():
                field = _field(name)
                if field.kind == "ref":
                    yield field.names, value
                elif field.kind == "person" and isinstance(value, dict):
                    yield PEOPLE.get(value.get("kind"), ""), value.get("id")


class Describer:
    """Turns entries into lines, with their subjects loaded once for the whole batch."""

    def __init__(self, entries: list[AuditEntry]):
        self.subjects = Subjects(_wanted(entries))
        self.zone = agency_zone()

    def actor(self, entry: AuditEntry) -> str:
        staff = self.subjects.get("user", entry.actor_id) if entry.actor_id else None
        if staff is not None:
            return staff.label
        label = entry.actor_label or "system"
        if label.startswith("portal: "):
            return f"{label.removeprefix('portal: ')} (client portal)"
        return ACTORS.get(label, label)

    def value(self, name: str, value) -> str:
        """A recorded value in words; secrets are never shown."""
        field = _field(name)
        if field.kind == "secret":
            return "hidden"
        if field.kind in ("ref", "person"):
            kind, raw = field.names, value
            if field.kind == "person" and isinstance(value, dict):
                kind, raw = PEOPLE.get(value.get("kind"), ""), value.get("id")
            found = self.subjects.get(kind, raw)
            return found.label if found else ("none" if raw is None else "a deleted record")
        return formatted(field.kind, value, self.zone)

    def sentence(self, entry: AuditEntry, subject: str) -> str:
        chosen = template(entry.action, entry.after)
        if chosen is None:  # recorded by code older or newer than this list
            words = humanize(entry.action).lower()
            return f"{self.actor(entry)}: {words}" + (f" ({subject})" if subject else "")
        values = dict.fromkeys(SENTENCE.unknown(chosen, ()), "(not recorded)")
        missing = "a deleted record" if entry.target_type else "an email with no account"
        values |= {"actor": self.actor(entry), "subject": subject or missing}
        for side, recorded in (("before", entry.before), ("after", entry.after)):
            for name, value in (recorded or {}).items():
                values[f"{side}.{name}"] = self.value(name, value)
        text = SENTENCE.fill(chosen, values)
        return text[:1].upper() + text[1:]

    def changes(self, entry: AuditEntry) -> tuple[Change, ...]:
        """Changed fields only; a new record's blank fields and the sentence's own are left out."""
        chosen = template(entry.action, entry.after) or ""
        used = {n.partition(".")[2] for n in SENTENCE.unknown(chosen, ())}
        used |= set(UNLISTED.get(entry.action, ()))
        before, after = entry.before or {}, entry.after or {}
        found = []
        for name in dict.fromkeys([*before, *after]):
            old, new = before.get(name, MISSING), after.get(name, MISSING)
            if name in used or _field(name).kind == "internal" or old == new:
                continue
            if old is MISSING and _blank(new):
                continue
            if _field(name).kind == "secret":
                said = (
                    "removed"
                    if new in (None, "")
                    else "set"
                    if old in (MISSING, None, "")
                    else None
                )
                found.append(Change(_field(name).label, None, said or "changed"))
                continue
            shown = [None if v is MISSING else self.value(name, v) for v in (old, new)]
            found.append(Change(_field(name).label, *shown))
        return tuple(found)

    def line(self, entry: AuditEntry) -> Line:
        subject = self.subjects.get(entry.target_type, entry.target_id)
        return Line(
            entry.occurred_at,
            self.sentence(entry, subject.label if subject else ""),
            subject.url if subject else None,
            self.changes(entry),
            entry.actor_label,
            entry.ip,
        )


def lines(entries: Iterable[AuditEntry]) -> list[Line]:
    """The entries in words, in the order given."""
    entries = list(entries)
    describer = Describer(entries)
    return [describer.line(entry) for entry in entries]


def page(area: str, per_page: int):
    """One page of the log, newest first, filtered by an action prefix; and its lines."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if area:
        query = query.where(AuditEntry.action.startswith(area, autoescape=True))
    found = paginate(query, per_page)
    return found, lines(found.items)


def recent(limit: int) -> list[Line]:
    """The latest entries in words, for the dashboard."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    return lines(db.session.scalars(query))
