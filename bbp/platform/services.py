"""Platform admin sign-in and sign-out, audited in the platform log."""

from __future__ import annotations

from sqlalchemy import select

from bbp.audit.services import record
from bbp.auth.services import sign_in_account
from bbp.extensions import db
from bbp.platform.models import PlatformAdmin, PlatformAuditEntry


def sign_in(email: str, password: str) -> PlatformAdmin:
    """Check a platform admin's password under the staff lockout policy; the code comes next."""
    query = select(PlatformAdmin).where(PlatformAdmin.email == email.strip().lower())
    admin = db.session.scalar(query.with_for_update())
    return sign_in_account(admin, email, password, PlatformAuditEntry, "platform", second_step=True)


def sign_out(admin: PlatformAdmin) -> None:
    """Audit a platform admin's sign-out."""
    record("auth.sign_out", admin, actor=admin, model=PlatformAuditEntry)
    db.session.commit()
