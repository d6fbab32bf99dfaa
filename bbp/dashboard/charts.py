"""Server-rendered SVG charts (HTML legends): no JavaScript, no inline styles, for a strict CSP."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
# Mid-tone hues keep enough contrast on both light and dark backgrounds. Twelve, at least 30
# apart (CIE76) pairwise, so each bond status (eleven) gets a color of its own in one chart.
PALETTE = (
    "#3b82f6",
    "#f59e0b",
    "#10b981",
    "#ef4444",
    "#8b5cf6",
    "#06b6d4",
    "#ec4899",
    "#84cc16",
    "#92400e",
    "#64748b",
    "#0f766e",
    "#4d7c0f",
)
EMPTY_TEXT = "No data yet"
FONT_SIZE = 12
# Average glyph width as a fraction of the font size; only used to decide when to truncate.
GLYPH_RATIO = 0.6
# Horizontal bars: a label line, then the bar; a narrow chart stays readable on a phone.
ROW_HEIGHT = 44
LABEL_LINE = 16
BAR_THICKNESS = 14
SWATCH = 12
# Characters XML 1.0 cannot carry at all; user labels are stripped of them to stay well-formed.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Datum:
    """One labelled value to chart."""

    label: str
    value: Decimal | int


@dataclass(frozen=True)
class _Point:
    """A datum with its validated amount and display text."""

    label: str
    amount: Decimal
    text: str


@dataclass(frozen=True)
class _Columns:
    """Geometry shared by every bar of a vertical bar chart."""

    left: float
    slot: float
    bar_width: float
    top: float
    plot_height: float
    peak: Decimal


def format_value(amount: Decimal | int, *, money: bool = False) -> str:
    """Format a value as 1,234 or $1,234 ($1,234.50 when it has cents) without using floats."""
    amount = Decimal(amount)
    if amount == amount.to_integral_value():
        text = f"{amount:,.0f}"
    elif money:
        text = f"{amount.quantize(_CENT, ROUND_HALF_UP):,.2f}"
    else:
        text = f"{amount:,f}"
    return f"${text}" if money else text


def bar_chart(
    data: list[Datum], *, title: str, money: bool = False, width: int = 640, height: int = 260
) -> Markup:
    """Vertical bars with the value above each bar and its label below."""
    points = _points(data, money)
    if not _has_data(points):
        return _empty("vertical", title, width)
    top, bottom, side = 24, 32, 8
    slot = (width - 2 * side) / len(points)
    columns = _Columns(
        left=side,
        slot=slot,
        bar_width=min(slot * 0.7, 96),
        top=top,
        plot_height=height - top - bottom,
        peak=max(p.amount for p in points),
    )
    bars = [_column(point, index, columns) for index, point in enumerate(points)]
    baseline = top + columns.plot_height
    axis = _axis(side, baseline, width - side, baseline)
    body = _el("g", {"class": "chart-bars"}, *bars)
    return _svg("vertical", title, _describe(points), width, height, body, axis)


def horizontal_bar_chart(
    data: list[Datum], *, title: str, money: bool = False, width: int = 320
) -> Markup:
    """One horizontal bar per datum, its label above it and its value at its end."""
    points = _points(data, money)
    if not _has_data(points):
        return _empty("horizontal", title, width)
    pad, value_width = 8, 104
    track = width - 2 * pad - value_width
    peak = max(p.amount for p in points)
    rows = [
        _row(
            point,
            pad + index * ROW_HEIGHT,
            pad,
            width - 2 * pad,
            track * _ratio(point.amount, peak),
        )
        for index, point in enumerate(points)
    ]
    height = 2 * pad + len(points) * ROW_HEIGHT
    body = _el("g", {"class": "chart-bars"}, *rows)
    return _svg("horizontal", title, _describe(points), width, height, body)


def donut_chart(data: list[Datum], *, title: str, money: bool = False, size: int = 220) -> Markup:
    """A donut of each datum's share, with an HTML legend of label, value and percentage."""
    points = _points(data, money)
    if not _has_data(points):
        return _empty("donut", title, size)
    total = sum((p.amount for p in points), Decimal(0))
    shares = [_percent(p.amount, total) for p in points]
    ring = _ring(points, total, size / 2, size / 2, size)
    centre = _centre(format_value(total, money=money), size / 2, size / 2, size)
    desc = "; ".join(
        f"{p.label}: {p.text} ({share})" for p, share in zip(points, shares, strict=True)
    )
    chart = _svg("donut", title, desc, size, size, ring, centre)
    return _el("figure", {"class": "chart-figure"}, chart, _legend(points, shares))


