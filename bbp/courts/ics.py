"""iCalendar (RFC 5545) export of court dates, with reminders a day and two hours before."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bbp.kernel.clock import local
from bbp.kernel.dates import later

CRLF = "\r\n"
LINE_OCTETS = 75
PRODID = "-//BailBondPro//Court dates//EN"
# (trigger, alarm text prefix): one reminder the day before, one two hours before.
ALARMS = (("-P1D", "Tomorrow"), ("-PT2H", "In 2 hours"))
DURATION_MINUTES = 120  # how long a court date blocks the calendar

# RFC 5545 TEXT allows no control characters except tab; line breaks are escaped separately.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class CalendarEvent:
    """One court date as it appears in a calendar."""

    uid: str
    starts_at: datetime
    duration_minutes: int
    summary: str
    location: str
    description: str

    def __post_init__(self) -> None:
        _require_aware(self.starts_at, "starts_at")
        if self.duration_minutes < 0:
            raise ValueError("duration_minutes must not be negative")


def court_date_event(
    court_date, agency_slug: str, *, summary: str, description: str, room: str = "Room %(room)s"
) -> CalendarEvent:
    """The calendar entry of one court date, built here for staff and clients alike: its UID
    names only the agency and the court date, so importing it twice, from the bond's calendar
    and from the portal, or again after a change, updates one entry instead of adding one."""
    where = (
        court_date.court_name,
        court_date.courtroom and room % {"room": court_date.courtroom},
        court_date.address,
    )
    return CalendarEvent(
        uid=f"court-date-{court_date.id}@{agency_slug}.bbp",
        starts_at=court_date.starts_at,
        duration_minutes=DURATION_MINUTES,
        summary=summary,
        location=", ".join(p for p in where if p),
        description=description,
    )


def calendar(events: list[CalendarEvent], *, name: str, now: datetime) -> str:
    """Return a VCALENDAR holding events, with CRLF line endings and folded lines."""
    _require_aware(now, "now")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for event in events:
        lines += _event(event, stamp=now)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def _event(event: CalendarEvent, *, stamp: datetime) -> list[str]:
    """Return the content lines of one VEVENT."""
    # Add the duration in UTC: aware arithmetic in local time is wall-clock and ignores DST shifts.
    starts = local(event.starts_at, UTC)
    ends = later(starts, timedelta(minutes=event.duration_minutes))
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape(event.uid)}",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"DTSTART:{utc_stamp(starts)}",
        f"DTEND:{utc_stamp(ends)}",
        f"SUMMARY:{escape(event.summary)}",
        f"LOCATION:{escape(event.location)}",
        f"DESCRIPTION:{escape(event.description)}",
    ]
    for trigger, prefix in ALARMS:
        lines += _alarm(trigger, f"{prefix}: {event.summary}")
    lines.append("END:VEVENT")
    return lines


def _alarm(trigger: str, text: str) -> list[str]:
    """Return the content lines of one display VALARM."""
    return [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"TRIGGER:{trigger}",
        f"DESCRIPTION:{escape(text)}",
        "END:VALARM",
    ]


def utc_stamp(moment: datetime) -> str:
    """Return an aware datetime as a UTC DATE-TIME such as 20240310T093000Z."""
    return local(moment, UTC).strftime("%Y%m%dT%H%M%SZ")


def escape(text: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return CONTROL.sub("", text)


def fold(line: str) -> str:
    """Fold a content line into physical lines of at most 75 octets, never splitting a character."""
    lines, current, size = [], [], 0
    for char in line:
        width = len(char.encode())
        if size + width > LINE_OCTETS:
            lines.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    lines.append("".join(current))
    return CRLF.join(lines)


def _require_aware(moment: datetime, field: str) -> None:
    """Raise ValueError unless moment carries a timezone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{field} must be timezone-aware")
