"""Which tenant this request or job acts for, and the schema binding of every transaction.

Every ORM transaction starts with `SET LOCAL search_path` to the bound tenant's schema (or to
pg_catalog alone when no tenant is bound, so tenant tables fail closed). A transaction-scoped
setting is correct with pooled connections, across requests on one worker, and behind PgBouncer
in transaction-pooling mode, because nothing outlives the transaction that set it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

UNBOUND_SEARCH_PATH = "pg_catalog"


class TenancyError(RuntimeError):
    """Tenancy was used in a way that could mix tenants; always a programming error."""


@dataclass(frozen=True)
class TenantInfo:
    """A detached, read-only view of a tenant row, safe to keep for a request or a job."""

    id: int
    slug: str
    name: str
    schema: str
    status: str
    timezone: str
    state: str | None

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def working(self) -> bool:
        """Its background work runs: active, or suspended (defendants' reminders go on)."""
        return self.status in ("active", "suspended")

    @property
    def closed(self) -> bool:
        """Deleting, purged, or restored and not yet activated: nothing answers for it and
        nothing runs."""
        return self.status in ("deleting", "purged", "restored")


_current: ContextVar[TenantInfo | None] = ContextVar("bbp_current_tenant", default=None)


def current_tenant() -> TenantInfo | None:
    """The tenant bound to this request or job, if any."""
    return _current.get()


def require_tenant() -> TenantInfo:
    """The bound tenant; raises when code that needs one runs outside any tenant."""
    tenant = _current.get()
    if tenant is None:
        raise TenancyError("no tenant is bound to this request or job")
    return tenant


def activate(tenant: TenantInfo | None, session: Session | None = None) -> Token:
    """Bind a tenant (or none); refuses to switch while a transaction is open."""
    if isinstance(session, scoped_session):
        session = session()
    if session is not None and session.in_transaction():
        raise TenancyError("cannot change tenant while a transaction is open; remove the session")
    return _current.set(tenant)


def deactivate(token: Token) -> None:
    """Restore the binding that was in force before activate()."""
    _current.reset(token)


@contextmanager
def bound(tenant: TenantInfo, session: Session | None = None) -> Iterator[TenantInfo]:
    """Run a block for one tenant; the caller's session must not be mid-transaction."""
    token = activate(tenant, session)
    try:
        yield tenant
    finally:
        if session is not None:
            session.close()
        deactivate(token)


@contextmanager
def autocommit(engine: Engine) -> Iterator[Connection]:
    """A connection on which every statement commits on its own, with the bound tenant's tables
    named by schema (there is no transaction to scope a search path to): for work that must be
    durable one statement at a time. Core statements on tables only: SQL text is not bound."""
    schema = quote_schema(require_tenant().schema).strip('"')
    with engine.connect() as connection:
        yield connection.execution_options(
            isolation_level="AUTOCOMMIT", schema_translate_map={None: schema}
        )


def in_schema(tenant: TenantInfo) -> dict:
    """Execution options naming one agency's tables by schema, for a Core statement inside a
    transaction bound to no agency (the platform's own, writing what an agency is owed in the
    same commit as the event that owes it)."""
    bound_now = _current.get()
    if bound_now is not None and bound_now.id != tenant.id:
        raise TenancyError("cannot name another agency's schema while one is bound")
    return {"schema_translate_map": {None: quote_schema(tenant.schema).strip('"')}}


def set_search_path(connection: Connection, schema: str | None) -> None:
    """Scope this transaction to one schema; only the tenancy package calls this."""
    connection.exec_driver_sql(
        "SELECT set_config('search_path', %(path)s, true)",
        {"path": quote_schema(schema) if schema else UNBOUND_SEARCH_PATH},
    )


def quote_schema(schema: str) -> str:
    """Quote a schema name we generated ourselves (t_ + validated slug)."""
    if not schema.replace("_", "").isalnum() or not schema.startswith("t_"):
        raise TenancyError(f"refusing suspicious schema name {schema!r}")
    return f'"{schema}"'


def _bind_transaction(session: Session, transaction, connection: Connection) -> None:
    tenant = _current.get()
    set_search_path(connection, tenant.schema if tenant else None)


def install(session_class: type[Session]) -> None:
    """Hook the schema binding into every transaction a session of this class begins."""
    if not event.contains(session_class, "after_begin", _bind_transaction):
        event.listen(session_class, "after_begin", _bind_transaction)
