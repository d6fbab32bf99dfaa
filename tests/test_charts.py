"""Server-rendered SVG charts: structure, accessibility, escaping and CSP safety."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from markupsafe import Markup

from bbp.dashboard.charts import (
    PALETTE,
    Datum,
    bar_chart,
    donut_chart,
    format_value,
    horizontal_bar_chart,
)

NS = "{http://www.w3.org/2000/svg}"
CHARTS = [bar_chart, horizontal_bar_chart, donut_chart]
LIABILITY = [
    Datum("Active", Decimal("120000")),
    Datum("Forfeited", Decimal("5000")),
    Datum("Exonerated", Decimal("75000.50")),
]
HOSTILE = [Datum("<script>alert(1)</script>", 3), Datum('Smith & Sons "Bail"', 2)]


def parse(markup: str) -> ET.Element:
    """Parse chart output, which must be well-formed XML."""
    return ET.fromstring(str(markup))  # noqa: S314 - our own output, not untrusted XML


def by_class(root: ET.Element, css: str) -> list[ET.Element]:
    """Elements whose class list includes `css`."""
    return [el for el in root.iter() if css in el.get("class", "").split()]


def texts(root: ET.Element, css: str) -> list[str]:
    """Text content of the elements with class `css`."""
    return [el.text or "" for el in by_class(root, css)]


def svg_of(root: ET.Element) -> ET.Element:
    """The chart's <svg>: the root, or the SVG inside a donut's <figure> (beside its legend)."""
    return root if root.tag == f"{NS}svg" else root.find(f"{NS}svg")


def desc(root: ET.Element) -> str:
    return svg_of(root).find(f"{NS}desc").text


def strip_ids(markup: Markup) -> str:
    return re.sub(r"chart-[0-9a-f]{12}", "ID", str(markup))


def test_bar_chart_has_one_bar_and_value_per_datum():
    root = parse(bar_chart(LIABILITY, title="Liability", money=True))

    assert len(by_class(root, "chart-bar-rect")) == 3
    assert texts(root, "chart-value") == ["$120,000", "$5,000", "$75,000.50"]
    assert texts(root, "chart-label") == ["Active", "Forfeited", "Exonerated"]


def test_bar_heights_are_proportional():
    root = parse(bar_chart([Datum("a", 100), Datum("b", 50), Datum("c", 0)], title="t"))

    heights = [float(el.get("height")) for el in by_class(root, "chart-bar-rect")]
    assert heights[0] == pytest.approx(2 * heights[1])
    assert heights[2] == 0


def test_desc_states_every_value_in_words():
    root = parse(bar_chart(LIABILITY[:2], title="Liability", money=True))

    assert desc(root) == "Active: $120,000; Forfeited: $5,000"
    assert root.find(f"{NS}title").text == "Liability"


@pytest.mark.parametrize("chart", CHARTS)
def test_svg_is_accessible_and_responsive(chart):
    root = svg_of(parse(chart(LIABILITY, title="Liability", money=True)))

    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    ids = {el.get("id"): el.tag for el in root.iter() if el.get("id")}
    assert ids[title_id] == f"{NS}title"
    assert ids[desc_id] == f"{NS}desc"
    assert root.get("width") == "100%"
    assert root.get("preserveAspectRatio")
    assert len(root.get("viewBox").split()) == 4


def test_horizontal_bar_chart_grows_one_row_per_datum():
    short = parse(horizontal_bar_chart(LIABILITY[:1], title="By surety", money=True))
    tall = parse(horizontal_bar_chart(LIABILITY, title="By surety", money=True))

    assert len(by_class(tall, "chart-bar-rect")) == 3
    assert texts(tall, "chart-value") == ["$120,000", "$5,000", "$75,000.50"]
    short_height = float(short.get("viewBox").split()[3])
    tall_height = float(tall.get("viewBox").split()[3])
    assert tall_height > short_height


def test_donut_has_a_slice_and_legend_row_per_datum():
    data = [Datum("Active", 3), Datum("Forfeited", 1)]
    root = parse(donut_chart(data, title="Bonds"))

    assert len(by_class(root, "chart-slice")) == 2
    assert len(by_class(root, "chart-legend-item")) == 2
    assert texts(root, "chart-value") == ["3 (75.0%)", "1 (25.0%)"]
    assert texts(root, "chart-total") == ["4"]
    assert desc(root) == "Active: 3 (75.0%); Forfeited: 1 (25.0%)"


def test_donut_slices_cover_the_whole_ring():
    root = parse(donut_chart([Datum("a", 1), Datum("b", 2), Datum("c", 3)], title="t"))

    slices = by_class(root, "chart-slice")
    circumference = 2 * math.pi * float(slices[0].get("r"))
    dashes = [float(s.get("stroke-dasharray").split()[0]) for s in slices]
    assert sum(dashes) == pytest.approx(circumference, abs=0.05)


def test_single_datum_donut_is_a_full_circle():
    root = parse(donut_chart([Datum("Active", Decimal("250000"))], title="t", money=True))

    (ring,) = by_class(root, "chart-slice")
    dash, gap = (float(n) for n in ring.get("stroke-dasharray").split())
    assert dash == pytest.approx(2 * math.pi * float(ring.get("r")), abs=0.01)
    assert gap == 0
    assert texts(root, "chart-value") == ["$250,000 (100.0%)"]


def test_donut_skips_zero_slices_but_lists_them():
    root = parse(donut_chart([Datum("a", 5), Datum("b", 0)], title="t"))

    assert len(by_class(root, "chart-slice")) == 1
    assert texts(root, "chart-value") == ["5 (100.0%)", "0 (0.0%)"]


@pytest.mark.parametrize("chart", CHARTS)
def test_labels_are_escaped(chart):
    markup = str(chart(HOSTILE, title="<b>Agents</b> & co"))

    assert "<script>" not in markup
    assert "<b>" not in markup
    assert "&lt;script&gt;" in markup
    assert "Smith &amp; Sons &#34;Bail&#34;" in markup
    root = parse(markup)
    assert svg_of(root).find(f"{NS}title").text == "<b>Agents</b> & co"
    assert "<script>alert(1)</script>: 3" in desc(root)
    assert 'Smith & Sons "Bail": 2' in desc(root)


def test_labels_with_xml_invalid_characters_stay_well_formed():
    root = parse(bar_chart([Datum("bad\x00\x0bname", 1)], title="t\x1f"))

    assert texts(root, "chart-label") == ["badname"]


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("data", [LIABILITY, HOSTILE, [], [Datum("x", 0)]])
def test_no_inline_styles(chart, data):
    markup = str(chart(data, title="t", money=True))
    root = parse(markup)

    assert not re.search(r"\bstyle\s*=", markup)
    assert all(el.tag != f"{NS}style" and "style" not in el.attrib for el in root.iter())
    assert "<script" not in markup.lower()


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("data", [[], [Datum("Active", 0), Datum("Forfeited", Decimal("0.00"))]])
def test_empty_or_all_zero_data_says_no_data_yet(chart, data):
    root = parse(chart(data, title="Liability", money=True))

    assert texts(root, "chart-empty") == ["No data yet"]
    assert desc(root) == "No data yet"
    assert root.find(f"{NS}title").text == "Liability"
    assert not by_class(root, "chart-bar-rect")
    assert not by_class(root, "chart-slice")


@pytest.mark.parametrize(
    ("value", "money", "expected"),
    [
        (Decimal("1234"), True, "$1,234"),
        (Decimal("1234.00"), True, "$1,234"),
        (Decimal("1234.5"), True, "$1,234.50"),
        (Decimal("0.005"), True, "$0.01"),
        (0, True, "$0"),
        (1234567, False, "1,234,567"),
        (Decimal("2.5"), False, "2.5"),
        (Decimal("1E+3"), False, "1,000"),
        (Decimal("-0"), False, "0"),
        # More digits than a float holds: proves formatting never goes through float.
        (Decimal("12345678901234567890.10"), True, "$12,345,678,901,234,567,890.10"),
    ],
)
def test_format_value(value, money, expected):
    assert format_value(abs(value), money=money) == expected


def test_money_flag_controls_the_dollar_sign():
    plain = parse(bar_chart([Datum("Bonds", 1200)], title="t"))
    money = parse(bar_chart([Datum("Bonds", 1200)], title="t", money=True))

    assert texts(plain, "chart-value") == ["1,200"]
    assert texts(money, "chart-value") == ["$1,200"]


def test_long_labels_are_truncated_with_full_label_in_tooltip():
    label = "Acme Surety and Casualty Insurance Company of North America"
    data = [Datum(label, 1), *(Datum(f"s{n}", 1) for n in range(7))]
    root = parse(bar_chart(data, title="t"))

    shown = texts(root, "chart-label")[0]
    assert shown.endswith("…")
    assert len(shown) < len(label)
    tooltip = by_class(root, "chart-bar")[0].find(f"{NS}title").text
    assert tooltip == f"{label}: 1"


def test_ids_are_unique_across_charts():
    first = parse(bar_chart(LIABILITY, title="t"))
    second = parse(bar_chart(LIABILITY, title="t"))

    first_ids = {el.get("id") for el in first.iter() if el.get("id")}
    second_ids = {el.get("id") for el in second.iter() if el.get("id")}
    assert len(first_ids) == 3
    assert not first_ids & second_ids


@pytest.mark.parametrize("chart", CHARTS)
def test_output_is_deterministic_apart_from_ids(chart):
    first = chart(LIABILITY, title="t", money=True)
    second = chart(LIABILITY, title="t", money=True)

    assert first != second
    assert strip_ids(first) == strip_ids(second)


@pytest.mark.parametrize("value", [-1, Decimal("-0.01"), Decimal("NaN"), Decimal("Infinity")])
def test_negative_or_non_finite_values_are_rejected(value):
    with pytest.raises(ValueError, match="finite and non-negative"):
        bar_chart([Datum("x", value)], title="t")


def test_returns_markup_safe_for_jinja():
    assert isinstance(bar_chart(LIABILITY, title="t"), Markup)


def test_eleven_statuses_get_eleven_colors_and_the_legend_matches_the_slices():
    statuses = [Datum(f"Status {n}", n + 1) for n in range(11)]
    root = parse(donut_chart(statuses, title="Bonds by status"))

    strokes = [el.get("stroke") for el in by_class(root, "chart-slice")]
    swatches = [
        el.find(f"{NS}svg/{NS}rect").get("fill") for el in by_class(root, "chart-legend-item")
    ]
    assert len(set(strokes)) == 11
    assert swatches == strokes
    assert len(set(PALETTE)) == len(PALETTE) >= 11


def test_donut_legend_is_page_text_beside_the_svg_with_labels_whole():
    label = "Acme Surety and Casualty Insurance Company of North America"
    root = parse(donut_chart([Datum(label, 2), Datum("Active", 1)], title="t"))

    assert root.tag == "figure"
    legend = root.find("ul")
    assert legend.get("class") == "chart-legend"
    assert [li.find("span").text for li in legend.iter("li")] == [label, "Active"]
    assert not by_class(svg_of(root), "chart-legend-item")  # nothing scaled down with the SVG


def test_horizontal_bars_fit_a_phone_with_labels_above_the_bars():
    root = parse(horizontal_bar_chart(LIABILITY, title="By surety", money=True))

    assert float(root.get("viewBox").split()[2]) <= 320  # about 1px per unit on a phone
    for bar in by_class(root, "chart-bar"):
        rect, label = by_class(bar, "chart-bar-rect")[0], by_class(bar, "chart-label")[0]
        assert float(label.get("y")) < float(rect.get("y"))
        assert label.get("x") == rect.get("x")
