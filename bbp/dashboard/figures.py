"""The dashboard's agency-wide part, rendered once per agency and kept until the agency's next
write (its change counter, bbp/kernel/changes.py) or for a minute at most (time-driven figures:
court this week, missed check-ins, overdue plans), whichever comes first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from markupsafe import Markup

from bbp.dashboard.charts import Datum, donut_chart, horizontal_bar_chart
from bbp.dashboard.services import Summary, summary
from bbp.kernel import changes
from bbp.kernel.clock import agency_today, utcnow
from bbp.kernel.held import Held
from bbp.tenancy import require_tenant

SECONDS = 60


@dataclass(frozen=True)
class Figures:
    """The held parts of the dashboard: what needs doing on top, activity below, and when."""

    attention: Markup  # key numbers, court, forfeitures, overdue plans, collateral due back
    activity: Markup  # charts and recent activity
    built_at: datetime
    seconds: int = SECONDS


_held: Held[Figures] = Held(limit=200, seconds=SECONDS)  # agencies, per process


def figures() -> Figures:
    """The rendered figures of the bound agency, from this process's cache when still current."""
    tenant = require_tenant()
    key = (tenant.id, tenant.schema, agency_today())
    version = changes.version()
    html = _held.get(key, version)
    if html is None:
        html = _render(summary())
        _held.put(key, version, html)
    return html


def forget() -> None:
    """Drop every held dashboard of this process (tests)."""
    _held.clear()


def _render(numbers: Summary) -> Figures:
    charts = {
        "surety": horizontal_bar_chart(
            [Datum(name, amount) for name, amount in numbers.liability_by_surety],
            title="Liability by surety",
            money=True,
        ),
        "status": donut_chart(
            [Datum(label, n) for label, n in numbers.bonds_by_status], title="Bonds by status"
        ),
    }
    context = {"summary": numbers, "charts": charts}
    return Figures(
        Markup(render_template("dashboard/_figures.html", **context)),  # noqa: S704  (autoescaped)
        Markup(render_template("dashboard/_activity.html", **context)),  # noqa: S704  (autoescaped)
        utcnow(),
    )
