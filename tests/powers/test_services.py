"""Power rules: batches, assignment, voiding, returning, executing on a bond, expiry, reports."""

from __future__ import annotations

import re
import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.powers import services
from bbp.powers.models import Power
from bbp.tenancy import bound
from tests.powers.conftest import (
    NOW,
    TODAY,
    make_batch,
    make_bond,
    make_surety,
    make_user,
    owner_user,
    power,
)


def _numbers() -> list[str]:
    return db.session.scalars(select(Power.number).order_by(Power.id)).all()


def _actions() -> list[str]:
    return db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()


# Batches


def test_a_batch_creates_one_available_power_per_serial(agency):
    surety = make_surety()
    batch = make_batch(surety, prefix="s25", first=998, last=1002, denomination="25000")
    assert _numbers() == ["S25-998", "S25-999", "S25-1000", "S25-1001", "S25-1002"]
    p = power("S25-1000")
    assert (p.status, p.denomination, p.expires_on, p.batch_id, p.surety_id) == (
        "available",
        Decimal("25000.00"),
        date(2025, 12, 31),
        batch.id,
        surety.id,
    )
    assert "power.batch_received" in _actions()


def test_overlapping_numbers_are_refused_and_nothing_is_added(agency):
    surety = make_surety()
    make_batch(surety, first=1001, last=1005)
    with pytest.raises(DomainError) as refused:
        make_batch(surety, first=1004, last=1010)
    assert refused.value.message == (
        "Power S25-1004 and 1 more already on file; these numbers overlap an earlier batch."
    )
    assert refused.value.field == "first_serial"
    db.session.rollback()
    assert len(_numbers()) == 5


def test_the_same_serials_under_another_prefix_are_fine(agency):
    surety = make_surety()
    make_batch(surety, prefix="S25", first=1, last=3)
    make_batch(surety, prefix="S50", first=1, last=3)
    assert len(_numbers()) == 6


def test_a_batch_holds_at_most_a_thousand_powers(agency):
    surety = make_surety()
    make_batch(surety, first=1, last=1000)
    with pytest.raises(DomainError, match="at most 1,000 powers; this range has 1,001"):
        make_batch(surety, prefix="T", first=1, last=1001)
    assert len(_numbers()) == 1000


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"first": 10, "last": 9}, "last_serial", "must not be below the first"),
        ({"prefix": "S 25"}, "prefix", "letters, digits or inner hyphens"),
        ({"prefix": ""}, "prefix", "letters, digits or inner hyphens"),
        ({"denomination": "0"}, "denomination", "more than $0.00"),
        ({"expires_on": TODAY - timedelta(days=1)}, "expires_on", "already expired"),
    ],
)
def test_bad_batches_are_refused_on_their_field(agency, kwargs, field, message):
    surety = make_surety()
    with pytest.raises(DomainError, match=re.escape(message)) as refused:
        make_batch(surety, **kwargs)
    assert refused.value.field == field


def test_sureties_have_unique_names_and_sane_buf_rates(agency):
    make_surety("Lexington National")
    with pytest.raises(DomainError, match="already one of your sureties"):
        make_surety("lexington national")
    with pytest.raises(DomainError, match="from 0 to less than 100"):
        make_surety("Other", buf_rate="1.5")


# Assign, unassign, void, return


def test_assigning_hands_an_available_power_to_an_agent(agency):
    make_batch(make_surety())
    agent = make_user("agent", "Dana Agent")
    p = services.assign(power("S25-1001"), agent)
    assert (p.status, p.agent_id) == ("assigned", agent.id)
    other = make_user("agent")
    assert services.assign(p, other).agent_id == other.id  # reassigning is allowed
    assert services.unassign(p).status == "available" and p.agent_id is None
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "power.assigned").order_by(AuditEntry.id)
    ).first()
    assert entry.before["status"] == "available" and entry.after["agent_id"] == agent.id


