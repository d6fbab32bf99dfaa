"""Power pages: list and search, sureties, batches, row actions, reports, roles, tenants."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from bbp.extensions import db
from bbp.powers import services
from bbp.powers.models import Power, Surety
from bbp.tenancy import bound
from tests.powers.conftest import make_batch, make_bond, make_surety, owner_user, power
from tests.support import add_user

BATCH = {
    "prefix": "S25",
    "first_serial": "1001",
    "last_serial": "1003",
    "denomination": "$25,000",
    "expires_on": "2025-12-31",
}


@pytest.fixture
def stock(app, tenant, clock):
    """A surety with powers S25-1001..1005 in `tenant`; returns {number: id}."""
    with app.app_context(), bound(tenant.info, db.session):
        make_batch(make_surety("Lexington National", "0.10"))
        return dict(db.session.execute(select(Power.number, Power.id)).all())


def _signed_in(app, visit, tenant, role: str, name: str = ""):
    user = add_user(app, tenant.info, role, name=name)
    visitor = visit(tenant)
    visitor.login(user.email)
    return visitor, user


def _in(app, tenant, fn):
    with app.app_context(), bound(tenant.info, db.session):
        return fn()


def _statuses(app, tenant) -> dict[str, str]:
    return _in(
        app,
        tenant,
        lambda: dict(db.session.execute(select(Power.number, Power.status)).all()),
    )


# Sureties and batches


def test_admin_adds_a_surety_with_its_build_up_fund_share(app, owner, tenant):
    assert owner.get("/powers/sureties/new").status_code == 200
    response = owner.post(
        "/powers/sureties/new", {"name": "Lexington National", "buf_rate": "12.5%"}
    )
    assert response.status_code == 302
    page = owner.get("/powers/").get_data(as_text=True)
    assert "Lexington National added." in page and "12.5% of premium" in page
    surety = _in(app, tenant, lambda: db.session.scalars(select(Surety)).one())
    assert str(surety.buf_rate) == "0.1250"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"buf_rate": "ten"}, "Enter a percentage such as 10"),
        ({"buf_rate": "100"}, "from 0 to less than 100"),
        ({"buf_rate": "10.125"}, "at most two decimal places"),
        ({"buf_rate": ""}, "Enter the BUF percentage."),
        ({"name": "", "buf_rate": "10"}, "Enter the surety&#39;s name."),
    ],
)
def test_bad_surety_input_gets_a_field_message(owner, fields, message):
    data = {"name": "Typed Surety"} | fields
    response = owner.post("/powers/sureties/new", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert f'value="{data["buf_rate"]}"' in body or not data["buf_rate"]


def test_a_duplicate_surety_name_is_refused_on_the_name(app, owner, tenant, clock):
    _in(app, tenant, make_surety)
    response = owner.post("/powers/sureties/new", {"name": "Lexington National", "buf_rate": "9"})
    assert response.status_code == 422
    assert "Lexington National is already one of your sureties." in response.get_data(as_text=True)


def _surety_id(app, tenant) -> int:
    return _in(app, tenant, lambda: db.session.scalars(select(Surety.id)).first())


def test_manager_receives_a_batch(app, visit, tenant, clock):
    _in(app, tenant, make_surety)
    manager, _ = _signed_in(app, visit, tenant, "manager")
    form = manager.get("/powers/batches/new").get_data(as_text=True)
    assert "Lexington National" in form
    response = manager.post("/powers/batches/new", BATCH | {"surety_id": _surety_id(app, tenant)})
    assert response.status_code == 302
    page = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 powers received from Lexington National." in page
    assert _statuses(app, tenant) == {
        "S25-1001": "available",
        "S25-1002": "available",
        "S25-1003": "available",
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Power S25-1001 and 2 more already on file"),
        ({"last_serial": "2100"}, "at most 1,000 powers; this range has 1,101."),
        ({"last_serial": "900"}, "must not be below the first"),
        ({"last_serial": "abc"}, "Not a valid integer value."),
        ({"last_serial": "99999999999"}, "Enter a serial number from 0 to 2,147,483,647."),
        ({"denomination": "25,000.005"}, "fractions of a cent"),
        ({"expires_on": "2025-02-30"}, "Not a valid date value."),
        ({"expires_on": "2025-01-01"}, "These powers have already expired."),
        ({"surety_id": "999"}, "Not a valid choice."),
        ({"prefix": "S/25"}, "letters, digits or inner hyphens"),
    ],
)
def test_bad_batches_get_a_field_message_and_keep_what_was_typed(
    app, owner, tenant, stock, fields, message
):
    data = BATCH | {"first_serial": "1000", "surety_id": _surety_id(app, tenant)} | fields
    response = owner.post("/powers/batches/new", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert f'value="{data["denomination"]}"' in body
    assert len(_statuses(app, tenant)) == 5  # nothing added


def test_batch_preview_counts_the_range_and_spots_overlaps(owner, stock):
    ok = owner.get(
        "/powers/batches/preview?prefix=s25&first_serial=2001&last_serial=2250", htmx=True
    )
    body = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "<html" not in body
    assert "Adds 250 powers: S25-2001 to S25-2250." in body
    overlap = owner.get("/powers/batches/preview?prefix=S25&first_serial=1&last_serial=1001")
    assert "at most 1,000 powers; this range has 1,001." in overlap.get_data(as_text=True)
    taken = owner.get("/powers/batches/preview?prefix=S25&first_serial=1004&last_serial=1010")
    assert "2 of these 7 numbers are already on file, e.g. S25-1004." in taken.get_data(
        as_text=True
    )


# List, search, filters


def test_live_search_by_number_returns_only_the_rows_fragment(owner, stock):
    response = owner.get("/powers/?q=1003", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert "S25-1003" in body and "S25-1004" not in body
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" in owner.get("/powers/?q=1003").get_data(as_text=True)


def test_filters_by_status_and_surety_and_paginates(app, owner, tenant, stock):
    def more():
        make_batch(make_surety("AIA Surety"), prefix="AIA", first=1, last=30)
        services.void(power("S25-1002"), "Torn")

    _in(app, tenant, more)
    voided = owner.get("/powers/?status=voided", htmx=True).get_data(as_text=True)
    assert "S25-1002" in voided and "S25-1001" not in voided and "Torn" in voided
    aia = _in(
        app, tenant, lambda: db.session.scalar(select(Surety.id).where(Surety.name == "AIA Surety"))
    )
    first = owner.get(f"/powers/?surety={aia}", htmx=True).get_data(as_text=True)
    assert "Page 1 of 2" in first and "30 in all" in first and "S25-" not in first
    second = owner.get(f"/powers/?surety={aia}&page=2").get_data(as_text=True)
    assert "AIA-30" in second and "AIA-1<" not in second


@pytest.mark.parametrize("query", ["?surety=99999999999", "?status=bogus", "?q=%25", "?page=-3"])
def test_odd_filters_are_harmless(owner, stock, query):
    assert owner.get(f"/powers/{query}").status_code == 200


# Row actions


def test_manager_assigns_a_power_to_an_agent_and_the_row_swaps(app, visit, tenant, stock):
    manager, _ = _signed_in(app, visit, tenant, "manager")
    agent = add_user(app, tenant.info, "agent", name="Dana Agent")
    page = manager.get("/powers/").get_data(as_text=True)
    assert "Dana Agent" in page  # offered in the assign select
    power_id = stock["S25-1001"]
    response = manager.post(f"/powers/{power_id}/assign", {"agent_id": agent.id}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert f'id="power-{power_id}"' in body and "Assigned" in body and "Dana Agent" in body
    assert _statuses(app, tenant)["S25-1001"] == "assigned"
    back = manager.post(f"/powers/{power_id}/unassign", htmx=True)
    assert back.status_code == 200 and _statuses(app, tenant)["S25-1001"] == "available"


def test_assigning_to_a_viewer_or_nobody_is_refused_in_the_row(app, owner, tenant, stock):
    viewer = add_user(app, tenant.info, "viewer")
    for data in ({"agent_id": viewer.id}, {}, {"agent_id": "99999999999"}):
        response = owner.post(f"/powers/{stock['S25-1001']}/assign", data, htmx=True)
        assert response.status_code == 409
        assert "Choose an active agent" in response.get_data(as_text=True)
    assert _statuses(app, tenant)["S25-1001"] == "available"


def test_void_needs_a_reason(app, owner, tenant, stock):
    power_id = stock["S25-1001"]
    refused = owner.post(f"/powers/{power_id}/void", {"reason": " "}, htmx=True)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "<html" not in body
    assert "Give a reason for voiding power S25-1001." in body and f'id="power-{power_id}"' in body
    voided = owner.post(f"/powers/{power_id}/void", {"reason": "Misprinted"}, htmx=True)
    assert voided.status_code == 200 and "Voided" in voided.get_data(as_text=True)
    assert _statuses(app, tenant)["S25-1001"] == "voided"


def test_an_executed_power_cannot_be_voided_or_returned_from_the_list(app, owner, tenant, stock):
    def write():
        services.execute(stock["S25-1001"], make_bond("B-1001"), owner_user())
        db.session.commit()

    _in(app, tenant, write)
    row = owner.get("/powers/?q=S25-1001", htmx=True).get_data(as_text=True)
    assert "Bond B-1001" in row and "Void</button>" not in row
    for action in ("void", "return"):
        response = owner.post(f"/powers/{stock['S25-1001']}/{action}", {"reason": "x"}, htmx=True)
        assert response.status_code == 409
        assert "Power S25-1001 is already used on bond B-1001." in response.get_data(as_text=True)
    assert _statuses(app, tenant)["S25-1001"] == "executed"


def test_return_without_javascript_flashes_and_redirects(app, owner, tenant, stock):
    response = owner.post(f"/powers/{stock['S25-1002']}/return")
    assert response.status_code == 302 and response.headers["Location"].endswith("/powers/")
    assert _statuses(app, tenant)["S25-1002"] == "returned"
    again = owner.post(f"/powers/{stock['S25-1002']}/return")
    page = owner.get(again.headers["Location"]).get_data(as_text=True)
    assert "Power S25-1002 was returned to Lexington National." in page


# Reports


def _executed_stock(app, tenant, stock):
    def write():
        services.assign(power("S25-1003"), db.session.get(services.User, agent_id))
        bonds = [make_bond("B-1001", "20000", "2000"), make_bond("B-1002", "5000", "500.05")]
        services.execute(stock["S25-1001"], bonds[0], owner_user())
        services.execute(stock["S25-1003"], bonds[1], owner_user())
        for bond in bonds:
            bond.status = "written"
        db.session.commit()
        services.void(power("S25-1002"), "Coffee")

    agent_id = add_user(app, tenant.info, "agent", name="=HYPERLINK(1)").id
    _in(app, tenant, write)


def test_report_shows_counts_liability_and_build_up_fund(app, owner, tenant, stock):
    _executed_stock(app, tenant, stock)
    body = owner.get("/powers/report").get_data(as_text=True)
    assert "Lexington National" in body
    assert "$25,000.00" in body  # 20,000 + 5,000 executed liability
    assert "$250.01" in body  # 200.00 + 50.005 build-up fund, rounded to cents
    assert '<td data-label="Executed">2</td>' in body
    assert '<td data-label="Voided">1</td>' in body
    assert '<td data-label="Available">2</td>' in body


def test_report_csv_lists_executed_voided_then_unexecuted_powers(app, owner, tenant, stock):
    _executed_stock(app, tenant, stock)
    response = owner.get("/powers/report.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="powers-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Power", "Surety", "Denomination", "Expires", "Status", "Bond", "Agent"]
    owner_name = f"Owner {tenant.slug}"
    assert rows[1:] == [
        [
            "S25-1001",
            "Lexington National",
            "25000.00",
            "2025-12-31",
            "executed",
            "B-1001",
            owner_name,
        ],
        [
            "S25-1003",
            "Lexington National",
            "25000.00",
            "2025-12-31",
            "executed",
            "B-1002",
            "'=HYPERLINK(1)",
        ],
        ["S25-1002", "Lexington National", "25000.00", "2025-12-31", "voided", "", ""],
        ["S25-1004", "Lexington National", "25000.00", "2025-12-31", "available", "", ""],
        ["S25-1005", "Lexington National", "25000.00", "2025-12-31", "available", "", ""],
    ]


# Roles and tenants


@pytest.mark.parametrize("role", ["viewer", "agent"])
def test_viewers_and_agents_see_powers_but_cannot_manage_them(app, visit, tenant, stock, role):
    visitor, _ = _signed_in(app, visit, tenant, role)
    page = visitor.get("/powers/").get_data(as_text=True)
    assert "S25-1001" in page
    assert "Receive batch" not in page and "Void</button>" not in page and "Add surety" not in page
    power_id = stock["S25-1001"]
    for path in (
        f"/powers/{power_id}/void",
        f"/powers/{power_id}/assign",
        f"/powers/{power_id}/return",
    ):
        assert visitor.post(path, {"reason": "x"}, htmx=True).status_code == 403
    for path in ("/powers/report", "/powers/report.csv", "/powers/batches/new"):
        assert visitor.get(path).status_code == 403
    assert _statuses(app, tenant)["S25-1001"] == "available"


def test_managers_cannot_add_sureties(app, visit, tenant):
    manager, _ = _signed_in(app, visit, tenant, "manager")
    assert manager.get("/powers/sureties/new").status_code == 403
    response = manager.post("/powers/sureties/new", {"name": "X", "buf_rate": "5"})
    assert response.status_code == 403


def test_another_agencys_owner_cannot_reach_these_powers(app, visit, tenant, other_tenant, stock):
    other = visit(other_tenant)
    other.login(other_tenant.owner_email)
    power_id = stock["S25-1001"]
    for action in ("assign", "unassign", "void", "return"):
        assert other.post(f"/powers/{power_id}/{action}", {"reason": "x"}).status_code == 404
    for path in ("/powers/?q=S25", "/powers/report", "/powers/report.csv"):
        body = other.get(path).get_data(as_text=True)
        assert "S25-100" not in body and "Lexington" not in body
    assert _statuses(app, tenant)["S25-1001"] == "available"


def test_out_of_range_power_ids_are_404(owner):
    assert owner.post("/powers/2147483648/void").status_code == 404
    assert owner.post("/powers/99999999999999999999/assign").status_code == 404
