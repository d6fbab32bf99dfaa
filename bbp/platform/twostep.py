"""Platform admins' second sign-in step: always required, the secret sealed under the master key."""

from __future__ import annotations

from functools import partial

from bbp.auth.twostep import Keeper, pending_account
from bbp.platform.models import PlatformAdmin, PlatformAuditEntry
from bbp.vault.services import needs_reseal, seal, unseal

PURPOSE = "platform_admins.totp_secret"
KEEPER = Keeper(
    encrypt=partial(seal, PURPOSE),
    decrypt=partial(unseal, PURPOSE),
    audit_model=PlatformAuditEntry,
    stale=needs_reseal,
)


def pending_admin() -> PlatformAdmin | None:
    """The admin whose password this half-signed-in session gave, if still valid."""
    return pending_account(PlatformAdmin, "admin:")
