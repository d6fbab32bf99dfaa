"""An agency's archive downloaded from the console: a support-access action, never a console
right. The admin must hold open access to that agency (approved by its owner, within its hour),
the download is written to both audit logs under the admin's name, and it holds no SSN, license
number or credential: support access never reveals them (bbp/dataio/withholding.py)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from bbp.dataio import archives, withholding
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.platform.models import PlatformAdmin
from bbp.platform.support.models import SupportGrant
from bbp.platform.support.services import admin_label, agency_entry, in_agency, platform_entry
from bbp.tenancy.models import Tenant
from bbp.tenancy.resolver import tenant_by_slug


def open_grant(admin: PlatformAdmin, tenant_id: int) -> SupportGrant | None:
    """The admin's open support access to the agency, if any."""
    grants = db.session.scalars(
        select(SupportGrant)
        .where(SupportGrant.tenant_id == tenant_id, SupportGrant.admin_id == admin.id)
        .where(SupportGrant.status == "approved")
        .order_by(SupportGrant.id.desc())
    )
    return next((grant for grant in grants if grant.active), None)


def download(admin: PlatformAdmin, tenant_id: int, archive_id: int) -> Iterator[bytes]:
    """The archive's plain tar for an admin inside open support access; audited twice."""
    grant = open_grant(admin, tenant_id)
    if grant is None:
        raise DomainError(
            "Downloading an archive needs open support access to this agency: ask its owner "
            "from the Support access section first.",
            status=403,
        )
    archive = db.session.get(archives.AgencyArchive, archive_id)
    if archive is None or archive.tenant_id != tenant_id:
        raise DomainError("No such archive.", status=404)
    # Refuses an unready, expired or damaged archive; never SSNs, license numbers or credentials.
    chunks = archives.open_archive(archive.id, withholding.FOR_SUPPORT)
    fields = {"archive": archive.id, "bytes": archive.size_bytes}
    info = tenant_by_slug(db.session.get(Tenant, tenant_id).slug)
    platform_entry("support.archive_downloaded", grant, admin, fields)
    with in_agency(info, admin):  # commits the platform entry, then writes the agency's
        agency_entry("support.archive_downloaded", grant, admin_label(admin), fields)
        db.session.commit()
    return chunks
