"""Services own their transactions (`atomic`); routes never commit or roll back; refusals are
one family of errors with one handler per kind."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.kernel.errors import AccessRefused, DomainError, LoginRefused
from bbp.kernel.transactions import atomic
from bbp.messaging.services import MessagingError
from bbp.tenancy import bound
from tests.conftest import dispose, make_app

BBP = Path(__file__).resolve().parents[1] / "bbp"
ROUTE = re.compile(r"@(bp|[a-z_]+)\.(get|post|route)\(")


def _route_modules() -> list[Path]:
    return [p for p in sorted(BBP.rglob("*.py")) if ROUTE.search(p.read_text())]


def _session_calls(path: Path) -> list[str]:
    """Every `<anything>.session.commit()` / `.rollback()` call in a module, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("commit", "rollback")
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "session"
        ):
            found.append(f"{path}:{node.lineno} {node.func.attr}()")
    return found


def test_the_scan_finds_the_route_modules():
    names = {str(p.relative_to(BBP)) for p in _route_modules()}
    assert {"payments/views.py", "bonds/views/intake.py", "portal/views/sign_in.py"} <= names
    assert len(names) > 20


def test_no_route_module_commits_or_rolls_back():
    calls = [call for path in _route_modules() for call in _session_calls(path)]
    assert calls == [], "move these into the service, under `atomic`:\n" + "\n".join(calls)


def test_the_scan_would_see_a_commit(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text("def f():\n    db.session.commit()\n    db.session.rollback()\n")
    assert len(_session_calls(sample)) == 2


def test_refusals_are_one_family():
    for kind in (AccessRefused, LoginRefused, MessagingError):
        assert issubclass(kind, DomainError)
    assert issubclass(MessagingError, ValueError)  # older callers catch ValueError
    assert DomainError("x").status == 422
    assert AccessRefused("x").status == 422 and AccessRefused("x", 429).status == 429


# --- atomic ---------------------------------------------------------------------------------


@pytest.fixture
def bound_session(app, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        yield db.session


def _count(last: str) -> int:
    return db.session.scalar(select(func.count()).where(Defendant.last_name == last))


@pytest.fixture
def spy(bound_session, monkeypatch):
    """Count the commits and rollbacks of the session."""
    calls: list[str] = []
    session = bound_session()
    real_commit, real_rollback = session.commit, session.rollback

    def commit():
        calls.append("commit")
        real_commit()

    def rollback():
        calls.append("rollback")
        real_rollback()

    monkeypatch.setattr(session, "commit", commit)
    monkeypatch.setattr(session, "rollback", rollback)
    return calls


def test_atomic_commits_once_on_success(bound_session, spy):
    @atomic
    def add(last: str) -> Defendant:
        defendant = Defendant(first_name="Ana", last_name=last)
        db.session.add(defendant)
        return defendant

    assert add("Atomic-ok").last_name == "Atomic-ok"
    assert spy == ["commit"]
    db.session.expire_all()
    assert _count("Atomic-ok") == 1


@pytest.mark.parametrize("error", [DomainError("Refused."), RuntimeError("boom")])
def test_atomic_rolls_back_on_any_error(bound_session, spy, error):
    with pytest.raises(type(error)), atomic:
        db.session.add(Defendant(first_name="Ana", last_name="Atomic-no"))
        db.session.flush()
        raise error
    assert spy == ["rollback"]
    assert _count("Atomic-no") == 0


def test_nested_units_join_the_outer_one(bound_session, spy):
    @atomic
    def inner(last: str) -> None:
        db.session.add(Defendant(first_name="Ana", last_name=last))

    with atomic() as session:
        inner("Atomic-nested")
        inner("Atomic-nested")
        assert spy == []  # nothing committed early
        assert session is db.session()
    assert spy == ["commit"]
    assert _count("Atomic-nested") == 2


def test_an_error_in_a_nested_unit_undoes_the_outer_one(bound_session, spy):
    @atomic
    def refuse() -> None:
        db.session.add(Defendant(first_name="Ana", last_name="Atomic-outer"))
        raise DomainError("No.")

    with pytest.raises(DomainError), atomic:
        db.session.add(Defendant(first_name="Ana", last_name="Atomic-outer"))
        refuse()
    assert spy == ["rollback"]
    assert _count("Atomic-outer") == 0
    with atomic:  # the depth is back to zero: the next unit commits again
        pass
    assert spy == ["rollback", "commit"]


# --- handlers -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def refusing_app(database_url, redis_url):
    """An app with routes that let each kind of refusal escape, and one that saves first."""
    app = make_app(database_url, redis_url)
    errors = {
        "domain": DomainError("That bond is already written."),
        "conflict": DomainError("The bond changed meanwhile.", status=409),
        "access": AccessRefused("Too many tries.", 429),
        "login": LoginRefused("That email and password do not match."),
        "messaging": MessagingError("That is not a 10-digit US phone number."),
    }

    @app.route("/refuse/<kind>", methods=["GET", "POST"])
    def refuse(kind: str):
        raise errors[kind]

    @app.post("/refuse-after-saving")
    def refuse_after_saving():
        db.session.add(Defendant(first_name="Ana", last_name="Handler-rollback"))
        db.session.flush()
        raise DomainError("Not saved.")

    app.extensions["bbp_sites"][""] = "any"
    app.config["WTF_CSRF_ENABLED"] = False
    yield app
    dispose(app)


@pytest.mark.parametrize(
    "kind, status, message",
    [
        ("domain", 422, "That bond is already written."),
        ("conflict", 409, "The bond changed meanwhile."),
        ("access", 429, "Too many tries."),
        ("login", 422, "That email and password do not match."),
        ("messaging", 422, "That is not a 10-digit US phone number."),
    ],
)
def test_a_refusal_is_a_full_page(refusing_app, tenant, kind, status, message):
    response = refusing_app.test_client().get(
        f"/refuse/{kind}", base_url=f"http://{tenant.slug}.localhost"
    )
    body = response.get_data(as_text=True)
    assert response.status_code == status
    assert "<html" in body and message in body
    assert "HX-Retarget" not in response.headers


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_refusal_is_a_fragment_for_htmx(refusing_app, tenant, method):
    client = refusing_app.test_client()
    response = getattr(client, method)(
        "/refuse/domain",
        base_url=f"http://{tenant.slug}.localhost",
        headers={"HX-Request": "true"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in body and "That bond is already written." in body
    assert response.headers["HX-Retarget"] == "#flash"


def test_a_refusal_keeps_nothing(refusing_app, tenant):
    response = refusing_app.test_client().post(
        "/refuse-after-saving", base_url=f"http://{tenant.slug}.localhost"
    )
    assert response.status_code == 422
    with refusing_app.app_context(), bound(tenant.info, db.session):
        assert _count("Handler-rollback") == 0