@pytest.mark.parametrize("role", ["viewer", None])
def test_only_active_staff_who_write_bonds_can_carry_powers(agency, role):
    make_batch(make_surety())
    agent = make_user(role) if role else make_user("agent")
    if role is None:
        agent.active = False
        db.session.commit()
    with pytest.raises(DomainError, match="Choose an active agent") as refused:
        services.assign(power("S25-1001"), agent)
    assert refused.value.field == "agent_id"


def test_void_needs_a_reason_and_records_it(agency):
    make_batch(make_surety())
    p = power("S25-1001")
    with pytest.raises(DomainError, match="Give a reason for voiding power S25-1001"):
        services.void(p, "   ")
    db.session.rollback()
    services.void(p, "Torn in the printer")
    p = power("S25-1001")
    assert (p.status, p.void_reason, p.voided_at) == ("voided", "Torn in the printer", NOW)
    with pytest.raises(
        DomainError, match=re.escape("Power S25-1001 is voided. It cannot be returned.")
    ):
        services.return_to_surety(p)


def test_a_refused_change_releases_the_row_lock(agency):
    """The service rolls back its own refusal: the view renders holding no lock."""
    make_batch(make_surety())
    with pytest.raises(DomainError):
        services.void(power("S25-1001"), "")
    assert not db.session().in_transaction()
    with pytest.raises(DomainError):
        services.unassign(power("S25-1001"))
    assert not db.session().in_transaction()


def test_return_sends_unused_and_expired_powers_back(agency):
    make_batch(make_surety())
    assert services.return_to_surety(power("S25-1001")).status == "returned"
    with pytest.raises(DomainError, match="S25-1001 was returned to Lexington National"):
        services.assign(power("S25-1001"), make_user())
    db.session.rollback()
    power("S25-1002").status = "expired"
    db.session.commit()
    assert services.return_to_surety(power("S25-1002")).status == "returned"


def test_an_executed_power_cannot_be_voided_returned_or_reassigned(agency):
    make_batch(make_surety())
    bond = make_bond("B-1001")
    services.execute(power("S25-1001").id, bond, owner_user())
    db.session.commit()
    used = "Power S25-1001 is already used on bond B-1001."
    with pytest.raises(DomainError, match=re.escape(f"{used} It cannot be voided here.")):
        services.void(power("S25-1001"), "Mistake")
    db.session.rollback()
    with pytest.raises(DomainError, match=re.escape(f"{used} It cannot be returned.")):
        services.return_to_surety(power("S25-1001"))
    db.session.rollback()
    with pytest.raises(DomainError, match=re.escape(f"{used} It cannot be assigned.")):
        services.assign(power("S25-1001"), make_user())
    db.session.rollback()
    assert power("S25-1001").status == "executed"


def test_an_expired_power_cannot_be_assigned(agency, clock):
    make_batch(make_surety(), expires_on=TODAY)
    clock.advance(days=1)
    with pytest.raises(DomainError, match=re.escape("Power S25-1001 expired on Mar 9, 2025.")):
        services.assign(power("S25-1001"), make_user())


# Execute


def test_execute_uses_the_power_on_the_bond_and_sets_the_build_up_fund(agency):
    surety = make_surety(buf_rate="0.0250")
    make_batch(surety)
    agent = make_user("agent")
    bond = make_bond("B-1001", bail="25000", premium="101.00")
    result = services.execute(power("S25-1001").id, bond, agent)
    db.session.commit()
    p = power("S25-1001")
    assert result.id == p.id
    assert (p.status, p.executed_at, p.agent_id) == ("executed", NOW, agent.id)
    bond = db.session.get(Bond, bond.id)
    assert (bond.power_id, bond.surety_id) == (p.id, surety.id)
    assert bond.buf_amount == Decimal("2.53")  # 2.525 rounds half up to the cent
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "power.executed")
    ).one()
    assert (entry.actor_id, entry.after["bond"], entry.after["status"]) == (
        agent.id,
        "B-1001",
        "executed",
    )


