"""Reading an import file: file-level refusals and per-row errors, without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bbp.bonds.premium import Fee, PremiumRule
from bbp.dataio.imports import ImportFileError, price, read

TODAY = date(2026, 3, 9)
HEADER = "defendant_first_name,defendant_last_name,charge,bail_amount"


def _read(text: str):
    return read(text.encode(), TODAY)


def test_a_minimal_file_reads_with_defaults():
    sheet = _read(f"{HEADER}\nRay,Doe,Battery,5000\n")
    assert sheet.errors == []
    (row,) = sheet.rows
    assert (row.row, row.bond_number, row.status, row.degree) == (2, "", "active", "misdemeanor")
    assert (row.bail_amount, row.premium, row.cosigner) == (Decimal("5000.00"), None, None)


def test_header_names_are_matched_loosely_and_extra_columns_are_reported():
    sheet = read(
        "\ufeff Defendant_First_Name ,DEFENDANT_LAST_NAME,charge,bail_amount,notes\n"
        "Ray,Doe,Battery,$1,x\n".encode(),
        TODAY,
    )
    assert sheet.unused == ["notes"]
    assert sheet.errors == []
    assert (sheet.rows[0].first_name, sheet.rows[0].bail_amount) == ("Ray", Decimal("1.00"))


def test_windows_excel_files_in_cp1252_are_read():
    sheet = read(f"{HEADER}\nJosé,Núñez,Battery,500\n".encode("cp1252"), TODAY)
    assert sheet.rows[0].first_name == "José"


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ('Ray,Doe,Battery,"12,5x"', "Row 2: bail_amount '12,5x' is not an amount"),
        ("Ray,Doe,Battery,12.505", "Row 2: bail_amount '12.505' is not an amount"),
        ("Ray,Doe,Battery,0", "Row 2: bail_amount must be more than $0.00"),
        ("Ray,Doe,Battery,", "Row 2: bail_amount is required"),
        ("Ray,,Battery,500", "Row 2: defendant_last_name is required"),
        (",Doe,Battery,500", "Row 2: defendant_first_name is required"),
        ("Ray,Doe,,500", "Row 2: charge is required"),
        ("Ray,Doe,Battery,500,pending", "Row 2: status 'pending' is not one of quote,"),
        ("Ray,Doe,Battery,500,,13/45/1990", "Row 2: defendant_dob '13/45/1990' is not a date"),
        ("Ray,Doe,Battery,500,,2030-01-01", "Row 2: defendant_dob '2030-01-01' is not a date in"),
        ("Ray,Doe,Battery,500,,,555-12", "Row 2: defendant_phone '555-12' is not a 10-digit"),
        ("Ray,Doe,Battery,500,,,,capital", "Row 2: degree 'capital' must be misdemeanor or felony"),
        ("Ray,Doe,Battery,500,,,,,B 1", "Row 2: bond_number 'B 1' may only use letters"),
        ("Ray,Doe,Battery,500,,,,,,Lena", "Row 2: cosigner_last_name is required"),
        ("Ray,Doe,Battery,500,,,,,,,,x", "Row 2 has 12 cells but the header names 11 columns"),
    ],
)
def test_row_errors_name_the_row_the_column_and_the_value(cells, message):
    header = f"{HEADER},status,defendant_dob,defendant_phone,degree,bond_number,cosigner_first_name,cosigner_last_name"
    sheet = _read(f"{header}\n{cells}\n")
    assert sheet.rows == []
    assert len(sheet.errors) == 1 and sheet.errors[0].startswith(message), sheet.errors


@pytest.mark.parametrize("written", ["cancelled", "canceled", "Canceled"])
def test_a_canceled_bond_is_read_in_either_spelling(written):
    sheet = _read(f"{HEADER},status\nRay,Doe,Battery,500,{written}\n")
    assert sheet.errors == []
    assert sheet.rows[0].status == "cancelled"


def test_every_bad_row_is_reported_and_good_rows_are_kept():
    sheet = _read(f"{HEADER}\nRay,Doe,Battery,500\n\nAna,Ruiz,DUI,abc\nLi,Wu,,x\n")
    assert [row.row for row in sheet.rows] == [2]
    assert sheet.total == 3  # the blank line is not a bond
    assert sheet.errors == [
        "Row 4: bail_amount 'abc' is not an amount (write it like 1500 or $1,500.00)",
        "Row 5: charge is required",
        "Row 5: bail_amount 'x' is not an amount (write it like 1500 or $1,500.00)",
    ]


def test_amounts_and_dates_in_the_usual_spellings():
    sheet = _read(
        f"{HEADER},premium,defendant_dob,written_on,degree\n"
        'Ray,Doe,Battery,"$1,500.50",$0,4/2/1990,2024-03-15,F\n'
    )
    row = sheet.rows[0]
    assert (row.bail_amount, row.premium) == (Decimal("1500.50"), Decimal("0.00"))
    assert (row.dob, row.written_on, row.degree) == (date(1990, 4, 2), date(2024, 3, 15), "felony")


def test_a_bond_number_may_appear_only_once_in_the_file():
    sheet = _read(
        f"bond_number,{HEADER}\nB-7,Ray,Doe,Battery,500\n,Ana,Ruiz,DUI,500\nB-7,Li,Wu,DUI,9\n"
    )
    assert sheet.errors == ["Row 4: bond_number 'B-7' repeats row 2"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \r\n", "The file is empty."),
        ("\ufeff\n".encode(), "The file is empty."),
        (HEADER.encode() + b"\n", "The file has a header row but no bonds in it."),
        (b"Ray,Doe,Battery,500\n", "it is missing defendant_first_name, defendant_last_name"),
        (b"first,last\nRay,Doe\n", "it is missing defendant_first_name"),
        (f"{HEADER},charge\n".encode(), "The header names charge more than once."),
        (b"PK\x03\x04\x14\x00\x06\x00", "This is an Excel workbook, not a CSV file."),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00", "This is not a text CSV file."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a text CSV file."),
        (b"x" * (10 * 1024 * 1024 + 1), "The file is larger than 10 MB"),
    ],
)
def test_files_that_cannot_be_imported_are_refused_with_a_reason(data, message):
    with pytest.raises(ImportFileError) as refused:
        read(data, TODAY)
    assert message in refused.value.message
    assert refused.value.field == "file"


def test_premium_comes_from_the_row_or_from_the_rule():
    rule = PremiumRule(rate=Decimal("0.10"), fees=(Fee("Filing fee", Decimal("25.00")),))
    given, computed = _read(
        f"{HEADER},premium\nRay,Doe,Battery,5000,350\nAna,Ruiz,DUI,1500,\n"
    ).rows
    assert price(given, rule).premium == Decimal("350.00")
    assert price(given, rule).fees == Decimal("0.00")
    assert (price(computed, rule).premium, price(computed, rule).fees) == (
        Decimal("150.00"),
        Decimal("25.00"),
    )
