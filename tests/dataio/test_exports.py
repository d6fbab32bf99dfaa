"""CSV exports: what a manager downloads, what it never contains, and who may download it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.bonds.models import Bond, BondIndemnitor
from bbp.dataio import exports
from bbp.dataio.exports import BOND_HEADER, DEFENDANT_HEADER, PAYMENT_HEADER, cell
from bbp.defendants import services as defendants
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.payments.models import Payment
from bbp.tenancy import bound
from tests.factories import make_bond
from tests.support import add_user


def _csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte order mark"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def _bond(app, tenant, bond_id) -> Bond:
    with app.app_context(), bound(tenant.info, db.session):
        bond = db.session.get(Bond, bond_id)
        db.session.expunge(bond)
        return bond


def test_bonds_export_lists_each_bond_with_its_people_and_charges(app, owner, tenant):
    bond_id = make_bond(app, tenant, first_name="Ray", last_name="Doe", bail="5000.00")
    with app.app_context(), bound(tenant.info, db.session):
        bond = db.session.get(Bond, bond_id)
        bond.defendant.phone = "3055550100"
        bond.county = "Miami-Dade"
        bond.charges[0].statute = "784.03"
        cosigner = Indemnitor(first_name="Lena", last_name="Doe", phone="3055550111")
        bond.cosigners.append(
            BondIndemnitor(indemnitor=cosigner, relationship_to_defendant="mother")
        )
        db.session.commit()
    response = owner.get("/data/bonds.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"{tenant.slug}-bonds-" in disposition
    header, *rows = _csv(response)
    assert header == list(BOND_HEADER)
    bond = _bond(app, tenant, bond_id)
    written = bond.written_at.astimezone(ZoneInfo(tenant.info.timezone)).date().isoformat()
    assert rows == [
        [
            bond.number, "active", "Ray Doe", "", "(305) 555-0100", "2026-CF-1", "County Court",
            "Miami-Dade", "5000.00", "500.00", "0.00", written, "", "",
            "Charge (784.03, felony)", "Lena Doe (mother)",
        ]
    ]  # fmt: skip


def test_exports_are_audited_with_the_file_name(app, owner, tenant):
    for name in ("bonds", "defendants", "payments"):
        assert owner.get(f"/data/{name}.csv").status_code == 200
    with app.app_context(), bound(tenant.info, db.session):
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "data.exported").order_by(AuditEntry.id)
        ).all()
        assert [e.after for e in entries] == [
            {"file": "bonds.csv"},
            {"file": "defendants.csv"},
            {"file": "payments.csv"},
        ]
        assert {e.actor_label for e in entries} == {tenant.owner_email}


def test_defendants_export_never_contains_the_ssn_or_license_number(app, owner, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        defendants.save(
            None,
            {
                "first_name": "Victor",
                "last_name": "Markerson",
                "ssn": "123-45-6789",
                "dl_number": "D123-456-78-901",
                "dl_state": "FL",
                "phone": "3055550100",
                "city": "Miami",
            },
        )
    response = owner.get("/data/defendants.csv")
    text = response.get_data().decode("utf-8-sig")
    for secret in ("123-45-6789", "123456789", "D12345678901", "D123-456-78-901"):
        assert secret not in text
    header, row = _csv(response)
    assert header == list(DEFENDANT_HEADER)
    values = dict(zip(header, row, strict=True))
    assert values["SSN"] == "•••-••-6789"
    assert values["Driver license"] == "••••8901"
    assert (values["First name"], values["Last name"], values["City"]) == (
        "Victor",
        "Markerson",
        "Miami",
    )
    assert values["Phone"] == "(305) 555-0100"


def test_payments_export_shows_receipts_in_the_agency_time_zone(app, owner, tenant):
    bond_id = make_bond(app, tenant, premium="500")
    with app.app_context(), bound(tenant.info, db.session):
        received = datetime(2026, 3, 10, 2, 30, tzinfo=UTC)  # still Mar 9 in New York
        db.session.add_all(
            [
                Payment(
                    bond_id=bond_id, receipt_number="R-000001", kind="premium", method="cash",
                    amount=200, payer_name="Lena Bell", received_at=received,
                ),
                Payment(
                    bond_id=bond_id, receipt_number="R-000002", kind="fee", method="check",
                    amount=25, reference="1042", payer_name="Lena Bell", received_at=received,
                    voided_at=received, void_reason="Entered twice",
                ),
            ]
        )  # fmt: skip
        db.session.commit()
    number = _bond(app, tenant, bond_id).number
    header, *rows = _csv(owner.get("/data/payments.csv"))
    assert header == list(PAYMENT_HEADER)
    assert tenant.info.timezone == "America/New_York"
    assert rows == [
        ["R-000001", "2026-03-09 22:30", number, "Premium", "Cash", "200.00", "", "Lena Bell",
         "No", ""],
        ["R-000002", "2026-03-09 22:30", number, "Fee", "Check", "25.00", "1042", "Lena Bell",
         "Yes", "Entered twice"],
    ]  # fmt: skip


def test_cells_that_excel_would_run_as_formulas_are_neutralised(app, owner, tenant):
    make_bond(app, tenant, first_name='=HYPERLINK("http://x")', last_name="@SUM(A1)")
    with app.app_context(), bound(tenant.info, db.session):
        defendants.save(None, {"first_name": "+1+1", "last_name": "-2+3", "jail": "=cmd|' /C'!A0"})
    _, bond_row = _csv(owner.get("/data/bonds.csv"))
    assert bond_row[2] == '\'=HYPERLINK("http://x") @SUM(A1)'
    header, *rows = _csv(owner.get("/data/defendants.csv"))
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_name['\'=HYPERLINK("http://x")']["Last name"] == "'@SUM(A1)"
    assert by_name["'+1+1"]["Last name"] == "'-2+3"
    assert by_name["'+1+1"]["Jail"] == "'=cmd|' /C'!A0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+15551234", "'+15551234"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        ("\t=x", "'\t=x"),
        ("Jane = Doe", "Jane = Doe"),
        (None, ""),
    ],
)
def test_cell_prefixes_formula_starts_only(value, expected):
    assert cell(value) == expected


def test_big_exports_stream_in_chunks(app, owner, tenant, monkeypatch):

    monkeypatch.setattr(exports, "BATCH", 2)
    for n in range(5):
        make_bond(app, tenant, last_name=f"Person{n}")
    response = owner.client.get("/data/bonds.csv", base_url=owner.base_url, buffered=False)
    chunks = list(response.response)
    response.close()
    assert len(chunks) == 3  # rows 1-2, 3-4, then 5
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))
    assert [row[2] for row in rows[1:]] == [f"Ray Person{n}" for n in range(5)]


@pytest.mark.parametrize("role", ["viewer", "agent"])
@pytest.mark.parametrize("name", ["bonds", "defendants", "payments"])
def test_exports_need_the_manager_role(app, visit, tenant, role, name):
    user = add_user(app, tenant.info, role)
    visitor = visit(tenant)
    visitor.login(user.email)
    response = visitor.get(f"/data/{name}.csv")
    assert response.status_code == 403
    assert "needs the manager role" in response.get_data(as_text=True)
