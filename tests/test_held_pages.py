"""Pages and accounts a process keeps until the agency's next write (bbp/web/heldpages.py).

A page seen again costs no query, and is never stale after a write, another agency's, another
person's, or carrying another session's form token.
"""

from __future__ import annotations

import re

import pytest
from redis import RedisError

from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.dashboard import figures
from bbp.extensions import db
from bbp.kernel import changes
from bbp.kernel.keys import tenant_key
from bbp.messaging import services as texts
from bbp.platform import loader
from bbp.tenancy import bound
from bbp.web import heldpages
from tests.factories import make_bond
from tests.support import add_user, counted

PAGES = ("/dashboard/", "/bonds/", "/bonds/?q=doe", "/bonds/{bond}")
TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


@pytest.fixture(autouse=True)
def nothing_held():
    heldpages.forget()
    loader.forget()
    figures.forget()
    yield
    heldpages.forget()
    loader.forget()
    figures.forget()


@pytest.fixture
def bond(app, tenant) -> int:
    return make_bond(app, tenant, first_name="Ray", last_name="Doe", bail="1234")


def _twice(app, visitor, path: str):
    first = visitor.get(path, htmx="?q=" in path)
    with counted(app) as queries:
        again = visitor.get(path, htmx="?q=" in path)
    return first, again, queries


@pytest.mark.parametrize("path", PAGES)
def test_a_page_seen_again_costs_no_query(app, owner, bond, path):
    first, again, queries = _twice(app, owner, path.format(bond=bond))
    assert first.status_code == again.status_code == 200
    assert queries == []
    assert _untokened(again) == _untokened(first)


def _untokened(response) -> str:
    """The page without its form tokens (each request signs the session's token anew)."""
    return re.sub(r"[\w-]+\.[\w-]+\.[\w-]+", "", response.get_data(as_text=True))


def test_a_write_shows_on_the_next_view(app, owner, tenant, bond):
    assert "Cosigner called" not in owner.get(f"/bonds/{bond}").get_data(as_text=True)
    owner.post(f"/bonds/{bond}/notes", {"body": "Cosigner called back."})
    assert "Cosigner called back." in owner.get(f"/bonds/{bond}").get_data(as_text=True)

    assert "Lane" not in owner.get("/bonds/").get_data(as_text=True)
    make_bond(app, tenant, first_name="Ada", last_name="Lane")  # another process's write
    assert "Lane" in owner.get("/bonds/").get_data(as_text=True)


def test_a_kept_page_is_never_another_agencys(app, owner, visit, tenant, other_tenant, bond):
    theirs = make_bond(app, other_tenant, first_name="Zed", last_name="Quill")
    assert theirs == bond  # each agency numbers its rows from 1: the same path
    assert "Doe" in owner.get(f"/bonds/{bond}").get_data(as_text=True)
    bravo = visit(other_tenant)
    bravo.login(other_tenant.owner_email)
    page = bravo.get(f"/bonds/{bond}").get_data(as_text=True)
    assert "Quill" in page and "Doe" not in page


def test_a_kept_page_is_never_another_persons(app, owner, visit, tenant, bond):
    assert 'href="/staff/"' in owner.get("/bonds/").get_data(as_text=True)
    agent = add_user(app, tenant.info, "agent")
    visitor = visit(tenant)
    visitor.login(agent.email)
    page = visitor.get("/bonds/").get_data(as_text=True)
    assert agent.email in page and 'href="/staff/"' not in page


def test_a_kept_page_carries_the_current_sessions_form_token(app, owner, visit, tenant, bond):
    phone = visit(tenant)  # the same person signed in on another device: another session
    phone.login(tenant.owner_email)
    owner.get(f"/bonds/{bond}")  # kept, with the owner's token cut out
    with counted(app) as queries:
        page = phone.get(f"/bonds/{bond}").get_data(as_text=True)
    assert queries == []  # served from what the process keeps
    assert TOKEN.search(page).group(1) == phone.csrf != owner.csrf
    assert f'value="{phone.csrf}"' in page  # the forms' hidden fields too
    done = phone.post(f"/bonds/{bond}/notes", {"body": "Written from the phone."})
    assert done.status_code == 302


def test_a_flashed_message_shows_once(owner, bond):
    owner.get(f"/bonds/{bond}")
    owner.post(f"/bonds/{bond}/notes", {"body": "Paid in cash."})
    assert "Note added." in owner.get(f"/bonds/{bond}").get_data(as_text=True)
    assert "Note added." not in owner.get(f"/bonds/{bond}").get_data(as_text=True)


def test_a_flushed_counter_starts_where_no_kept_page_can_match(app, owner, tenant, bond, redis):
    owner.get(f"/bonds/{bond}")
    with app.app_context(), bound(tenant.info):
        redis.delete(tenant_key("changes"))
    with counted(app) as queries:
        assert owner.get(f"/bonds/{bond}").status_code == 200
    assert queries  # built again


def test_pages_age_out_with_the_clock(app, owner, bond, clock):
    owner.get(f"/bonds/{bond}")
    clock.advance(seconds=heldpages.SECONDS - 1)
    with counted(app) as kept:
        owner.get(f"/bonds/{bond}")
    clock.advance(seconds=2)
    with counted(app) as built:
        owner.get(f"/bonds/{bond}")
    assert kept == [] and built


def test_without_redis_nothing_is_kept_and_pages_still_work(app, owner, bond, monkeypatch):
    class Down:
        def get(self, *_args):
            raise RedisError("down")

        def pipeline(self, **_kwargs):
            raise RedisError("down")

    monkeypatch.setattr(changes, "redis_client", Down)
    first, again, queries = _twice(app, owner, f"/bonds/{bond}")
    assert first.status_code == again.status_code == 200
    assert queries  # nothing kept: every view reads the database


def test_a_role_change_reaches_a_held_account_at_once(app, owner, visit, tenant):
    agent = add_user(app, tenant.info, "agent")
    visitor = visit(tenant)
    visitor.login(agent.email)
    assert 'href="/payments/"' not in visitor.get("/bonds/").get_data(as_text=True)
    assert owner.post(f"/staff/{agent.id}/role", {"role": "manager"}).status_code == 302
    assert 'href="/payments/"' in visitor.get("/bonds/").get_data(as_text=True)


def test_ending_sessions_reaches_a_held_account_at_once(app, owner, tenant):
    assert owner.get("/bonds/").status_code == 200
    with app.app_context(), bound(tenant.info, db.session):
        db.session.get(User, 1).session_version += 1  # as a new password does
        db.session.commit()
    assert owner.get("/bonds/").status_code == 302


def test_a_text_sent_by_a_worker_reaches_a_kept_bond_page(app, owner, tenant, bond, redis):
    with app.app_context(), bound(tenant.info, db.session):
        defendant_id = db.session.get(Bond, bond).defendant_id
        text_id = texts.queue(
            "3055550142", "Court tomorrow at 9.", "one_off", bond_id=bond, defendant_id=defendant_id
        ).id
        db.session.commit()
    assert "Court tomorrow" in owner.get(f"/bonds/{bond}").get_data(as_text=True)
    with app.app_context(), bound(tenant.info, db.session):
        assert texts.deliver(text_id) == "sent"  # its statements commit outside the session
    with counted(app) as queries:
        assert owner.get(f"/bonds/{bond}").status_code == 200
    assert queries  # built again, with the text's new status
