"""Import every model so the shared metadata knows all tables (migrations, schema creation)."""

from bbp.audit.models import AuditEntry
from bbp.auth.models import User
from bbp.platform.models import PlatformAdmin, PlatformAuditEntry
from bbp.tenancy.models import Tenant, TenantDomain

__all__ = ["AuditEntry", "PlatformAdmin", "PlatformAuditEntry", "Tenant", "TenantDomain", "User"]
