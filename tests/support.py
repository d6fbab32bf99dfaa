"""Test helpers: a visitor bound to one host, and data factories."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from bbp.auth.models import User
from bbp.extensions import db
from bbp.tenancy import TenantInfo, bound

PASSWORD = "correct horse battery staple"
DOMAIN = "localhost"
CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')


def host_of(tenant: TenantInfo | str) -> str:
    """The hostname of a tenant (or 'admin' / any label)."""
    label = tenant.slug if isinstance(tenant, TenantInfo) else tenant
    return f"{label}.{DOMAIN}"


class Visitor:
    """One browser talking to one host; remembers the CSRF token the pages hand out."""

    def __init__(self, client: FlaskClient, host: str):
        self.client = client
        self.host = host
        self.csrf: str | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"

    def get(self, path: str, htmx: bool = False, **kwargs):
        headers = kwargs.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        response = self.client.get(path, base_url=self.base_url, headers=headers, **kwargs)
        match = CSRF_IN_PAGE.search(response.get_data().decode("utf-8", "replace"))
        response.close()  # the body is buffered now; release files behind static responses
        if match:
            self.csrf = match.group(1)
        return response

    def post(
        self, path: str, data: dict | None = None, htmx: bool = False, csrf: bool = True, **kwargs
    ):
        headers = kwargs.pop("headers", {})
        if csrf:
            if self.csrf is None:
                self.get("/login" if self.host.split(".")[0] != "admin" else "/platform/login")
            headers["X-CSRFToken"] = self.csrf
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(
            path, base_url=self.base_url, data=data or {}, headers=headers, **kwargs
        )

    def login(self, email: str, password: str = PASSWORD, path: str = "/login"):
        self.get(path)
        return self.post(path, {"email": email, "password": password})

    def session_cookie(self):
        return self.client.get_cookie("session", domain=self.host)


@dataclass
class Agency:
    """A provisioned test tenant and its owner."""

    info: TenantInfo
    owner_email: str

    @property
    def slug(self) -> str:
        return self.info.slug

    @property
    def name(self) -> str:
        return self.info.name


def process_env(app: Flask, **extra: str) -> dict[str, str]:
    """The environment of a child process (a worker, a server) that uses the test app's
    database, Redis and keys."""
    return dict(
        os.environ,
        BBP_ENV="testing",
        SECRET_KEY=app.config["SECRET_KEY"],
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        BBP_MASTER_KEYS=app.config["BBP_MASTER_KEYS"],
        **extra,
    )


def unique_slug(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def add_user(
    app: Flask,
    tenant: TenantInfo,
    role: str = "agent",
    email: str | None = None,
    password: str | None = PASSWORD,
    name: str = "",
) -> User:
    """Create a staff member directly in a tenant schema (test setup only)."""
    email = email or f"{role}-{uuid.uuid4().hex[:6]}@{tenant.slug}.example"
    with app.app_context(), bound(tenant, db.session):
        user = User(email=email, role=role, name=name or f"{role.title()} {tenant.slug}")
        if password:
            user.set_password(password)
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
    return user


def fetch_user(app: Flask, tenant: TenantInfo, email: str) -> User | None:
    """Read a staff member back from a tenant schema."""

    with app.app_context(), bound(tenant, db.session):
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


MONEY_MARK = re.compile(r'<span class="money">([^<]*)</span>')


def unmarked(html: str) -> str:
    """A page with each money figure's marking span taken off, for asserting on amounts."""
    return MONEY_MARK.sub(r"\1", html)


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs inside the block (query-count tests)."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
