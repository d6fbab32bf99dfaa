"""Dashboard: liability, money, court dates, forfeitures, collateral, activity."""

from __future__ import annotations

from bbp.auth.roles import staff_required
from bbp.dashboard import bp
from bbp.dashboard.charts import Datum, donut_chart, horizontal_bar_chart
from bbp.dashboard.services import summary
from bbp.web.rendering import render


@bp.get("/")
@staff_required
def index():
    """The agency's home page after sign-in."""
    numbers = summary()
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
    return render("dashboard/index.html", summary=numbers, charts=charts)
