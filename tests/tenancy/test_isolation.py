"""A tenant can never read or write another tenant's rows, through any route or connection."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from bbp.auth.models import User
from bbp.dataio import archives
from bbp.defendants import services as defendants
from bbp.extensions import db
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy import TenancyError, bound
from tests.conftest import dispose, make_app
from tests.routes import protected_routes, tenant_routes
from tests.support import Visitor, add_user, fetch_user

TARGET = "victim-marker@alpha.example"


@pytest.fixture(scope="module")
def victim(app, module_tenant, module_other_tenant):
    """Rows of tenant A (a staff member, a defendant) whose ids do not exist in tenant B.

    Shared by the module's URL-map sweeps: each sweep checks that A's rows are unchanged.
    """
    tenant = module_tenant
    for _ in range(3):
        add_user(app, tenant.info, "agent")
    user = add_user(app, tenant.info, "agent", email=TARGET, name="Victim Marker")
    with app.app_context(), bound(tenant.info, db.session):
        for n in range(3):
            defendants.save(None, {"first_name": "Filler", "last_name": f"Person{n}"})
        defendant = defendants.save(
            None,
            {
                "first_name": "Victor",
                "last_name": "Markerson",
                "ssn": "555-12-3456",
                "phone": "3055550100",
            },
        )
        user.defendant_id = defendant.id
    with app.app_context():  # an archive of A, ready to download (its id is public, not A's)
        made = archives.start(tenant.info, "test", queue=False, audit_model=PlatformAuditEntry)
        user.archive_id = archives.build(made.id).id
    return user


def _ids(victim) -> dict:
    return {
        "user_id": victim.id,
        "defendant_id": victim.defendant_id,
        "archive_id": victim.archive_id,
    }


def _markers(tenant) -> list[str]:
    return [
        tenant.name,
        tenant.owner_email,
        TARGET,
        "Victim Marker",
        "Markerson",
        "555123456",
        "3055550100",
    ]


@pytest.mark.parametrize("route", tenant_routes(), ids=str)
def test_other_tenants_staff_cannot_reach_this_tenants_rows(
    app, visit, module_tenant, module_other_tenant, victim, route
):
    """B's owner, signed in on B, tries every route with A's ids: nothing of A comes back."""
    tenant, other_tenant = module_tenant, module_other_tenant
    intruder = visit(other_tenant)
    intruder.login(other_tenant.owner_email)
    path = route.path(**_ids(victim))
    response = intruder.get(path) if route.method == "GET" else intruder.post(path, {})
    body = response.get_data(as_text=True)
    for marker in _markers(tenant):
        assert marker not in body
    if "_id>" in route.rule and route.required_role != "portal":
        assert response.status_code in (403, 404)
    elif route.required_role == "portal":  # a staff sign-in is no portal sign-in
        assert response.status_code == 302 and "/portal/login" in response.headers["Location"]
    after = fetch_user(app, tenant.info, TARGET)
    assert (after.active, after.session_version) == (victim.active, victim.session_version)


@pytest.mark.parametrize("route", protected_routes(), ids=str)
def test_session_cookie_from_one_agency_is_worthless_on_another(
    app, visit, module_tenant, module_other_tenant, victim, route
):
    """A's owner's cookie replayed on B's host is a signed-out visitor there."""
    tenant, other_tenant = module_tenant, module_other_tenant
    insider = visit(tenant)
    insider.login(tenant.owner_email)
    stolen = insider.session_cookie()
    replay = visit(other_tenant)
    replay.client.set_cookie("session", stolen.value, domain=replay.host)
    path = route.path(**_ids(victim))
    if route.method == "GET":
        response = replay.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        response = replay.post(path, {})
        assert response.status_code in (302, 400)
    for marker in _markers(tenant) + _markers(other_tenant):
        assert marker not in response.get_data(as_text=True)


