"""Dates people enter: named ranges around the agency's today; arithmetic that cannot overflow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta

from flask import flash, request

from bbp.kernel.clock import agency_today


def shift_years(day: date, years: int) -> date:
    """The same day `years` later (Feb 29 becomes Feb 28), held inside years 1 to 9999."""
    year = min(max(day.year + years, MINYEAR), MAXYEAR)
    if (day.month, day.day) == (2, 29):
        return day.replace(year=year, day=28)
    return day.replace(year=year)


@dataclass(frozen=True)
class DateRange:
    """The dates a person may enter for one purpose, counted from the agency's today."""

    noun: str
    years_back: int = 0
    years_ahead: int = 0
    since: date | None = None  # a fixed first day instead of years_back

    def bounds(self, today: date) -> tuple[date, date]:
        """The first and last day allowed."""
        first = self.since or shift_years(today, -self.years_back)
        return first, shift_years(today, self.years_ahead)

    def refusal(self, day: date, today: date) -> str | None:
        """The message for a day outside the range; None when the day is inside it."""
        first, last = self.bounds(today)
        if first <= day <= last:
            return None
        until = "today" if last == today else f"{last:%b %-d, %Y}"
        return f"Enter {self.noun} from {first:%b %-d, %Y} to {until}."


# The ranges are documented in docs/decisions.md ("Date ranges"); keep the two in step.
COURT_DATE = DateRange("a court date", years_back=5, years_ahead=10)
NOTICE_DATE = DateRange("the date the notice was mailed", years_back=5)
BIRTH_DATE = DateRange("a date of birth in the past", since=date(1900, 1, 1))
PLAN_DATE = DateRange("a first due date", years_back=1, years_ahead=2)
POWER_EXPIRY = DateRange("an expiration date", years_back=10, years_ahead=10)
TRIAL_END = DateRange("a trial's end", years_back=1, years_ahead=3)  # Stripe's limit is checked too
PAST_RECORD = DateRange("a date in the past", since=date(1900, 1, 1))


def query_date(name: str, within: DateRange) -> date:
    """?name=YYYY-MM-DD inside the range; anything else falls back to today, saying so."""
    today = agency_today()
    raw = request.args.get(name, "").strip()
    if not raw:
        return today
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        refusal = "Enter a date such as 2027-03-14."
    else:
        refusal = within.refusal(day, today)
    if refusal:
        flash(f"{refusal} Showing today instead.", "error")
        return today
    return day


def add_days(day: date, days: int) -> date:
    """day + days, stopping at the first or last date Python can hold."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def later(moment: datetime, delta: timedelta) -> datetime:
    """moment + delta, stopping at the first or last moment Python can hold."""
    try:
        return moment + delta
    except OverflowError:
        edge = datetime.max if delta > timedelta(0) else datetime.min
        return edge.replace(tzinfo=moment.tzinfo)
