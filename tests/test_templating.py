"""Template filters: every money amount is one figure that never breaks across lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from markupsafe import Markup

from bbp.web.templating import format_money, money_figure


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("285500"), "$285,500.00"),
        (Decimal("18757.5"), "$18,757.50"),
        (Decimal("-20"), "-$20.00"),
        (None, "—"),
    ],
)
def test_money_filter_marks_the_amount_as_one_figure(value, shown):
    assert isinstance(money_figure(value), Markup)
    assert str(money_figure(value)) == f'<span class="money">{shown}</span>'
    assert format_money(value) == shown  # PDFs and texts keep the plain text


def test_templates_mark_money_inside_text_and_translated_messages(app):
    template = app.jinja_env.from_string(
        "Held: {{ held|money }} · {{ _('%(amount)s overdue', amount=late|money) }}"
    )
    with app.test_request_context():
        shown = template.render(held=Decimal("1500"), late=Decimal("45"))

    assert shown == (
        'Held: <span class="money">$1,500.00</span> · <span class="money">$45.00</span> overdue'
    )
