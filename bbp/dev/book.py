"""A believable book of business for the demo agencies (development only, deterministic)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from bbp.auth.models import User
from bbp.bonds.models import Bond, BondIndemnitor, BondStatusChange, Charge
from bbp.bonds.premium import quote
from bbp.collateral.models import Collateral
from bbp.courts.models import CourtDate, Forfeiture
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel.clock import agency_today, agency_zone
from bbp.kernel.numbering import next_number
from bbp.payments.models import Instalment, Payment, PaymentPlan
from bbp.powers.models import Power, PowerBatch, Surety
from bbp.settings import services as settings
from bbp.tenancy import TenantInfo

FIRST = (
    "Marcus Ana Tariq Dana Luis Keisha Omar Brianna Jamal Rosa Tyler Mei Andre Carmen Devon "
    "Priya Hector Latoya Noah Sofia Malik Grace Carlos Imani Derek"
).split()
LAST = (
    "Reyes Bell Whitlock Nguyen Johnson Ortiz Brooks Patel Washington Castillo Foster Kim "
    "Delgado Harris Moreno Price Jenkins Rivera Coleman Alvarez"
).split()
CHARGES = (
    ("Battery", "784.03", "misdemeanor", 1000),
    ("DUI", "316.193", "misdemeanor", 500),
    ("Grand theft", "812.014", "felony", 5000),
    ("Burglary", "810.02", "felony", 10000),
    ("Possession of cannabis", "893.13", "misdemeanor", 500),
    ("Aggravated assault", "784.021", "felony", 7500),
    ("Driving while license suspended", "322.34", "misdemeanor", 1000),
)
STATUS_MIX = (
    ["active"] * 30
    + ["written"] * 4
    + ["quote"] * 4
    + ["application"] * 3
    + ["exonerated"] * 8
    + ["forfeited"] * 4
    + ["reinstated"] * 1
    + ["surrendered"] * 2
    + ["cancelled"] * 2
    + ["remitted"] * 1
    + ["judgment_paid"] * 1
)
# Each kind of collateral with descriptions and values that fit it.
COLLATERAL = {
    "vehicle": (
        ("2016 Toyota Camry, title held", "2019 Ford F-150, title and spare key held"),
        (8000, 14000, 21000),
    ),
    "jewellery": (
        ("Gold watch and two rings", "Diamond engagement ring, appraised", "Gold chain"),
        (1500, 2500, 4000),
    ),
    "cash": (("Cash deposit", "Cashier's check deposit"), (1000, 2500, 5000)),
}
COURTS = (
    ("Circuit Court", "Justice Building, 1351 NW 12th St"),
    ("County Court", "Courthouse Annex, 73 W Flagler St"),
)


def seed_book(tenant: TenantInfo) -> int:
    """Fill an agency with about 60 bonds unless it already has bonds; returns bonds made."""
    if db.session.scalar(select(func.count()).select_from(Bond)):
        return 0
    rng = random.Random(tenant.slug)  # noqa: S311  (demo data, reproducible per agency)
    zone, today = agency_zone(), agency_today()
    agent = db.session.scalars(select(User).where(User.role == "agent")).first()
    owner = db.session.scalars(select(User).where(User.role == "owner")).first()
    powers = _powers(today)
    for n, status in enumerate(STATUS_MIX):
        _bond(rng, n, status, today, zone, agent or owner, powers)
    db.session.commit()
    return len(STATUS_MIX)


def _powers(today: date) -> list[Power]:
    surety = Surety(name="Lexington National Insurance", buf_rate=Decimal("0.02"))
    batch = PowerBatch(
        surety=surety,
        prefix="LX25",
        first_serial=1001,
        last_serial=1100,
        denomination=Decimal("25000"),
        expires_on=today + timedelta(days=365),
    )
    db.session.add(batch)
    db.session.flush()
    powers = [
        Power(
            batch_id=batch.id,
            surety_id=surety.id,
            number=f"LX25-{serial}",
            denomination=batch.denomination,
            expires_on=batch.expires_on,
        )
        for serial in range(batch.first_serial, batch.last_serial + 1)
    ]
    db.session.add_all(powers)
    db.session.flush()
    return powers


def _person(rng: random.Random, cls):
    return cls(
        first_name=rng.choice(FIRST),
        last_name=rng.choice(LAST),
        phone=f"305555{rng.randint(1000, 9999)}",
    )


def _bond(rng, n, status, today, zone, agent, powers) -> None:
    defendant = _person(rng, Defendant)
    defendant.jail, defendant.booking_number = "TGK Correctional", f"BK{260000 + n}"
    charges = [
        Charge(position=i, description=c[0], statute=c[1], degree=c[2], bail_amount=Decimal(c[3]))
        for i, c in enumerate(rng.sample(CHARGES, rng.choice((1, 1, 2, 3))))
    ]
    amounts = [c.bail_amount for c in charges]
    priced = quote(settings.premium_rule(), amounts)
    court, address = rng.choice(COURTS)
    written = datetime.combine(today - timedelta(days=rng.randint(1, 200)), time(2, 15), zone)
    bond = Bond(
        number=f"B-{next_number('bond'):06d}",
        defendant=defendant,
        status=status,
        case_number=f"2026-{'CF' if charges[0].degree == 'felony' else 'MM'}-{4000 + n}",
        court_name=court,
        county="Dade",
        bail_amount=sum(amounts),
        premium=priced.premium,
        fees=priced.fees,
        premium_term="full_term",
        writing_agent_id=agent.id,
        premium_breakdown=[{"label": x.label, "amount": str(x.amount)} for x in priced.lines],
    )
    bond.charges = charges
    cosigner = _person(rng, Indemnitor)
    bond.cosigners = [
        BondIndemnitor(
            indemnitor=cosigner,
            relationship_to_defendant=rng.choice(
                ("Mother", "Father", "Spouse", "Sister", "Friend", "Employer")
            ),
        )
    ]
    db.session.add(bond)
    db.session.flush()
    if status not in ("quote", "application", "cancelled"):
        power = powers[n]
        power.status, power.executed_at, power.agent_id = "executed", written, agent.id
        bond.power_id, bond.surety_id, bond.written_at = power.id, power.surety_id, written
        bond.buf_amount = (bond.premium * Decimal("0.02")).quantize(Decimal("0.01"))
    db.session.add(
        BondStatusChange(
            bond=bond,
            from_status=None,
            to_status=status,
            reason="Imported from the demo book",
            changed_by_id=agent.id,
            changed_by_label=agent.email,
        )
    )
    _money(rng, bond, today, written, agent)
    _court(rng, bond, today, zone, address)
    _collateral(rng, bond, n, today, agent, written)


def _money(rng, bond, today, written, agent) -> None:
    if bond.status in ("quote", "cancelled"):
        return
    down = (bond.total_due * Decimal("0.4")).quantize(Decimal("1"))
    plan = PaymentPlan(bond_id=bond.id, down_payment=down)
    rest = bond.total_due - down
    plan.instalments = [
        Instalment(
            due_on=written.date() + timedelta(days=30 * (i + 1)),
            amount=(rest / 4).quantize(Decimal("0.01"))
            if i < 3
            else rest - 3 * (rest / 4).quantize(Decimal("0.01")),
        )
        for i in range(4)
    ]
    db.session.add(plan)
    paid = down + (plan.instalments[0].amount if rng.random() < 0.6 else Decimal("0"))
    db.session.add(
        Payment(
            bond_id=bond.id,
            receipt_number=f"R-{next_number('receipt'):06d}",
            kind="premium",
            method=rng.choice(("cash", "card_terminal", "check")),
            amount=paid,
            payer_name=bond.cosigners[0].indemnitor.full_name,
            received_at=written.astimezone(UTC),
            received_by_id=agent.id,
        )
    )


def _court(rng, bond, today, zone, address) -> None:
    if bond.status in ("quote", "cancelled", "exonerated", "remitted", "judgment_paid"):
        return
    when = datetime.combine(
        today + timedelta(days=rng.randint(0, 35)),
        time(rng.choice((9, 10, 13, 14)), rng.choice((0, 30))),
        zone,
    )
    db.session.add(
        CourtDate(
            bond_id=bond.id,
            starts_at=when,
            court_name=bond.court_name,
            courtroom=f"{rng.randint(1, 9)}-{rng.randint(1, 12)}",
            address=address,
            kind=rng.choice(("arraignment", "hearing", "trial")),
        )
    )
    if bond.status == "forfeited":
        missed = today - timedelta(days=rng.randint(10, 120))
        db.session.add(
            Forfeiture(
                bond_id=bond.id,
                forfeited_on=missed,
                notice_mailed_on=missed + timedelta(days=3),
                state=bond.defendant.state or "FL",
            )
        )


def _collateral(rng, bond, n, today, agent, written) -> None:
    if n % 4:
        return
    discharged = bond.status in ("exonerated", "remitted", "judgment_paid")
    kind = rng.choice(tuple(COLLATERAL))
    descriptions, values = COLLATERAL[kind]
    db.session.add(
        Collateral(
            bond_id=bond.id,
            receipt_number=f"C-{next_number('collateral'):06d}",
            kind=kind,
            description=rng.choice(descriptions),
            value=Decimal(rng.choice(values)),
            pledged_by=bond.cosigners[0].indemnitor.full_name,
            received_at=written.astimezone(UTC),
            received_by_id=agent.id,
            return_due_on=(today - timedelta(days=rng.randint(-10, 5))) if discharged else None,
        )
    )
    if discharged:
        bond.discharged_on = today - timedelta(days=20)