def test_execute_does_not_commit(app, agency, tenant):
    make_batch(make_surety())
    bond = make_bond()
    services.execute(power("S25-1001").id, bond, owner_user())
    db.session.rollback()
    assert power("S25-1001").status == "available"
    assert db.session.get(Bond, bond.id).power_id is None


def _refused(power_number: str, bond: Bond, by) -> str:
    with pytest.raises(DomainError) as refused:
        services.execute(power(power_number).id, bond, by)
    db.session.rollback()
    assert refused.value.field == "power_id"
    return refused.value.message


def test_execute_refuses_a_power_already_used(agency):
    make_batch(make_surety())
    services.execute(power("S25-1001").id, make_bond("B-1001"), owner_user())
    db.session.commit()
    message = _refused("S25-1001", make_bond("B-1002"), owner_user())
    assert message == "Power S25-1001 is already used on bond B-1001."


def test_execute_refuses_voided_and_returned_powers(agency):
    make_batch(make_surety())
    services.void(power("S25-1001"), "Water damage")
    services.return_to_surety(power("S25-1002"))
    bond = make_bond()
    assert _refused("S25-1001", bond, owner_user()) == (
        "Power S25-1001 was voided (Water damage); it cannot back a bond."
    )
    assert _refused("S25-1002", bond, owner_user()) == (
        "Power S25-1002 was returned to Lexington National; it cannot back a bond."
    )


def test_expiry_is_judged_by_the_agencys_calendar(agency, clock):
    make_batch(make_surety(), expires_on=TODAY)
    bond = make_bond()
    # Already Mar 10 in UTC, still Mar 9 in New York: the power is good today.
    assert NOW.date() > TODAY
    services.execute(power("S25-1001").id, bond, owner_user())
    db.session.rollback()
    clock.set(NOW + timedelta(hours=5))  # past midnight in New York
    assert _refused("S25-1001", bond, owner_user()) == "Power S25-1001 expired on Mar 9, 2025."


def test_execute_refuses_a_power_marked_expired(agency):
    make_batch(make_surety())
    power("S25-1001").status = "expired"
    db.session.commit()
    assert _refused("S25-1001", make_bond(), owner_user()) == (
        "Power S25-1001 expired on Dec 31, 2025."
    )


def test_execute_refuses_a_bond_larger_than_the_denomination(agency):
    make_batch(make_surety(), denomination="25000")
    bond = make_bond(bail="30000")
    assert _refused("S25-1001", bond, owner_user()) == (
        "Power S25-1001 covers up to $25,000.00; this bond is $30,000.00."
    )
    bond.bail_amount = Decimal("25000.00")
    services.execute(power("S25-1001").id, bond, owner_user())  # exactly the denomination is fine
    db.session.commit()


def test_only_the_assigned_agent_or_a_manager_can_use_an_assigned_power(agency):
    make_batch(make_surety())
    dana, eli = make_user("agent", "Dana"), make_user("agent", "Eli")
    services.assign(power("S25-1001"), dana)
    bond = make_bond()
    assert _refused("S25-1001", bond, eli) == (
        "Power S25-1001 is assigned to another agent; ask a manager to reassign it."
    )
    manager = make_user("manager")
    services.execute(power("S25-1001").id, bond, manager)
    db.session.commit()
    assert power("S25-1001").agent_id == dana.id  # the power stays on its agent's books


def test_a_bond_takes_only_one_power(agency):
    make_batch(make_surety())
    bond = make_bond()
    services.execute(power("S25-1001").id, bond, owner_user())
    db.session.commit()
    assert _refused("S25-1002", bond, owner_user()) == "Bond B-1001 already has a power."


def test_execute_refuses_an_unknown_power(agency):
    with pytest.raises(DomainError, match="There is no such power"):
        services.execute(2_000_000, make_bond(), owner_user())