def test_cookie_replayed_with_a_forged_host_header_is_rejected(app, visit, tenant, other_tenant):
    insider = visit(tenant)
    insider.login(tenant.owner_email)
    stolen = insider.session_cookie().value
    client = app.test_client()
    client.set_cookie("session", stolen, domain=f"{other_tenant.slug}.localhost")
    response = client.get("/dashboard/", base_url=f"http://{other_tenant.slug}.localhost")
    assert response.status_code == 302


def test_consecutive_requests_for_different_tenants_on_one_connection(
    make_agency, database_url, redis_url
):
    """One worker, one pooled connection, alternating tenants: each sees only its own rows."""

    single = make_app(
        database_url,
        redis_url,
        SQLALCHEMY_ENGINE_OPTIONS={
            "pool_size": 1,
            "max_overflow": 0,
            "connect_args": {"prepare_threshold": None},
        },
    )
    a, b = make_agency("one"), make_agency("two")
    visitors = {}
    for agency in (a, b):
        visitor = Visitor(single.test_client(), f"{agency.slug}.localhost")
        assert visitor.login(agency.owner_email).status_code == 302
        visitors[agency.slug] = visitor
    for _ in range(5):
        for agency, other in ((a, b), (b, a)):
            body = visitors[agency.slug].get("/staff/").get_data(as_text=True)
            assert agency.owner_email in body
            assert other.owner_email not in body
    with single.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("SHOW search_path")).scalar() == '"$user", public'
    dispose(single)


def test_raw_sql_in_a_request_or_job_is_bound_to_the_tenant(app, tenant, other_tenant):
    with app.app_context():
        for agency in (tenant, other_tenant):
            with bound(agency.info, db.session):
                emails = db.session.execute(text("SELECT email FROM users")).scalars().all()
                assert emails == [agency.owner_email]


def test_unbound_code_cannot_touch_tenant_tables(app, tenant):
    with app.app_context():
        with pytest.raises(Exception, match='relation "users" does not exist'):
            db.session.execute(select(User)).all()
        db.session.rollback()


def test_switching_tenant_mid_transaction_is_refused(app, tenant, other_tenant):
    with app.app_context(), bound(tenant.info, db.session):
        db.session.execute(select(User)).all()
        with pytest.raises(TenancyError), bound(other_tenant.info, db.session):
            pass
        db.session.rollback()


def test_no_tenant_table_in_public_and_no_cross_schema_foreign_keys(app, tenant, other_tenant):
    with app.app_context(), db.engine.connect() as conn:
        public = set(
            conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                )
            ).scalars()
        )
        assert public == {
            "alembic_version",
            "tenants",
            "tenant_domains",
            "tenant_wakeups",  # ids and times only: when the tick next runs a task per agency
            "spare_schemas",  # names of empty schemas made ahead: no agency data
            "tenant_usage",  # counts, sizes and times per agency: no row of its data
            "platform_admins",
            "platform_audit",
            "support_grants",  # ids, times and the admin's reason: who may enter which agency
            "support_policies",  # each agency's one yes/no: support without approval
            "agency_archives",  # ids, progress, sizes and checksums of archives: no agency data
            "dunning",  # each agency's payment standing and its dates: no agency data
            "plans",  # the platform's price list
            "billing_accounts",  # each agency's plan, Stripe ids and dates: no person
            "stripe_events",  # ids, types and dates of Stripe events processed: no person
            "billing_meters",  # the platform's Stripe meter id, by event name
            "text_usage_reports",  # segments per agency and hour, Stripe ids, dates: no text
            "connected_accounts",  # which agency a Stripe connected account is: ids only
            "connect_events",  # ids, types and dates of Connect events processed: no person
        }
        cross = conn.execute(
            text("""
            SELECT tc.table_schema, ccu.table_schema FROM information_schema.table_constraints tc
            JOIN information_schema.constraint_column_usage ccu
              ON tc.constraint_name = ccu.constraint_name AND tc.table_schema = ccu.constraint_schema
            WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema <> ccu.table_schema
        """)
        ).all()
        assert cross == []
