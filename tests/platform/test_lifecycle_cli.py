"""`flask tenants delete/undelete/hold/release/purge-due`: the console's services, from a shell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from bbp.extensions import db
from bbp.platform.lifecycle import GRACE
from bbp.platform.models import PlatformAuditEntry
from bbp.tenancy.models import Tenant

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["tenants", *args])


def _state(app, agency) -> tuple[str, bool]:
    with app.app_context():
        row = db.session.execute(
            select(Tenant.status, Tenant.legal_hold).where(Tenant.id == agency.info.id)
        ).one()
        db.session.rollback()
        return tuple(row)


def test_delete_needs_the_slug_typed_again_and_a_reason(app, tenant):
    wrong = _run(app, "delete", tenant.slug, "--reason", "Closing", "--confirm", "other")
    assert wrong.exit_code != 0 and f"Type the subdomain, {tenant.slug}" in wrong.output
    blank = _run(app, "delete", tenant.slug, "--reason", " ", "--confirm", tenant.slug)
    assert blank.exit_code != 0 and "Give a reason" in blank.output
    assert _state(app, tenant) == ("active", False)


def test_delete_undelete_hold_release_and_purge_due(app, tenant, other_tenant, clock):
    clock.set(NOW)
    done = _run(app, "delete", tenant.slug, "--reason", "Closing", "--confirm", tenant.slug)
    assert done.exit_code == 0, done.output
    assert f"purged after {(NOW + GRACE):%Y-%m-%d %H:%M} UTC" in done.output
    assert _state(app, tenant) == ("deleting", False)
    assert (
        _run(app, "undelete", tenant.slug, "--reason", "Mistake")
        .output.strip()
        .endswith("is active again.")
    )
    assert _state(app, tenant) == ("active", False)

    assert _run(app, "hold", tenant.slug, "--reason", "Court order").exit_code == 0
    _run(app, "delete", tenant.slug, "--reason", "Closing", "--confirm", tenant.slug)
    clock.set(NOW + GRACE + timedelta(days=1))
    held = _run(app, "purge-due")
    assert held.exit_code == 0 and f"kept {tenant.slug}: under legal hold" in held.output
    assert _state(app, tenant) == ("deleting", True)
    assert _run(app, "hold", tenant.slug, "--reason", "Again").exit_code != 0  # already held

    assert _run(app, "release", tenant.slug, "--reason", "Order lifted").exit_code == 0
    purged = _run(app, "purge-due")
    assert purged.exit_code == 0 and f"purged {tenant.slug}" in purged.output
    assert _state(app, tenant) == ("purged", False)
    assert _state(app, other_tenant) == ("active", False)
    with app.app_context():
        gone = db.session.scalar(text("SELECT to_regnamespace(:s)"), {"s": tenant.info.schema})
        actors = set(
            db.session.scalars(
                select(PlatformAuditEntry.actor_label).where(
                    PlatformAuditEntry.target_id == str(tenant.info.id),
                    PlatformAuditEntry.action != "tenant.provisioned",
                )
            )
        )
        db.session.rollback()
    assert gone is None and actors == {"cli"}
    assert "No agency is due for purging." in _run(app, "purge-due").output
    # Commands over every agency pass the tombstone by: it has no schema and no keys.
    assert "No agencies to migrate." in _run(app, "migrate", "--only", tenant.slug).output
    rotated = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert _run(app, "undelete", tenant.slug, "--reason", "Too late").exit_code != 0
