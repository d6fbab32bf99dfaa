"""The words payers read in texts and on the autopay page: days written out in their language
(never 12/07, which a Spanish reader takes for 12 July), and the agency's name without "'s"."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_babel import force_locale

from bbp.merchant import autopay_notice, autopay_terms
from tests.portal.conftest import inside

NUMERIC_DAY = re.compile(r"\b\d{1,2}/\d{1,2}\b")


def test_a_declined_autopay_text_writes_the_retry_day_out_in_spanish(app, tenant):
    with inside(app, tenant), force_locale("es"):
        text = autopay_notice.message("B-000017", 61500, False, date(2026, 12, 7), "https://x/p")
    assert "Lo intentaremos de nuevo el 7 de diciembre de 2026." in text
    assert "B-000017" in text and not NUMERIC_DAY.search(text)


def test_a_declined_autopay_text_writes_the_retry_day_out_in_english(app, tenant):
    with inside(app, tenant), force_locale("en"):
        text = autopay_notice.message("B-000017", 61500, False, date(2026, 12, 7), "https://x/p")
    assert "We will try again on December 7, 2026." in text and not NUMERIC_DAY.search(text)


def test_the_autopay_authorization_names_the_processor_without_a_possessive(app):
    schedule = [(date(2026, 12, 7), Decimal("615.00"))]
    with app.app_context():
        english = autopay_terms.text("Rosa Reyes", "Liberty Bail Bonds", "B-000017", schedule, "en")
        spanish = autopay_terms.text("Rosa Reyes", "Liberty Bail Bonds", "B-000017", schedule, "es")
    assert "(a secure page of Stripe, the payment processor of Liberty Bail Bonds)" in english
    assert "Bonds's" not in english and "$615.00 on December 7, 2026" in english
    assert "el procesador de pagos de Liberty Bail Bonds" in spanish
    assert "$615.00 el 7 de diciembre de 2026" in spanish and not NUMERIC_DAY.search(spanish)
