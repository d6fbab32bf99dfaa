"""Support access in tests: ask from the console, answer as the owner, enter by the link."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.extensions import db
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.support.models import SupportGrant
from bbp.tenancy import bound
from tests.support import Agency, Visitor

REASON = "Owner reports the bond list shows a wrong balance"


def ask(console: Visitor, agency: Agency, minutes: int = 60, reason: str = REASON):
    """The admin asks from the agency's support panel; returns the response."""
    console.get(f"/platform/support/agencies/{agency.info.id}")
    return console.post(
        f"/platform/support/agencies/{agency.info.id}", {"reason": reason, "minutes": minutes}
    )


def latest_grant(app, agency: Agency) -> SupportGrant:
    with app.app_context():
        query = select(SupportGrant).where(SupportGrant.tenant_id == agency.info.id)
        grant = db.session.scalar(query.order_by(SupportGrant.id.desc()))
        db.session.expunge(grant)
        return grant


def approve(owner: Visitor, grant_id: int):
    owner.get("/support-access/")
    return owner.post(f"/support-access/{grant_id}/approve")


def entry_path(console: Visitor, grant_id: int) -> tuple[str, str]:
    """Open the workspace from the console: (host, path) of the hand-over link."""
    response = console.post(f"/platform/support/{grant_id}/open")
    assert response.status_code == 200, response.get_data(as_text=True)
    url = urlsplit(re.search(r'href="(http[^"]+)"', response.get_data(as_text=True)).group(1))
    return url.hostname, url.path


def enter(visitor: Visitor, path: str):
    """Open the hand-over page and press its button; returns the POST's response."""
    page = visitor.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    return visitor.post(path)


def agency_log(app, agency: Agency, prefix: str = "support.") -> list[AuditEntry]:
    with app.app_context(), bound(agency.info, db.session):
        query = select(AuditEntry).where(AuditEntry.action.startswith(prefix))
        entries = list(db.session.scalars(query.order_by(AuditEntry.id)))
        db.session.expunge_all()
        return entries


def platform_log(app, agency: Agency, prefix: str = "support.") -> list[PlatformAuditEntry]:
    with app.app_context():
        query = select(PlatformAuditEntry).where(
            PlatformAuditEntry.action.startswith(prefix),
            PlatformAuditEntry.target_id == str(agency.info.id),
        )
        entries = list(db.session.scalars(query.order_by(PlatformAuditEntry.id)))
        db.session.expunge_all()
        return entries
