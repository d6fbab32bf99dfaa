"""The tenancy core: every request and every job passes through here.

Feature code asks `current_tenant()` / `require_tenant()` and uses `db.session`; it never builds
schema names or sets search paths itself.
"""

from bbp.tenancy.context import (
    TenancyError,
    TenantInfo,
    autocommit,
    bound,
    current_tenant,
    in_schema,
    require_tenant,
)
from bbp.tenancy.resolver import register_site_blueprint, tenant_by_slug

__all__ = [
    "TenancyError",
    "TenantInfo",
    "autocommit",
    "bound",
    "current_tenant",
    "in_schema",
    "register_site_blueprint",
    "require_tenant",
    "tenant_by_slug",
]