def _points(data: list[Datum], money: bool) -> list[_Point]:
    """Validate every datum and pre-format its value."""
    points = []
    for datum in data:
        amount = _amount(datum.value)
        points.append(_Point(datum.label, amount, format_value(amount, money=money)))
    return points


def _amount(value: Decimal | int) -> Decimal:
    """The value as a finite, non-negative Decimal."""
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"chart values must be finite and non-negative, got {value!r}")
    return amount.copy_abs()  # turns Decimal("-0") into 0 so it never prints as "-0"


def _has_data(points: list[_Point]) -> bool:
    """Whether anything is non-zero, i.e. there is something to scale against."""
    return any(p.amount for p in points)


def _ratio(amount: Decimal, peak: Decimal) -> float:
    """Amount as a fraction of the peak; floats only from here on, for geometry."""
    return float(amount / peak)


def _percent(amount: Decimal, total: Decimal) -> str:
    """Share of the total to one decimal place, e.g. 12.5%."""
    return f"{(amount * 100 / total).quantize(_TENTH, ROUND_HALF_UP)}%"


def _describe(points: list[_Point]) -> str:
    """Every value in words for the <desc>."""
    return "; ".join(f"{p.label}: {p.text}" for p in points)


def _truncate(label: str, room: float, font_size: float = FONT_SIZE) -> str:
    """Shorten a label with an ellipsis so it fits roughly `room` user units."""
    limit = max(3, int(room / (font_size * GLYPH_RATIO)))
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _column(point: _Point, index: int, columns: _Columns) -> Markup:
    """One vertical bar with its value above and label below."""
    centre = columns.left + (index + 0.5) * columns.slot
    bar_height = columns.plot_height * _ratio(point.amount, columns.peak)
    baseline = columns.top + columns.plot_height
    rect = _el(
        "rect",
        {
            "class": "chart-bar-rect",
            "x": centre - columns.bar_width / 2,
            "y": baseline - bar_height,
            "width": columns.bar_width,
            "height": bar_height,
            "fill": PALETTE[0],
        },
    )
    value = _label_text("chart-value", centre, baseline - bar_height - 6, "middle", point.text)
    name = _truncate(point.label, columns.slot)
    label = _label_text("chart-label", centre, baseline + 18, "middle", name)
    tooltip = _el("title", {}, f"{point.label}: {point.text}")
    return _el("g", {"class": "chart-bar"}, tooltip, rect, value, label)


def _row(point: _Point, top: float, left: float, room: float, length: float) -> Markup:
    """One horizontal bar with its label above it and its value just past its end."""
    bar_top = top + LABEL_LINE + 2
    middle = bar_top + BAR_THICKNESS / 2
    rect = _el(
        "rect",
        {
            "class": "chart-bar-rect",
            "x": left,
            "y": bar_top,
            "width": length,
            "height": BAR_THICKNESS,
            "fill": PALETTE[0],
        },
    )
    name = _truncate(point.label, room)
    label = _label_text("chart-label", left, top + LABEL_LINE - 4, "start", name)
    value = _label_text("chart-value", left + length + 6, middle, "start", point.text, "0.35em")
    tooltip = _el("title", {}, f"{point.label}: {point.text}")
    return _el("g", {"class": "chart-bar"}, tooltip, rect, label, value)


def _ring(points: list[_Point], total: Decimal, cx: float, cy: float, size: int) -> Markup:
    """Donut slices drawn as dashed circle strokes, which handles a lone 100% slice too."""
    thickness = size * 0.18
    radius = size / 2 - thickness / 2 - 2
    circumference = 2 * math.pi * radius
    slices = []
    before = Decimal(0)
    for index, point in enumerate(points):
        if point.amount:
            dash = circumference * float(point.amount / total)
            start = circumference * float(before / total)
            attrs = {
                "class": f"chart-slice chart-series-{index}",
                "cx": cx,
                "cy": cy,
                "r": radius,
                "fill": "none",
                "stroke": _colour(index),
                "stroke-width": thickness,
                "stroke-dasharray": f"{_num(dash)} {_num(circumference - dash)}",
                "stroke-dashoffset": -start,
                "transform": f"rotate(-90 {_num(cx)} {_num(cy)})",
            }
            tooltip = _el("title", {}, f"{point.label}: {point.text}")
            slices.append(_el("circle", attrs, tooltip))
        before += point.amount
    return _el("g", {"class": "chart-slices"}, *slices)


def _centre(total_text: str, cx: float, cy: float, size: int) -> Markup:
    """The total in the donut hole, shrunk so long amounts still fit."""
    hole = size * 0.6
    font_size = min(size * 0.1, hole / (len(total_text) * GLYPH_RATIO))
    attrs = {
        "class": "chart-total",
        "x": cx,
        "y": cy,
        "dy": "0.35em",
        "text-anchor": "middle",
        "font-size": font_size,
        "font-weight": "bold",
        "fill": "currentColor",
    }
    return _el("text", attrs, total_text)


