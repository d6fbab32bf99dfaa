"""Extension objects, created once and bound to the app in create_app()."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from flask import Flask, current_app
from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from psycopg import DataError
from psycopg.types.datetime import DateLoader, TimestamptzLoader
from redis import Redis
from sqlalchemy import DateTime, Index, MetaData, event, exc
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base: public models set schema='public', tenant models set no schema."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: DateTime(timezone=True)},
    )


db = SQLAlchemy(model_class=Base)


def trigram_indexes(table: str, *columns: str) -> list[Index]:
    """GIN trigram indexes so `ILIKE '%term%'` searches stay fast on large books.

    pg_trgm lives in public (see the public migration), so its operator class is named in full.
    """
    return [
        Index(
            f"ix_{table}_{column}_trgm",
            column,
            postgresql_using="gin",
            postgresql_ops={column: "public.gin_trgm_ops"},
        )
        for column in columns
    ]


login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
babel = Babel()


def init_redis(app: Flask) -> None:
    """Keep one Redis client per app; RQ and health checks share it."""
    app.extensions["redis"] = Redis.from_url(app.config["REDIS_URL"])


def redis_client() -> Redis:
    """The Redis client of the current app."""
    return current_app.extensions["redis"]


def guard_pool_across_fork(engine) -> None:
    """Never hand a pooled connection from a parent process to a forked child (RQ work horses)."""

    @event.listens_for(engine, "connect")
    def _remember_pid(dbapi_connection, connection_record):
        connection_record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def _refuse_foreign(dbapi_connection, connection_record, connection_proxy):
        if connection_record.info.get("pid") != os.getpid():
            connection_record.dbapi_connection = connection_proxy.dbapi_connection = None
            raise exc.DisconnectionError("connection belongs to another process")


class EdgeDateLoader(DateLoader):
    """A date PostgreSQL holds beyond Python's years 1 to 9999 loads as date.min or date.max."""

    def load(self, data):
        try:
            return super().load(data)
        except DataError as exc:
            return _edge(exc, date.min, date.max)


class EdgeTimestamptzLoader(TimestamptzLoader):
    """A timestamp beyond Python's years 1 to 9999 loads as the first or last moment in UTC."""

    def load(self, data):
        try:
            return super().load(data)
        except DataError as exc:
            return _edge(exc, datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))


def _edge(exc: DataError, first, last):
    if "too small" in str(exc):
        return first
    if "too large" in str(exc):
        return last
    raise exc


def load_extreme_dates(engine) -> None:
    """Rows holding dates Python cannot represent still load: one bad value never breaks a page."""

    @event.listens_for(engine, "connect")
    def _register(dbapi_connection, connection_record):
        dbapi_connection.adapters.register_loader("date", EdgeDateLoader)
        dbapi_connection.adapters.register_loader("timestamptz", EdgeTimestamptzLoader)
