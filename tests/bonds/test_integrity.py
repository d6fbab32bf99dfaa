"""Bond integrity under races and late changes: one power per bond, plans and forfeitures that
follow the bond, money that never goes negative."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bbp.auth.models import User
from bbp.bonds import services
from bbp.bonds.models import Bond
from bbp.courts.models import CourtDate, Forfeiture
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.payments import services as payments
from bbp.payments.models import Payment, PaymentPlan
from bbp.powers.models import Power, PowerBatch, Surety
from bbp.settings import services as settings
from bbp.tenancy import bound
from tests.factories import make_bond


def _powers(app, agency, count=2) -> list[int]:
    with app.app_context(), bound(agency.info, db.session):
        surety = Surety(name="Lexington", buf_rate=Decimal("0.02"))
        batch = PowerBatch(
            surety=surety,
            prefix="LX",
            first_serial=1,
            last_serial=count,
            denomination=Decimal("50000"),
            expires_on=date.today() + timedelta(days=90),
        )
        db.session.add(batch)
        db.session.flush()
        powers = [
            Power(
                batch_id=batch.id,
                surety_id=surety.id,
                number=f"LX-{n}",
                denomination=batch.denomination,
                expires_on=batch.expires_on,
            )
            for n in range(1, count + 1)
        ]
        db.session.add_all(powers)
        db.session.commit()
        return [p.id for p in powers]


def _in(app, agency, func):
    with app.app_context(), bound(agency.info, db.session):
        owner = db.session.scalars(select(User)).first()
        return func(owner)


def test_two_writes_of_one_bond_execute_one_power(app, tenant):
    bond_id = make_bond(app, tenant, status="application")
    first, second = _powers(app, tenant)

    def write(power_id):
        def attempt(owner):
            try:
                services.write(db.session.get(Bond, bond_id), power_id, owner)
                return "written"
            except DomainError as exc:
                db.session.rollback()
                return exc.message

        return _in(app, tenant, attempt)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(write, (first, second)))
    assert results.count("written") == 1
    refusal = next(r for r in results if r != "written")
    assert "already has a power" in refusal or "can no longer change" in refusal
    with app.app_context(), bound(tenant.info, db.session):
        executed = db.session.scalars(select(Power).where(Power.status == "executed")).all()
        assert len(executed) == 1
        assert db.session.get(Bond, bond_id).power_id == executed[0].id


def test_writing_from_a_quote_records_the_application_step(app, tenant):
    bond_id = make_bond(app, tenant, status="quote")
    (power_id,) = _powers(app, tenant, 1)

    def write(owner):
        bond = services.write(db.session.get(Bond, bond_id), power_id, owner)
        return [h.to_status for h in bond.history]

    assert _in(app, tenant, write) == ["quote", "application", "written"]


def test_voiding_a_written_bond_voids_its_power(app, tenant):
    bond_id = make_bond(app, tenant, status="application")
    (power_id,) = _powers(app, tenant, 1)

    def run(owner):
        bond = services.write(db.session.get(Bond, bond_id), power_id, owner)
        services.change_status(bond, "cancelled", "Wrong defendant", owner)
        return db.session.get(Power, power_id)

    power = _in(app, tenant, run)
    assert power.status == "voided" and "Wrong defendant" in power.void_reason


def test_repricing_removes_a_plan_that_no_longer_adds_up(app, tenant):
    bond_id = make_bond(app, tenant, status="application", bail="10000", premium="1000")

    def run(owner):
        bond = db.session.get(Bond, bond_id)
        services.save_plan(bond, Decimal("1000"), 1, "monthly", date.today())
        services.save_charges(
            bond, {}, [services.ChargeInput("Theft", "", "felony", Decimal("5000"))]
        )
        return db.session.scalar(select(PaymentPlan).where(PaymentPlan.bond_id == bond_id))

    assert _in(app, tenant, run) is None


def test_absurd_bail_totals_are_refused(app, tenant):
    bond_id = make_bond(app, tenant, status="quote")
    big = Decimal("9999999999")

    def run(owner):
        charges = [services.ChargeInput("A", "", "felony", big)] * 2
        with pytest.raises(DomainError, match="too large"):
            services.save_charges(db.session.get(Bond, bond_id), {}, charges)

    _in(app, tenant, run)


def test_voiding_a_payment_cannot_leave_more_refunded_than_paid(app, tenant):
    bond_id = make_bond(app, tenant, status="active", premium="500")

    def run(owner):
        bond = db.session.get(Bond, bond_id)
        paid = payments.record_payment(bond, "premium", "cash", Decimal("500"), "", "P", owner)
        payments.record_payment(bond, "refund", "cash", Decimal("500"), "", "P", owner)
        with pytest.raises(DomainError, match="Void the refund first"):
            payments.void(db.session.get(Payment, paid.id), "mistake", owner)

    _in(app, tenant, run)


def test_nothing_is_overdue_on_a_cancelled_bond(app, tenant):
    bond_id = make_bond(app, tenant, status="cancelled", premium="500")

    def run(owner):
        standing = payments.standing(db.session.get(Bond, bond_id), None, date.today())
        return standing.overdue, standing.next_due_on

    assert _in(app, tenant, run) == (Decimal("0.00"), None)


def test_forfeiting_by_hand_opens_a_forfeiture_and_reinstating_resolves_it(app, make_agency):
    agency = make_agency("fl", state="FL")
    bond_id = make_bond(app, agency, status="active")

    def run(owner):
        bond = db.session.get(Bond, bond_id)
        services.change_status(bond, "forfeited", "Missed court, per clerk", owner)
        opened = db.session.scalars(select(Forfeiture)).all()
        services.change_status(bond, "reinstated", "Judge reinstated", owner)
        return len(opened), db.session.scalars(select(Forfeiture.resolved_on)).all()

    count, resolved = _in(app, agency, run)
    assert count == 1 and resolved[0] is not None


def test_failure_to_appear_is_refused_on_a_bond_that_is_not_out(app, owner, tenant):
    bond_id = make_bond(app, tenant, status="quote")
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": "2026-12-03T09:30", "kind": "trial"})
    with app.app_context(), bound(tenant.info, db.session):
        court_date_id = db.session.scalar(select(CourtDate.id))
    response = owner.post(
        f"/court/{court_date_id}/outcome", {"outcome": "failed_to_appear", "confirm": "y"}
    )
    assert response.status_code == 422
    assert "only a written or active bond can be forfeited" in response.get_data(as_text=True)


def test_annual_years_are_kept_when_the_charges_are_saved_again(app, owner, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        settings.current().premium_term = "annual"
        db.session.commit()
    response = owner.post("/bonds/new", {"first_name": "A", "last_name": "B"})
    step = response.headers["Location"]
    data = {
        "charges-0-description": "Theft",
        "charges-0-degree": "felony",
        "charges-0-bail_amount": "1000",
        "years": "3",
    }
    owner.post(step, data)
    form = owner.get(step).get_data(as_text=True)
    assert 'id="years"' in form and 'value="3"' in form
    with app.app_context(), bound(tenant.info, db.session):
        bond = db.session.scalars(select(Bond)).one()
        assert (bond.premium_years, bond.premium) == (3, Decimal("300.00"))
