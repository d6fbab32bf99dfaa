"""The email to an agency's owners when support asks for access (or is let in at once)."""

from __future__ import annotations

from flask import url_for

from bbp.kernel.clock import local
from bbp.kernel.links import tenant_url
from bbp.platform.models import PlatformAdmin
from bbp.platform.support.models import SupportGrant
from bbp.tenancy import TenantInfo


def to_owner(info: TenantInfo, grant: SupportGrant, admin: PlatformAdmin) -> tuple[str, str]:
    """The subject and body of the email telling the agency's owners that support asked."""
    page = tenant_url(info, url_for("support.index"))
    who = admin.name or admin.email
    if grant.status == "approved":
        until = local(grant.expires_at).strftime("%-I:%M %p %Z")
        return (
            f"BailBondPro support is in {info.name} until {until}",
            f"{who} from BailBondPro support has read-only access to {info.name} until {until}, "
            f"because your settings let support in without approval.\n\nReason: {grant.reason}\n\n"
            f"See or end it here: {page}\n",
        )
    return (
        f"BailBondPro support asks for access to {info.name}",
        f"{who} from BailBondPro support asks for read-only access to {info.name} for "
        f"{grant.minutes} minutes.\n\nReason: {grant.reason}\n\n"
        f"Approve or deny it here (owners only): {page}\n",
    )