def _legend(points: list[_Point], shares: list[str]) -> Markup:
    """An HTML list of swatch, label, value and percentage: page-sized text at any width."""
    items = []
    for index, (point, share) in enumerate(zip(points, shares, strict=True)):
        swatch = _el(
            "svg",
            {
                "xmlns": SVG_NS,
                "class": "chart-swatch",
                "viewBox": f"0 0 {SWATCH} {SWATCH}",
                "width": SWATCH,
                "height": SWATCH,
                "focusable": "false",
            },
            _el("rect", {"width": SWATCH, "height": SWATCH, "rx": 2, "fill": _colour(index)}),
        )
        label = _el("span", {"class": "chart-label"}, point.label)
        value = _el("span", {"class": "chart-value"}, f"{point.text} ({share})")
        items.append(_el("li", {"class": "chart-legend-item"}, swatch, label, " ", value))
    # The chart's <desc> already states every value, so screen readers skip the repeat.
    return _el("ul", {"class": "chart-legend", "aria-hidden": "true"}, *items)


def _colour(index: int) -> str:
    """Palette colour for a series, cycling when there are more series than colours."""
    return PALETTE[index % len(PALETTE)]


def _label_text(
    css: str, x: float, y: float, anchor: str, text: str, dy: str | None = None
) -> Markup:
    """A small text label in the current text colour."""
    attrs: dict[str, object] = {"class": css, "x": x, "y": y, "text-anchor": anchor}
    if dy:
        attrs["dy"] = dy
    attrs.update({"font-size": FONT_SIZE, "fill": "currentColor"})
    return _el("text", attrs, text)


def _axis(x1: float, y1: float, x2: float, y2: float) -> Markup:
    """A faint baseline."""
    attrs = {"class": "chart-axis", "x1": x1, "y1": y1, "x2": x2, "y2": y2}
    return _el("line", {**attrs, "stroke": "currentColor", "stroke-opacity": "0.3"})


def _empty(kind: str, title: str, width: int) -> Markup:
    """A short placeholder chart saying there is nothing to show yet."""
    height = 60
    attrs = {
        "class": "chart-empty",
        "x": width / 2,
        "y": height / 2,
        "dy": "0.35em",
        "text-anchor": "middle",
        "font-size": 14,
        "fill": "currentColor",
    }
    return _svg(kind, title, EMPTY_TEXT, width, height, _el("text", attrs, EMPTY_TEXT))


def _svg(kind: str, title: str, desc: str, width: float, height: float, *body: Markup) -> Markup:
    """The accessible, responsive <svg> wrapper with a fresh id."""
    # Random rather than a counter so fragments rendered by different workers never collide.
    chart_id = f"chart-{uuid.uuid4().hex[:12]}"
    attrs = {
        "xmlns": SVG_NS,
        "id": chart_id,
        "class": f"chart chart-{kind}",
        "role": "img",
        "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
        "viewBox": f"0 0 {_num(width)} {_num(height)}",
        "preserveAspectRatio": "xMidYMid meet",
        "width": "100%",
    }
    heading = _el("title", {"id": f"{chart_id}-title"}, title)
    description = _el("desc", {"id": f"{chart_id}-desc"}, desc)
    return _el("svg", attrs, heading, description, *body)


def _el(tag: str, attrs: dict[str, object], *children: Markup | str) -> Markup:
    """An element; attribute values and plain-text children are escaped."""
    # Plain f-strings over escaped parts: Markup.format escapes through a Formatter per field,
    # which once cost half of the dashboard's time. Tags and attribute names are our constants.
    attributes = "".join(f' {name}="{_value(value)}"' for name, value in attrs.items())
    if not children:
        return Markup(f"<{tag}{attributes}/>")  # noqa: S704  (values escaped by _value)
    content = "".join(_text(child) for child in children)
    return Markup(f"<{tag}{attributes}>{content}</{tag}>")  # noqa: S704  (and by _text)


def _value(value: object) -> Markup | str:
    """Attribute text: geometry floats rounded, everything else escaped."""
    return _num(value) if isinstance(value, float) else _text(str(value))


def _text(text: Markup | str) -> Markup:
    """Escape user text for XML, dropping characters XML cannot carry."""
    if isinstance(text, Markup):
        return text
    return escape(_XML_INVALID.sub("", text))


def _num(value: float) -> str:
    """A compact coordinate with at most two decimals."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
