"""The bond import end to end: upload, preview, run in a real worker, progress, and its guards."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from bbp.audit.models import AuditEntry
from bbp.bonds.models import Bond, BondIndemnitor, Charge
from bbp.dataio import jobs
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.settings import services as settings
from bbp.tenancy import bound
from bbp.tenancy.jobs import enqueue
from tests.factories import make_bond
from tests.support import add_user
from tests.test_shell import ScriptAudit

COLUMNS = (
    "bond_number,status,defendant_first_name,defendant_last_name,defendant_dob,defendant_phone,"
    "case_number,court,county,charge,statute,degree,bail_amount,premium,written_on,"
    "cosigner_first_name,cosigner_last_name,cosigner_phone,cosigner_relationship"
)
BOOK = f"""{COLUMNS}
,active,Ray,Doe,1990-04-02,(305) 555-0100,2024-CF-12,Circuit Court,Miami-Dade,Battery,784.03,felony,"$5,000.00",,03/15/2024,Lena,Doe,305-555-0111,mother
LEG-0042,exonerated,Ana,Ruiz,04/05/1985,,2023-MM-9,County Court,Broward,DUI,316.193,misdemeanor,1500,200,2023-11-01,,,,
,written,Ray,Doe,1990-04-02,,2024-CF-13,Circuit Court,Miami-Dade,Resisting,843.02,,2500,,2024-03-16,Lena,Doe,3055550111,mother
"""
TOKEN_IN_URL = re.compile(r"/data/import/([0-9a-f]{32})$")


def _upload(visitor, data: bytes | str, filename: str = "book.csv"):
    raw = data.encode() if isinstance(data, str) else data
    return visitor.post("/data/import", {"file": (io.BytesIO(raw), filename)})


def _uploaded(visitor, data) -> str:
    response = _upload(visitor, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return TOKEN_IN_URL.search(response.headers["Location"]).group(1)


def _work(app, redis):
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


def _with_fee(app, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        settings.current().fees = [{"name": "Filing fee", "amount": "25.00"}]
        db.session.commit()


def _bonds(app, tenant) -> list[tuple]:
    with app.app_context(), bound(tenant.info, db.session):
        bonds = db.session.scalars(select(Bond).order_by(Bond.id)).all()
        return [
            (
                b.number,
                b.status,
                b.defendant.full_name,
                b.premium,
                b.fees,
                [c.description for c in b.charges],
                [link.indemnitor.full_name for link in b.cosigners],
            )
            for b in bonds
        ]


def _count(app, tenant, model) -> int:
    with app.app_context(), bound(tenant.info, db.session):
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_book_imports_end_to_end(app, redis, owner, tenant):
    _with_fee(app, tenant)
    token = _uploaded(owner, BOOK)

    page = owner.get(f"/data/import/{token}").get_data(as_text=True)
    assert "3 bonds in the file" in page and "0 errors" in page
    assert "Next number" in page and "LEG-0042" in page
    assert (
        "$500.00" in page and '<span class="money">$25.00</span> fees' in page and "$200.00" in page
    )
    assert "Import 3 bonds" in page

    run = owner.post(f"/data/import/{token}/run")
    assert run.status_code == 302
    assert run.headers["Location"].endswith(f"/data/import/{token}/progress")
    waiting = owner.get(f"/data/import/{token}/progress").get_data(as_text=True)
    assert "0 of 3" in waiting and "Refresh" in waiting and "<progress" in waiting

    _work(app, redis)

    done = owner.get(f"/data/import/{token}/progress").get_data(as_text=True)
    assert "3 of 3" in done and "Import finished" in done and "Refresh" not in done
    assert _bonds(app, tenant) == [
        ("B-000001", "active", "Ray Doe", Decimal("500.00"), Decimal("25.00"), ["Battery"],
         ["Lena Doe"]),
        ("LEG-0042", "exonerated", "Ana Ruiz", Decimal("200.00"), Decimal("0.00"), ["DUI"], []),
        ("B-000002", "written", "Ray Doe", Decimal("250.00"), Decimal("25.00"), ["Resisting"],
         ["Lena Doe"]),
    ]  # fmt: skip
    with app.app_context(), bound(tenant.info, db.session):
        ray = db.session.scalar(select(Defendant).where(Defendant.first_name == "Ray"))
        assert (ray.date_of_birth, ray.phone) == (date(1990, 4, 2), "3055550100")
        assert db.session.scalar(select(func.count()).select_from(Defendant)) == 2
        lena = db.session.scalar(select(Indemnitor))
        assert (lena.phone, db.session.scalar(select(func.count()).select_from(Indemnitor))) == (
            "3055550111",
            1,
        )
        assert db.session.scalars(select(BondIndemnitor.relationship_to_defendant)).all() == [
            "mother",
            "mother",
        ]
        battery = db.session.scalar(select(Charge).where(Charge.description == "Battery"))
        assert (battery.statute, battery.degree, battery.bail_amount) == (
            "784.03",
            "felony",
            Decimal("5000.00"),
        )
        first = db.session.scalar(select(Bond).where(Bond.number == "B-000001"))
        zone = ZoneInfo(tenant.info.timezone)
        assert first.written_at.astimezone(zone).date() == date(2024, 3, 15)
        assert first.history[0].to_status == "active"
        imported = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "data.imported"))
        assert (imported.target_id, imported.after, imported.actor_label) == (
            token,
            {"total": 3},
            tenant.owner_email,
        )


def test_the_progress_fragment_polls_until_the_import_is_done(app, redis, owner, tenant):
    token = _uploaded(owner, BOOK)
    owner.post(f"/data/import/{token}/run")
    polling = owner.get(f"/data/import/{token}/progress", htmx=True).get_data(as_text=True)
    assert "<html" not in polling
    assert 'hx-trigger="every 1s"' in polling
    assert f'hx-get="/data/import/{token}/progress"' in polling
    _work(app, redis)
    finished = owner.get(f"/data/import/{token}/progress", htmx=True).get_data(as_text=True)
    assert "<html" not in finished and "Import finished" in finished
    assert "hx-trigger" not in finished


def test_running_the_same_file_again_imports_nothing_twice(app, redis, owner, tenant):
    token = _uploaded(owner, BOOK)
    owner.post(f"/data/import/{token}/run")
    owner.post(f"/data/import/{token}/run")  # a double click queues nothing more
    _work(app, redis)
    assert _count(app, tenant, Bond) == 3
    assert owner.post(f"/data/import/{token}/run").status_code == 302
    with app.app_context():  # a retried job, even with the progress gone from Redis
        redis.flushdb()
        enqueue(jobs.run_import, token, None, tenant=tenant.info)
    _work(app, redis)
    assert _count(app, tenant, Bond) == 3
    assert _count(app, tenant, Defendant) == 2
    assert "Import finished" in owner.get(f"/data/import/{token}/progress").get_data(as_text=True)


def test_an_import_that_stops_midway_resumes_after_its_last_batch(
    app, redis, owner, tenant, monkeypatch
):
    monkeypatch.setattr(jobs, "BATCH", 2)
    rows = "\n".join(f",,P{n},Doe,,,,,,Theft,,,100,,,,,," for n in range(5))
    token = _uploaded(owner, f"{COLUMNS}\n{rows}\n")
    add_bond = jobs._add_bond
    calls = {"n": 0}

    def flaky(row, *args):
        calls["n"] += 1
        if calls["n"] == 4:  # the second row of the second batch
            raise RuntimeError("database went away")
        return add_bond(row, *args)

    monkeypatch.setattr(jobs, "_add_bond", flaky)
    owner.post(f"/data/import/{token}/run")
    _work(app, redis)
    failed = owner.get(f"/data/import/{token}/progress").get_data(as_text=True)
    assert "stopped after 2 bonds" in failed and "Run the import again" in failed
    assert _count(app, tenant, Bond) == 2  # the unfinished batch left nothing behind

    assert owner.post(f"/data/import/{token}/run").status_code == 302
    _work(app, redis)
    assert [b[0] for b in _bonds(app, tenant)] == [f"B-{n:06d}" for n in range(1, 6)]
    assert [b[2] for b in _bonds(app, tenant)] == [f"P{n} Doe" for n in range(5)]


def test_listed_numbers_are_kept_and_new_numbers_continue_after_them(app, redis, owner, tenant):
    token = _uploaded(
        owner,
        "bond_number,defendant_first_name,defendant_last_name,charge,bail_amount\n"
        ",Ana,Ruiz,DUI,100\nB-000010,Li,Wu,DUI,100\n,Ray,Doe,DUI,100\n",
    )
    owner.post(f"/data/import/{token}/run")
    _work(app, redis)
    assert [b[0] for b in _bonds(app, tenant)] == ["B-000011", "B-000010", "B-000012"]


def test_row_errors_are_listed_and_the_import_is_refused(app, redis, owner, tenant):
    existing = make_bond(app, tenant)
    with app.app_context(), bound(tenant.info, db.session):
        taken = db.session.get(Bond, existing).number
    bad = "\n".join(
        [
            COLUMNS,
            ",,Ray,Doe,,,,,,Battery,,,5000,,,,,,",
            f"{taken},,Ana,Ruiz,,,,,,DUI,,,1500,,,,,,",
            ',,Li,Wu,,,,,,Theft,,,"12,5x",,,,,,',
            ",,Al,Bo,13/45/1990,,,,,Theft,,,100,,,Cy,,,",
        ]
    )
    token = _uploaded(owner, bad)
    page = owner.get(f"/data/import/{token}").get_data(as_text=True)
    assert "4 bonds in the file" in page and "4 errors" in page
    assert f"Row 3: bond_number &#39;{taken}&#39; already exists" in page
    assert "Row 4: bail_amount &#39;12,5x&#39; is not an amount" in page
    assert "Row 5: defendant_dob &#39;13/45/1990&#39; is not a date" in page
    assert "Row 5: cosigner_last_name is required" in page
    assert "Import 4 bonds" not in page

    refused = owner.post(f"/data/import/{token}/run")
    assert refused.status_code == 422
    assert "Nothing was imported" in refused.get_data(as_text=True)
    _work(app, redis)
    assert _count(app, tenant, Bond) == 1


def test_many_row_errors_are_paged(app, owner, tenant):
    rows = "\n".join(f"Ray,Doe,Theft,x{n}" for n in range(120))
    token = _uploaded(owner, f"defendant_first_name,defendant_last_name,charge,bail_amount\n{rows}")
    first = owner.get(f"/data/import/{token}").get_data(as_text=True)
    assert "Row 2: bail_amount" in first and "Row 52:" not in first
    assert "Page 1 of 3" in first
    last = owner.get(f"/data/import/{token}?page=3", htmx=True).get_data(as_text=True)
    assert "<html" not in last and "Row 121: bail_amount" in last and "Row 2:" not in last


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("defendant_name,charge\nRay Doe,Theft\n", "it is missing defendant_first_name"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "This is not a text CSV file."),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00", "This is an Excel workbook"),
        (b"", "The file is empty."),
        ("defendant_first_name,defendant_last_name,charge,bail_amount\n", "no bonds in it"),
    ],
)
def test_unusable_files_are_refused_with_a_clear_message(app, owner, tenant, data, message):
    response = _upload(owner, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_a_missing_or_oversized_file_is_refused(owner):
    missing = owner.post("/data/import", {})
    assert missing.status_code == 422
    assert "Choose a CSV file to import." in missing.get_data(as_text=True)
    # Encoded here: the test client would spool a body this big to a file it never closes.
    boundary, big = "b0undary", b"defendant_first_name," + b"x" * (10 * 1024 * 1024)
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n".encode()
        + big
        + f"\r\n--{boundary}--\r\n".encode()
    )
    huge = owner.post(
        "/data/import", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert huge.status_code == 422
    assert "larger than 10 MB" in huge.get_data(as_text=True)


def test_another_agency_cannot_see_or_run_this_agencys_import(
    app, redis, visit, owner, tenant, other_tenant
):
    token = _uploaded(owner, BOOK)
    intruder = visit(other_tenant)
    intruder.login(other_tenant.owner_email)
    assert intruder.get(f"/data/import/{token}").status_code == 404
    assert intruder.post(f"/data/import/{token}/run").status_code == 404
    assert intruder.get(f"/data/import/{token}/progress").status_code == 404
    owner.post(f"/data/import/{token}/run")
    assert intruder.get(f"/data/import/{token}/progress").status_code == 404
    _work(app, redis)
    assert _count(app, other_tenant, Bond) == 0


@pytest.mark.parametrize("key", ["x", "../../etc", "0" * 31, "A" * 32, "0" * 33])
def test_malformed_keys_are_not_found(owner, key):
    assert owner.get(f"/data/import/{key}").status_code == 404
    assert owner.get(f"/data/import/{key}/progress").status_code == 404
    assert owner.post(f"/data/import/{key}/run").status_code == 404


def _routes(token: str):
    return [
        ("GET", "/data/"),
        ("POST", "/data/import"),
        ("GET", f"/data/import/{token}"),
        ("POST", f"/data/import/{token}/run"),
        ("GET", f"/data/import/{token}/progress"),
    ]


@pytest.mark.parametrize("role", ["viewer", "agent", "manager"])
def test_the_data_pages_need_the_manager_role(app, redis, visit, owner, tenant, role):
    token = _uploaded(owner, BOOK)
    user = add_user(app, tenant.info, role)
    visitor = visit(tenant)
    visitor.login(user.email)
    for method, path in _routes(token):
        response = visitor.get(path) if method == "GET" else visitor.post(path, {})
        if role == "manager":
            assert response.status_code != 403, path
        else:
            assert response.status_code == 403, path
            assert "needs the manager role" in response.get_data(as_text=True)


def test_the_data_page_offers_the_exports_and_the_upload(owner):
    page = owner.get("/data/").get_data(as_text=True)
    for name in ("bonds", "defendants", "payments"):
        assert f'href="/data/{name}.csv" hx-boost="false" download' in page
    assert 'enctype="multipart/form-data"' in page and 'name="file"' in page


def test_the_import_pages_need_no_inline_script_or_style(owner):

    token = _uploaded(owner, BOOK)
    for path in ("/data/", f"/data/import/{token}", f"/data/import/{token}/progress"):
        response = owner.get(path)
        assert response.status_code == 200
        audit = ScriptAudit()
        audit.feed(response.get_data(as_text=True))
        assert audit.inline == [], path
