"""Document fixtures: a bond with every detail the templates print, and agency-bound blocks."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

from bbp.bonds.models import Bond, BondIndemnitor, Charge
from bbp.collateral.models import Collateral
from bbp.courts.models import CourtDate
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.payments.models import Instalment, Payment, PaymentPlan
from bbp.tenancy import bound


@contextmanager
def inside(app, agency):
    """Run a block bound to one agency, as a service call would be."""
    with app.app_context(), bound(agency.info, db.session):
        yield


def full_bond(app, agency, number: str = "B-2026-0012") -> dict[str, int]:
    """A bond with two charges, a cosigner, a court date, a plan, a payment and collateral."""
    with inside(app, agency):
        defendant = Defendant(
            first_name="Carlos",
            last_name="Lopez",
            date_of_birth=date(1994, 5, 17),
            address_line1="12 Palm Way",
            city="Miami",
            state="FL",
            postal_code="33101",
        )
        cosigner = Indemnitor(
            first_name="Maria",
            last_name="Lopez",
            address_line1="40 Bay Road",
            city="Miami",
            state="FL",
            postal_code="33102",
        )
        bond = Bond(
            number=number,
            defendant=defendant,
            status="active",
            case_number="2026-CF-000417",
            court_name="Miami-Dade Circuit Court",
            county="Miami-Dade",
            bail_amount=Decimal("25000.00"),
            premium=Decimal("2500.00"),
            fees=Decimal("125.00"),
            written_at=datetime(2026, 2, 1, tzinfo=UTC),
        )
        bond.charges = [
            Charge(
                description="Grand theft",
                statute="812.014",
                degree="felony",
                position=0,
                bail_amount=Decimal("20000.00"),
            ),
            Charge(
                description="Resisting arrest",
                degree="misdemeanor",
                position=1,
                bail_amount=Decimal("5000.00"),
            ),
        ]
        db.session.add_all([bond, cosigner])
        db.session.flush()
        db.session.add(BondIndemnitor(bond_id=bond.id, indemnitor_id=cosigner.id))
        db.session.add(
            CourtDate(
                bond_id=bond.id,
                starts_at=datetime(2099, 6, 1, 13, 30, tzinfo=UTC),
                court_name="Richard E. Gerstein Justice Building",
                courtroom="4-2",
            )
        )
        plan = PaymentPlan(bond_id=bond.id, down_payment=Decimal("1000.00"))
        plan.instalments = [
            Instalment(due_on=date(2026, 3, 1), amount=Decimal("812.50")),
            Instalment(due_on=date(2026, 4, 1), amount=Decimal("812.50")),
        ]
        db.session.add(plan)
        db.session.add(
            Payment(
                bond_id=bond.id,
                receipt_number=f"R-{bond.id:06d}",
                kind="premium",
                method="cash",
                amount=Decimal("1000.00"),
                payer_name="Maria Lopez",
                received_at=datetime(2026, 2, 1, tzinfo=UTC),
            )
        )
        db.session.add(
            Collateral(
                bond_id=bond.id,
                receipt_number=f"C-{bond.id:06d}",
                kind="vehicle",
                description="2018 Honda Civic,\nVIN ending 4821",
                value=Decimal("9000.00"),
                pledged_by="Maria Lopez",
                received_at=datetime(2026, 2, 1, tzinfo=UTC),
            )
        )
        db.session.commit()
        return {"bond": bond.id, "defendant": defendant.id, "cosigner": cosigner.id}
