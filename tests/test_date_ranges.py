"""Every date a person enters passes one shared range check, measured from the agency's today."""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from wtforms import DateField, DateTimeField, Form, StringField, TimeField
from wtforms.fields.core import UnboundField

import bbp
from bbp.extensions import db
from bbp.kernel import clock as app_clock
from bbp.kernel import dates
from bbp.tenancy import bound
from bbp.web.forms import RangedDateField, RangedDateTimeField

ROOT = Path(__file__).resolve().parents[1]
RANGED = (RangedDateField, RangedDateTimeField)
# Fields named like dates must be date fields, so a date typed into a text box cannot slip by.
DATE_NAME = re.compile(r"(^|_)(date|dob|birth|due|on|at)$")
# 02:00 UTC on Mar 10 is still Mar 9 in New York, the test agencies' zone.
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def _form_classes() -> list[type[Form]]:
    for module in pkgutil.walk_packages(bbp.__path__, "bbp."):
        importlib.import_module(module.name)
    found, todo = set(), [Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return sorted((c for c in found if _declared(c)), key=str)


def _declared(form_class: type[Form]) -> bool:
    """A form written in one of our modules. Classes a view builds at run time with `type()`
    (the settings page's forfeiture day counts) are left out: their fields are declared and
    checked elsewhere, and whether one is still alive depends on which tests ran before."""
    if not form_class.__module__.startswith("bbp."):
        return False
    found = sys.modules[form_class.__module__]
    for part in form_class.__qualname__.split("."):
        found = getattr(found, part, None)
    return found is form_class


def _date_fields(form_class: type[Form]):
    for name in dir(form_class):
        unbound = getattr(form_class, name)
        if not isinstance(unbound, UnboundField):
            continue
        kind = unbound.field_class
        if issubclass(kind, TimeField):  # a time of day has no year to go wrong
            continue
        if issubclass(kind, DateTimeField) or DATE_NAME.search(name):
            yield name, unbound


def _unranged(form_classes) -> list[str]:
    return [
        f"{form_class.__module__}.{form_class.__qualname__}.{name}"
        for form_class in form_classes
        for name, unbound in _date_fields(form_class)
        if not issubclass(unbound.field_class, RANGED)
        or not isinstance(unbound.kwargs.get("within"), dates.DateRange)
    ]


def test_every_date_field_of_every_form_carries_a_shared_range():
    forms = _form_classes()
    checked = [f"{c.__qualname__}.{n}" for c in forms for n, _ in _date_fields(c)]
    assert {
        "CourtDateForm.starts_at",
        "OutcomeForm.continued_to",
        "OutcomeForm.notice_mailed_on",
        "NoticeForm.notice_mailed_on",
        "PlanForm.first_due",
        "DefendantForm.date_of_birth",
        "BatchForm.expires_on",
    } <= set(checked)
    assert _unranged(forms) == []


def test_the_sweep_catches_a_form_that_forgets_the_range():
    class Careless(Form):
        hearing = DateField("Hearing")
        renewed_on = StringField("Renewed on")
        called_at = TimeField("Called at")

    assert _unranged([Careless]) == [
        f"{__name__}.{Careless.__qualname__}.hearing",
        f"{__name__}.{Careless.__qualname__}.renewed_on",
    ]


def test_every_range_is_documented():
    decisions = (ROOT / "docs" / "decisions.md").read_text()
    named = [name for name, value in vars(dates).items() if isinstance(value, dates.DateRange)]
    assert len(named) >= 6
    for name in named:
        assert f"`{name}`" in decisions, name


def test_ranges_count_from_the_agency_today(app, tenant, clock):
    clock.set(NOW)
    with app.app_context(), bound(tenant.info, db.session):
        today = app_clock.agency_today()
        assert today == date(2026, 3, 9)
        assert dates.COURT_DATE.bounds(today) == (date(2021, 3, 9), date(2036, 3, 9))
        assert dates.NOTICE_DATE.bounds(today) == (date(2021, 3, 9), today)
        assert dates.BIRTH_DATE.bounds(today) == (date(1900, 1, 1), today)
        assert dates.COURT_DATE.refusal(date(2036, 3, 9), today) is None
        assert dates.COURT_DATE.refusal(date(2036, 3, 10), today) == (
            "Enter a court date from Mar 9, 2021 to Mar 9, 2036."
        )
        assert dates.NOTICE_DATE.refusal(date(2026, 3, 10), today) == (
            "Enter the date the notice was mailed from Mar 9, 2021 to today."
        )


def test_a_leap_day_today_still_has_bounds():
    assert dates.COURT_DATE.bounds(date(2028, 2, 29)) == (date(2023, 2, 28), date(2038, 2, 28))
    assert dates.shift_years(date(9995, 6, 1), 10) == date(9999, 6, 1)


def test_arithmetic_stops_at_the_ends_of_the_calendar():
    assert dates.add_days(date(9999, 12, 1), 60) == date.max
    assert dates.add_days(date(1, 1, 5), -10) == date.min
    last = datetime.max.replace(tzinfo=UTC)
    assert dates.later(last, timedelta(hours=2)) == last
    guam, new_york = ZoneInfo("Pacific/Guam"), ZoneInfo("America/New_York")
    assert app_clock.local(last, guam) == datetime.max.replace(tzinfo=guam)
    first = datetime.min.replace(tzinfo=UTC)
    assert app_clock.local(first, new_york) == datetime.min.replace(tzinfo=new_york)
    assert app_clock.local(datetime(2026, 3, 10, 2, tzinfo=UTC), new_york).day == 9


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT '10000-01-01'::date", date.max),
        ("SELECT 'infinity'::date", date.max),
        ("SELECT '0001-01-01 BC'::date", date.min),
        ("SELECT '9999-12-31 23:30 America/New_York'::timestamptz", datetime.max),
        ("SELECT '-infinity'::timestamptz", datetime.min),
        ("SELECT '2026-03-10 02:00+00'::timestamptz", datetime(2026, 3, 10, 2)),
    ],
)
def test_dates_python_cannot_hold_load_at_its_edges(app, sql, expected):
    with app.app_context():
        loaded = db.session.scalar(text(sql))
        db.session.rollback()
    if isinstance(loaded, datetime):
        assert loaded.utcoffset() == timedelta(0)
        loaded = loaded.replace(tzinfo=None)
    assert loaded == expected