def test_two_agents_racing_for_one_power_cannot_both_get_it(app, agency, tenant):
    make_batch(make_surety(), first=1, last=1)
    power_id = power("S25-1").id
    attempts = [
        (make_bond("B-1").id, make_user("agent", "Dana").id),
        (make_bond("B-2").id, make_user("agent", "Eli").id),
    ]
    db.session.close()
    start = threading.Barrier(2)
    results: dict[str, tuple] = {}

    def attempt(bond_id: int, user_id: int) -> None:
        with app.app_context(), bound(tenant.info, db.session):
            bond = db.session.get(Bond, bond_id)
            by = db.session.get(services.User, user_id)
            start.wait()
            began = time.monotonic()
            try:
                services.execute(power_id, bond, by)
                time.sleep(0.5)  # keep the transaction open: the other attempt must wait
                db.session.commit()
                results[bond.number] = ("ok", time.monotonic() - began)
            except DomainError as exc:
                db.session.rollback()
                results[bond.number] = ("refused", time.monotonic() - began, exc.message)
            except Exception as exc:  # surfaced by the assertions below
                db.session.rollback()
                results[bond.number] = ("error", repr(exc))

    threads = [threading.Thread(target=attempt, args=pair) for pair in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    outcomes = sorted(results.items(), key=lambda item: item[1][0])
    assert [o[1][0] for o in outcomes] == ["ok", "refused"], results
    (winner, _), (_, refusal) = outcomes
    assert refusal[2] == f"Power S25-1 is already used on bond {winner}."
    assert refusal[1] > 0.3  # the loser waited on the winner's row lock
    bonds = db.session.scalars(select(Bond).order_by(Bond.number)).all()
    assert [b.number for b in bonds if b.power_id == power_id] == [winner]
    assert db.session.get(Power, power_id).status == "executed"


# Expiry job and reports


def test_expire_overdue_marks_unused_powers_past_their_date(agency):
    surety = make_surety()
    make_batch(surety, first=1, last=3, expires_on=TODAY)
    make_batch(surety, prefix="L", first=1, last=1, expires_on=TODAY + timedelta(days=30))
    services.assign(power("S25-2"), make_user())
    services.execute(power("S25-3").id, make_bond(), owner_user())
    db.session.commit()
    assert services.expire_overdue(TODAY) == 0
    assert services.expire_overdue(TODAY + timedelta(days=1)) == 2
    statuses = {p.number: p.status for p in db.session.scalars(select(Power))}
    assert statuses == {
        "S25-1": "expired",
        "S25-2": "expired",
        "S25-3": "executed",
        "L-1": "available",
    }
    assert _actions().count("power.expired") == 2


def test_report_counts_statuses_and_sums_liability_and_build_up_fund(agency):
    lex, aia = make_surety("Lexington National", "0.10"), make_surety("AIA Surety", "0.05")
    make_batch(lex, first=1, last=6, denomination="50000")
    make_batch(aia, prefix="AIA", first=1, last=2)
    written = [make_bond("B-1", "20000", "2000"), make_bond("B-2", "15000.50", "1500.05")]
    services.execute(power("S25-1").id, written[0], owner_user())
    services.execute(power("S25-2").id, written[1], owner_user())
    for bond in written:
        bond.status = "active"  # liability counts bonds still at risk
    db.session.commit()
    services.void(power("S25-3"), "Spoiled")
    services.return_to_surety(power("S25-4"))
    services.assign(power("S25-5"), make_user())
    power("S25-6").status = "expired"
    db.session.commit()

    aia_row, lex_row = services.report()
    assert aia_row.surety.name == "AIA Surety" and aia_row.counts["available"] == 2
    assert (aia_row.liability, aia_row.buf, aia_row.total) == (Decimal("0.00"), Decimal("0.00"), 2)
    assert lex_row.counts == {
        "available": 0,
        "assigned": 1,
        "executed": 2,
        "voided": 1,
        "returned": 1,
        "expired": 1,
    }
    assert lex_row.liability == Decimal("35000.50")
    assert lex_row.buf == Decimal("350.01")  # 200.00 + 150.005 rounded half up
    assert [r.surety.name for r in services.report(aia.id)] == ["AIA Surety"]
