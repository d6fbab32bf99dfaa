"""PDF downloads are named after what they hold, in plain ASCII safe for a header."""

from __future__ import annotations

from bbp.web.rendering import MAX_NAME, pdf_name, pdf_response


def test_names_join_the_words_with_hyphens():
    assert pdf_name("B-000012", "indemnity agreement") == "B-000012-indemnity-agreement.pdf"
    assert pdf_name("B-000012", "receipt", "R-000034") == "B-000012-receipt-R-000034.pdf"
    assert pdf_name("B-1", "premium and payment-plan agreement", "", "signed") == (
        "B-1-premium-and-payment-plan-agreement-signed.pdf"
    )


def test_accents_become_plain_letters_and_anything_else_goes():
    assert pdf_name("B-1", "josé núñez") == "B-1-jose-nunez.pdf"
    assert pdf_name('a"b\r\nContent-Type: x', "李") == "a-b-Content-Type-x.pdf"
    assert pdf_name("", "李") == "document.pdf"
    assert len(pdf_name("x" * 500)) == MAX_NAME + len(".pdf")


def test_the_response_header_always_carries_a_safe_name(app):
    with app.test_request_context():
        response = pdf_response(b"%PDF-", 'evil"; filename="x.exe')
    assert response.headers["Content-Disposition"] == 'inline; filename="evil-filename-x-exe.pdf"'
