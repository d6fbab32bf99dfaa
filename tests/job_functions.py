"""Module-level job functions the worker can import in tests."""

from __future__ import annotations

from sqlalchemy import select, text

from bbp.audit.services import record
from bbp.auth.models import User
from bbp.extensions import db
from bbp.kernel.clock import agency_today, utcnow
from bbp.tenancy import require_tenant


def whoami() -> dict:
    """Report the bound tenant and what its tables hold (ORM and raw SQL)."""
    return {
        "slug": require_tenant().slug,
        "orm": db.session.scalars(select(User.email)).all(),
        "raw": db.session.execute(text("SELECT email FROM users")).scalars().all(),
    }


def no_news(now) -> None:
    """A periodic task's next-due answer with nothing known: only the safety sweep."""
    return None


def what_time() -> dict:
    """The moment and the agency's today as a job sees them."""
    return {"now": utcnow().isoformat(), "today": agency_today().isoformat()}


def leave_mark(marker: str) -> None:
    """Write an audit entry in the bound tenant."""
    record("test.job_ran", after={"marker": marker})
    db.session.commit()


def explode() -> None:
    """A job that fails, for the failed-job registry."""
    raise RuntimeError("boom")


def refuse_text(phone: str, body: str) -> None:
    """A job given a person's phone and words that fails: the console must never show them."""
    raise ValueError("the carrier refused the text")
