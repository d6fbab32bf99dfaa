"""One hostile field at a time, the others valid: no 5xx on the form or on the pages that show it.

Setting every field to the same hostile value mostly stops at the first validation error. Here
each form is read from its page as a browser would send it, one field at a time is replaced by
values chosen for its kind (dates far out, numbers that overflow, format strings, long text),
and whatever was saved is then opened on every page that shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bbp.bonds.models import Bond, BondIndemnitor
from bbp.collateral.models import Collateral
from bbp.courts.models import CourtDate, Forfeiture
from bbp.dev.book import seed_book
from bbp.extensions import db
from bbp.powers.models import Power
from bbp.tenancy import bound
from tests.conftest import provision, unprovision
from tests.formfill import forms_on, hostile_values
from tests.support import add_user

SKIPPED_FIELDS = {"csrf_token"}


@dataclass(frozen=True)
class Case:
    """A form: the page that serves it, its action, and the pages that show what it saved."""

    name: str
    page: str
    action: str
    shows: tuple[str, ...] = ()
    valid: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return self.name


BOND_PAGES = (
    "/bonds/{active}",
    "/bonds/{active}/court-dates.ics",
    "/dashboard/",
    "/court/calendar",
)
CASES = [
    Case(
        "new defendant",
        "/defendants/new",
        "/defendants/new",
        ("/defendants/", "/defendants/?q=a"),
        (("first_name", "Ann"), ("last_name", "Lee"), ("dob", "1990-04-01")),
    ),
    Case(
        "edit defendant",
        "/defendants/{defendant}/edit",
        "/defendants/{defendant}/edit",
        ("/defendants/{defendant}", "/defendants/?q=a", "/bonds/{active}"),
    ),
    Case(
        "new cosigner",
        "/indemnitors/new",
        "/indemnitors/new",
        ("/indemnitors/", "/indemnitors/?q=a"),
        (("first_name", "Bo"), ("last_name", "Ray"), ("phone", "3055550100")),
    ),
    Case(
        "edit cosigner",
        "/indemnitors/{indemnitor}/edit",
        "/indemnitors/{indemnitor}/edit",
        ("/indemnitors/{indemnitor}", "/bonds/{active}"),
    ),
    Case(
        "charges",
        "/bonds/{quote}/charges",
        "/bonds/{quote}/charges",
        ("/bonds/{quote}", "/bonds/{quote}/premium", "/dashboard/"),
    ),
    Case(
        "premium and plan",
        "/bonds/{quote}/premium",
        "/bonds/{quote}/premium",
        ("/bonds/{quote}", "/bonds/{quote}/review", "/dashboard/", "/payments/"),
        (("down_payment", "0.00"),),  # any seeded quote: a $500 DUI is priced at $50
    ),
    Case(
        "new court date",
        "/court/bonds/{active}/new",
        "/court/bonds/{active}/new",
        BOND_PAGES,
        (("starts_at", "2027-03-02T09:30"), ("court_name", "County Court")),
    ),
    Case(
        "edit court date",
        "/court/{court_date}/edit",
        "/court/{court_date}/edit",
        (*BOND_PAGES, "/court/{court_date}/edit"),
    ),
    Case("court outcome", "/court/{court_date}/outcome", "/court/{court_date}/outcome", BOND_PAGES),
    Case(
        "forfeiture notice",
        "/bonds/{forfeited}",
        "/court/forfeitures/{forfeiture}/notice",
        ("/bonds/{forfeited}", "/dashboard/"),
    ),
    Case(
        "new collateral",
        "/collateral/bonds/{active}/new",
        "/collateral/bonds/{active}/new",
        ("/bonds/{active}", "/collateral/", "/dashboard/"),
        (("description", "Gold ring"), ("value", "500.00")),
    ),
    Case(
        "return collateral",
        "/bonds/{collateral_bond}",
        "/collateral/{collateral}/return",
        ("/bonds/{collateral_bond}", "/collateral/", "/dashboard/"),
    ),
    Case(
        "new payment",
        "/payments/bonds/{active}/new",
        "/payments/bonds/{active}/new",
        ("/bonds/{active}", "/payments/", "/dashboard/"),
        (("amount", "25.00"),),
    ),
    Case(
        "check-in schedule",
        "/check-in/defendants/{defendant}/schedule",
        "/check-in/defendants/{defendant}/schedule",
        ("/defendants/{defendant}", "/check-in/"),
        (("weekday", "2"), ("time_of_day", "18:00")),
    ),
    Case(
        "bond note",
        "/bonds/{active}",
        "/bonds/{active}/notes",
        ("/bonds/{active}",),
        (("body", "Called the jail."),),
    ),
    Case(
        "bond text",
        "/bonds/{active}",
        "/messages/bonds/{active}/send",
        ("/bonds/{active}",),
        (("body", "Court moved."),),
    ),
    Case("status change", "/bonds/{other}", "/bonds/{other}/status", ("/bonds/{other}",)),
    Case(
        "agency settings", "/settings/", "/settings/", ("/settings/", "/dashboard/", "/bonds/new")
    ),
    Case(
        "reminder policy", "/settings/reminders/", "/settings/reminders/", ("/settings/reminders/",)
    ),
    Case(
        "reminder wording",
        "/settings/reminders/",
        "/settings/reminders/wording",
        ("/settings/reminders/",),
    ),
    Case(
        "signature policy",
        "/signatures/settings",
        "/signatures/settings",
        ("/signatures/settings",),
    ),
    Case(
        "document template",
        "/documents/templates/indemnity",
        "/documents/templates/indemnity",
        ("/documents/templates/indemnity", "/documents/templates/indemnity/preview.pdf"),
    ),
    Case(
        "new surety",
        "/powers/sureties/new",
        "/powers/sureties/new",
        ("/powers/", "/powers/report"),
        (("name", "Surety Two"), ("buf_rate", "2")),
    ),
    Case(
        "new power batch",
        "/powers/batches/new",
        "/powers/batches/new",
        ("/powers/", "/powers/report"),
        (
            ("prefix", "FZ"),
            ("first_serial", "1"),
            ("last_serial", "2"),
            ("denomination", "5000"),
            ("expires_on", "2028-01-31"),
        ),
    ),
    Case("assign power", "/powers/?status=available", r"/powers/\d+/assign", ("/powers/",)),
    Case(
        "invite staff",
        "/staff/invite",
        "/staff/invite",
        ("/staff/",),
        (("name", "New Person"), ("email", "new@fuzz.example")),
    ),
]


def _records(app, agency) -> dict:
    """Ids of one record of each kind in the seeded demo book."""
    with app.app_context(), bound(agency.info, db.session):
        seed_book(agency.info)

        def first(query):
            return db.session.scalars(query.limit(1)).first()

        active, other = db.session.scalars(
            select(Bond.id).where(Bond.status == "active").order_by(Bond.id).limit(2)
        ).all()
        forfeiture = first(select(Forfeiture).order_by(Forfeiture.id))
        forfeiture.notice_mailed_on = None  # the notice form shows until a date is recorded
        db.session.commit()
        collateral = first(select(Collateral).where(Collateral.returned_at.is_(None)))
        ids = {
            "active": active,
            "other": other,
            "quote": first(select(Bond.id).where(Bond.status == "quote").order_by(Bond.id)),
            "defendant": db.session.get(Bond, active).defendant_id,
            "indemnitor": first(
                select(BondIndemnitor.indemnitor_id).where(BondIndemnitor.bond_id == active)
            ),
            "court_date": first(select(CourtDate.id).where(CourtDate.bond_id == active)),
            "forfeiture": forfeiture.id,
            "forfeited": forfeiture.bond_id,
            "collateral": collateral.id,
            "collateral_bond": collateral.bond_id,
            "power": first(select(Power.id).where(Power.status == "available")),
        }
    assert all(ids.values()), ids
    return ids


@pytest.fixture(scope="module")
def book(app):
    """One agency with the demo book, shared by this module (each test adds to it)."""
    agency = provision(app, "fuzz", name="Fuzz Bail Bonds")
    add_user(app, agency.info, "agent")
    yield agency, _records(app, agency)
    unprovision(app, agency)


def _why(response) -> str:
    """The messages a refused page shows, for a readable failure."""
    body = response.get_data(as_text=True)
    return (
        " | ".join(re.findall(r'class="(?:field-error|notice[^"]*)"[^>]*>([^<]*)<', body))
        or (re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body.split("<main", 1)[-1]))[:400])
    )


def _submit(visitor, form, data):
    response = visitor.post(form.action, data)
    assert response.status_code < 500, (form.action, data, _why(response))
    return response


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_field_hostile_while_the_others_are_valid(app, visit, book, case):
    agency, ids = book
    visitor = visit(agency)
    assert visitor.login(agency.owner_email).status_code == 302
    page = visitor.get(case.page.format(**ids))
    assert page.status_code == 200, (case.page, _why(page))
    action = case.action.format(**ids)
    forms = [
        f
        for f in forms_on(page.get_data(as_text=True))
        if re.fullmatch(action, urlsplit(f.action).path)
    ]
    assert forms, f"no form posting to {action} on {case.page}"
    form = forms[0]
    action = form.action
    valid = form.data() | dict(case.valid)
    baseline = _submit(visitor, form, valid)
    assert baseline.status_code in (200, 302), (valid, _why(baseline))
    shows = [path.format(**ids) for path in case.shows]
    for name, target in form.fields.items():
        if name in SKIPPED_FIELDS or target.kind in ("hidden", "file", "submit"):
            continue
        for value in hostile_values(target):
            response = _submit(visitor, form, valid | {name: value})
            if response.status_code != 302:
                continue  # refused: nothing was saved, so no other page can have changed
            for path in [*shows, response.headers["Location"]]:
                shown = visitor.get(path)
                assert shown.status_code < 500, (name, value, path, _why(shown))
