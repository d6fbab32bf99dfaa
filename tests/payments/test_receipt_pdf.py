"""Payment receipt PDFs: content, reproducibility, time zones, voids and latin-1 fallbacks."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bbp.payments.receipt_pdf import ReceiptData, format_money, latin1, render_receipt


def receipt(**changes) -> ReceiptData:
    """A typical premium payment, with any fields overridden."""
    base = ReceiptData(
        agency_name="Liberty Bail Bonds",
        agency_address="12 Main St\nSpringfield, NY 10001",
        agency_phone="555-123-4567",
        receipt_number="R-000123",
        issued_at=datetime(2026, 1, 15, 19, 5, tzinfo=UTC),
        timezone="America/New_York",
        payer_name="Maria Lopez",
        bond_number="B-2026-0042",
        defendant_name="Carlos Lopez",
        kind="premium",
        method="check",
        reference="1001",
        amount=Decimal("1234.56"),
        balance_after=Decimal("8765.44"),
        received_by="Jane Smith",
    )
    return replace(base, **changes)


def shown(pdf: bytes) -> list[str]:
    """The text strings drawn on the page (content streams are left uncompressed)."""
    return [s.decode("latin-1") for s in re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", pdf)]


def text_of(data: ReceiptData) -> str:
    """All drawn text of the rendered receipt, one string per line."""
    return "\n".join(shown(render_receipt(data)))


def test_output_is_a_pdf():
    pdf = render_receipt(receipt())
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_same_input_gives_same_bytes():
    assert render_receipt(receipt()) == render_receipt(receipt())


def test_different_input_gives_different_bytes():
    assert render_receipt(receipt()) != render_receipt(receipt(receipt_number="R-000124"))


def test_creation_date_comes_from_issued_at():
    pdf = render_receipt(receipt())
    assert b"/CreationDate (D:20260115190500Z)" in pdf


def test_title_metadata_names_receipt_and_agency():
    pdf = render_receipt(receipt())
    title = "Receipt R-000123 \u2014 Liberty Bail Bonds".encode("utf-16-be").hex()
    assert f"/Title <feff{title}>".encode() in pdf


def test_prints_the_key_fields():
    text = text_of(receipt())
    for expected in (
        "Liberty Bail Bonds",
        "12 Main St",
        "Springfield, NY 10001",
        "555-123-4567",
        "RECEIPT",
        "R-000123",
        "Received from",
        "Maria Lopez",
        "B-2026-0042",
        "Carlos Lopez",
        "Premium",
        "Check",
        "1001",
        "$1,234.56",
        "Balance after",
        "$8,765.44",
        "Jane Smith",
        "Authorized signature",
        "Keep this receipt for your records",
    ):
        assert expected in text


def test_empty_optional_fields_are_shown_as_dashes():
    text = shown(render_receipt(receipt(agency_address="", agency_phone="", reference="")))
    assert text[text.index("Reference") + 1] == "-"
    assert not any(line.startswith("Phone") for line in text)
    balance = shown(render_receipt(receipt(balance_after=None)))
    assert balance[balance.index("Balance after") + 1] == "-"


def test_zero_balance_is_printed():
    assert "$0.00" in text_of(receipt(balance_after=Decimal("0")))


def test_refund_is_labelled_as_refund():
    text = text_of(receipt(kind="refund", amount=Decimal("250.00")))
    assert "REFUND RECEIPT" in text
    assert "Refund" in text.splitlines()
    assert "Amount refunded" in text
    assert "$250.00" in text


def test_a_refund_names_whom_it_went_back_to_and_who_sent_it():
    lines = shown(render_receipt(receipt(kind="refund", amount=Decimal("40.00"))))
    assert lines[lines.index("Refunded to") + 1] == "Maria Lopez"
    assert lines[lines.index("Refunded by") + 1] == "Jane Smith"
    assert "Received from" not in lines and "Received by" not in lines


def test_time_is_printed_in_the_agency_zone_with_abbreviation():
    assert "Issued January 15, 2026 2:05 PM EST" in text_of(receipt())


def test_time_after_spring_forward_is_daylight_time():
    # DST began in New York at 2026-03-08 07:00 UTC (2:00 AM EST became 3:00 AM EDT).
    issued = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert "Issued March 8, 2026 3:30 AM EDT" in text_of(receipt(issued_at=issued))


def test_time_just_before_spring_forward_is_standard_time():
    issued = datetime(2026, 3, 8, 6, 59, tzinfo=UTC)
    assert "Issued March 8, 2026 1:59 AM EST" in text_of(receipt(issued_at=issued))


def test_time_in_another_zone_and_offset():
    issued = datetime(2026, 7, 1, 0, 15, tzinfo=timezone(timedelta(hours=2)))
    text = text_of(receipt(issued_at=issued, timezone="America/Los_Angeles"))
    assert "Issued June 30, 2026 3:15 PM PDT" in text


def test_naive_issue_time_is_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        render_receipt(receipt(issued_at=datetime(2026, 1, 15, 12, 0)))


def test_unknown_time_zone_is_rejected():
    with pytest.raises(ValueError, match="unknown time zone"):
        render_receipt(receipt(timezone="Mars/Olympus_Mons"))


def test_not_voided_has_no_void_marking():
    assert "VOID" not in text_of(receipt())


def test_void_shows_marking_reason_and_amount():
    text = text_of(receipt(voided=True, void_reason="Entered twice"))
    lines = text.splitlines()
    assert "VOID" in lines
    assert "VOID - Reason: Entered twice" in lines
    assert "R-000123" in text
    assert "$1,234.56" in text


def test_void_without_reason_still_says_so():
    assert "VOID - Reason: not recorded" in text_of(receipt(voided=True))


def test_void_changes_the_bytes_but_stays_reproducible():
    voided = receipt(voided=True, void_reason="Bounced check")
    assert render_receipt(voided) == render_receipt(voided)
    assert render_receipt(voided) != render_receipt(receipt())


def test_names_outside_latin1_do_not_crash():
    data = receipt(
        agency_name="Nguy\u1ec5n Bail \u2014 \u201cFast\u201d Release",
        payer_name="\u0110\u1ed7 V\u0103n Minh",
        defendant_name="Tr\u1ea7n Th\u1ecb Lan",
        received_by="Jane O\u2019Neil",
        reference="\u2116 42 \u6f22",
        void_reason="Typed \u201cwrong\u201d amount\u2026",
        voided=True,
    )
    text = text_of(data)
    assert 'Nguyen Bail - "Fast" Release' in text
    assert "Do Van Minh" in text
    assert "Tran Thi Lan" in text
    assert "Jane O'Neil" in text
    assert "No 42 ?" in text
    assert 'VOID - Reason: Typed "wrong" amount...' in text


def test_latin1_keeps_latin1_accents_and_replaces_the_rest():
    assert latin1("Jos\u00e9 Pe\u00f1a") == "Jos\u00e9 Pe\u00f1a"
    # A decomposed e + combining acute is composed back to latin-1 \u00e9, not stripped.
    assert latin1("Jose\u0301") == "Jos\u00e9"
    assert latin1("\u0141\u00f3d\u017a") == "L\u00f3dz"
    assert latin1("\u674e") == "?"


def test_multiline_values_are_flattened():
    text = text_of(receipt(payer_name="Maria\nLopez\t Jr."))
    assert "Maria Lopez Jr." in text


def test_parentheses_are_escaped_in_the_content_stream():
    pdf = render_receipt(receipt(method="card (terminal)"))
    assert b"(Card \\(terminal\\)) Tj" in pdf


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("0.00"), Decimal("-5.00")])
def test_non_positive_amount_is_rejected(amount):
    with pytest.raises(ValueError, match="amount must be positive"):
        render_receipt(receipt(amount=amount))


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity")])
def test_non_finite_amount_is_rejected(amount):
    with pytest.raises(ValueError, match="amount must be a finite number"):
        render_receipt(receipt(amount=amount))


def test_sub_cent_amount_is_rejected():
    with pytest.raises(ValueError, match="whole cents"):
        render_receipt(receipt(amount=Decimal("10.005")))


def test_float_amount_is_rejected():
    with pytest.raises(TypeError, match="Decimal"):
        render_receipt(receipt(amount=12.5))


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("0"), "$0.00"),
        (Decimal("5"), "$5.00"),
        (Decimal("1234.5"), "$1,234.50"),
        (Decimal("1234567.89"), "$1,234,567.89"),
        (Decimal("-42.10"), "-$42.10"),
    ],
)
def test_format_money(amount, expected):
    assert format_money(amount) == expected


def test_long_values_wrap_without_error():
    data = receipt(payer_name="Maria " * 40, void_reason="duplicate " * 40, voided=True)
    assert render_receipt(data).startswith(b"%PDF-")


def test_prints_the_agency_license_number_under_its_phone():
    lines = text_of(receipt(agency_license="P123456")).splitlines()
    assert lines.index("License No. P123456") == lines.index("Phone: 555-123-4567") + 1
    assert "License No." not in text_of(receipt())


def test_a_payment_no_clerk_took_has_no_signature_line():
    online = text_of(
        receipt(signed=False, method="Card (online)", received_by="Online, confirmed by Stripe")
    )
    assert "Authorized signature" not in online
    assert "Online, confirmed by Stripe" in online
    assert "Authorized signature" in text_of(receipt())


def sizes(pdf: bytes) -> dict[str, float]:
    """Each drawn string and the font size it was drawn in."""
    found, size = {}, 0.0
    for token in re.finditer(rb"/F\d+ ([\d.]+) Tf|\(((?:[^()\\]|\\.)*)\) Tj", pdf):
        if token.group(1):
            size = float(token.group(1))
        else:
            found[token.group(2).decode("latin-1")] = size
    return found


def online(**changes) -> ReceiptData:
    """A payment made online: the method in words, the Stripe id apart."""
    return receipt(
        **{
            "method": "Online card payment, Visa ending in 4242, in the portal",
            "reference": "",
            "stripe_reference": "pi_3QxYzABC",
            "signed": False,
            "received_by": "Online, confirmed by Stripe",
            **changes,
        }
    )


def test_an_online_payment_says_how_in_words_and_its_stripe_id_small_beneath():
    pdf = render_receipt(online())
    lines = shown(pdf)
    assert "Online card payment, Visa ending in 4242, in the portal" in lines
    assert "Reference" not in lines and "-" not in lines  # no Reference row left empty
    assert (
        lines.index("Stripe reference: pi_3QxYzABC")
        == lines.index("Online, confirmed by Stripe") + 1
    )
    drawn = sizes(pdf)
    assert (
        drawn["Stripe reference: pi_3QxYzABC"]
        < drawn["Online card payment, Visa ending in 4242, in the portal"]
    )


def test_an_office_payment_keeps_its_reference_row_and_no_stripe_line():
    lines = shown(render_receipt(receipt()))
    assert lines[lines.index("Reference") + 1] == "1001"
    assert not any(line.startswith("Stripe reference") for line in lines)


def test_a_long_method_wraps_inside_its_cell():
    method = "Refund to the card that did not go through, taken in again, Mastercard ending in 4444"
    lines = shown(render_receipt(online(method=method)))
    first = lines.index("Method") + 1
    assert " ".join(lines[first : first + 2]) == method  # two lines, nothing cut
    assert lines[first + 2] == "Amount"
