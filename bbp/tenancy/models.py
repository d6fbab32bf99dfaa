"""Platform tables in the public schema: tenants and their hostnames."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bbp.extensions import db

# active: open to everyone. suspended: staff shut out; what defendants depend on keeps working
# (court reminders, check-ins, the portal). deleting: closed to everyone, purged once the grace
# ends unless under legal hold. purged: a tombstone row, no data. restored: made from an archive,
# closed and silent until a superadmin activates it, so a copy never texts the original's
# defendants (docs/platform-lifecycle.md, docs/platform-archives.md).
TENANT_STATUSES = ("active", "suspended", "deleting", "purged", "restored")
# The statuses whose background work runs (periodic tasks and queued jobs).
WORKING_STATUSES = ("active", "suspended")
DOMAIN_KINDS = ("subdomain", "custom")


class Tenant(db.Model):
    """An agency: one row here, all of its data in schema t_<slug>."""

    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint(
            "status IN ('active', 'suspended', 'deleting', 'purged', 'restored')", name="status"
        ),
        CheckConstraint(
            "status <> 'deleting' "
            "OR (purge_after IS NOT NULL AND status_before_deletion IS NOT NULL)",
            name="deleting_has_purge_date",
        ),
        {"schema": "public"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    schema_name: Mapped[str] = mapped_column(String(63), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    suspended_reason: Mapped[str | None] = mapped_column(String(500))
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    state: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Deletion (docs/platform-lifecycle.md): kept on the purged tombstone; no agency data.
    status_before_deletion: Mapped[str | None] = mapped_column(String(16))
    deletion_requested_at: Mapped[datetime | None]
    deletion_requested_by: Mapped[str | None] = mapped_column(String(254))
    deletion_reason: Mapped[str | None] = mapped_column(String(500))
    purge_after: Mapped[datetime | None]
    purged_at: Mapped[datetime | None]
    # A legal hold keeps every record however long the deletion has waited.
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    legal_hold_reason: Mapped[str | None] = mapped_column(String(500))
    legal_hold_set_at: Mapped[datetime | None]
    legal_hold_set_by: Mapped[str | None] = mapped_column(String(254))

    domains: Mapped[list[TenantDomain]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan"
    )


class TenantDomain(db.Model):
    """A hostname that resolves to a tenant: its subdomain label or a full custom domain."""

    __tablename__ = "tenant_domains"
    __table_args__ = (
        CheckConstraint("kind IN ('subdomain', 'custom')", name="kind"),
        {"schema": "public"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("public.tenants.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    hostname: Mapped[str] = mapped_column(String(253), unique=True)
    # A custom domain resolves to its agency only once verified: the TXT record
    # _bbp-verify.<hostname> held this token (docs/platform-agencies.md).
    verify_token: Mapped[str | None] = mapped_column(String(64))
    verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    tenant: Mapped[Tenant] = relationship(back_populates="domains")

    @property
    def verified(self) -> bool:
        return self.kind == "subdomain" or self.verified_at is not None


class TenantWakeup(db.Model):
    """When the scheduler next runs one periodic task for one agency: ids and a time, no data.

    The tick finds every due agency with one range scan on `due_at`; each task, after running,
    writes back when the agency next needs it, and services pull the time earlier when what is
    due changes (`bbp.kernel.wakeups.wake`).
    """

    __tablename__ = "tenant_wakeups"
    __table_args__ = ({"schema": "public"},)

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("public.tenants.id", ondelete="CASCADE"), primary_key=True
    )
    task: Mapped[str] = mapped_column(String(40), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(index=True)


class SpareSchema(db.Model):
    """A tenant schema made ahead at a revision, waiting to become a new agency's (by rename).

    No agency data: the schema's tables are empty until one is renamed to t_<slug>.
    """

    __tablename__ = "spare_schemas"
    __table_args__ = ({"schema": "public"},)

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    revision: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class TenantUsage(db.Model):
    """An agency's usage snapshot: counts, sizes and times only, never a row of its data.

    Platform metadata in public so the console can list, sort and filter agencies by usage with
    one query instead of visiting every schema; the periodic `usage` task rewrites it.
    """

    __tablename__ = "tenant_usage"
    __table_args__ = ({"schema": "public"},)

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("public.tenants.id", ondelete="CASCADE"), primary_key=True
    )
    bonds_active: Mapped[int] = mapped_column(default=0)
    bonds_total: Mapped[int] = mapped_column(default=0)
    owners: Mapped[int] = mapped_column(default=0)
    staff: Mapped[int] = mapped_column(default=0)
    texts_this_month: Mapped[int] = mapped_column(default=0)
    segments_this_month: Mapped[int] = mapped_column(default=0)
    texts_last_month: Mapped[int] = mapped_column(default=0)
    segments_last_month: Mapped[int] = mapped_column(default=0)
    storage_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    database_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    last_sign_in_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime | None]
    measured_at: Mapped[datetime]
