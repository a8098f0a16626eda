"""Server-rendered SVG charts. Every chart has the same figures in a table beside it, so the
chart's text alternative points to the table.

The SVG is drawn here with plain elements and presentation attributes: a chart takes well under
a millisecond (a plotting library took about 50 ms each, most of a monitoring page's time).
Charts are shown as ``<img src="data:image/svg+xml;base64,...">`` so that nothing in them is
subject to the page's content security policy, and the same figures always give the same bytes.
"""

import base64
import math
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

GOVUK_BLUE = "#1d70b8"
GOVUK_TEXT = "#0b0c0c"
GOVUK_DARK_GREY = "#505a5f"
GOVUK_MID_GREY = "#b1b4b6"
FONT = "arial, sans-serif"

WIDTH = 640
LABEL_WIDTH = 250  # labels are cut to 40 characters
VALUE_ROOM = 60  # right of the longest bar, for its figure
ROW = 24
TOP = 8
AXIS = 44  # below the bars: tick figures and the unit


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value`` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5):
        if step * power >= value:
            return step * power
    return max(10 * power, value)  # rounding at the edges of floating point


# Characters XML 1.0 does not allow: a label holding one would break the whole chart.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: str) -> str:
    return escape(NOT_XML.sub("", value))


def _figure(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bar_chart_svg(labels: list[str], values: list[float], *, title: str, unit: str = "") -> str:
    """A horizontal bar chart as SVG markup, largest scale value a round number."""
    labels = [str(label)[:40] for label in labels]
    values = [max(float(v or 0), 0.0) for v in values]
    scale = nice_ceiling(max(values, default=0))
    plot = WIDTH - LABEL_WIDTH - VALUE_ROOM
    height = TOP + ROW * max(len(labels), 1) + AXIS
    bottom = TOP + ROW * max(len(labels), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" font-size="13" '
        f'fill="{GOVUK_TEXT}">',
        f"<title>{_text(title)}</title>",
    ]
    for i in range(5):
        tick = scale * i / 4
        x = LABEL_WIDTH + plot * i / 4
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom}" stroke="{GOVUK_MID_GREY}" '
            'stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'fill="{GOVUK_DARK_GREY}">{_figure(tick)}</text>'
        )
    for row, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + ROW * row
        width = min(plot * value / scale, plot)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">{_text(label)}</text>'
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{width:.1f}" height="{ROW - 8}" '
            f'fill="{GOVUK_BLUE}"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 16}">{_figure(value)}</text>'
        )
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="{TOP}" x2="{LABEL_WIDTH}" y2="{bottom}" '
        f'stroke="{GOVUK_TEXT}" stroke-width="1"/>'
    )
    if unit:
        parts.append(
            f'<text x="{LABEL_WIDTH + plot / 2:.1f}" y="{bottom + 36}" text-anchor="middle" '
            f'fill="{GOVUK_DARK_GREY}">{_text(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Chart:
    src: str
    alt: str


def bar_chart(labels: list[str], values: list[float], *, title: str, unit: str = "") -> Chart:
    """A horizontal bar chart as a data-URI image with its text alternative."""
    svg = bar_chart_svg(labels, values, title=title, unit=unit)
    return Chart(
        src="data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
        alt=f"{re.sub(r'[<>&]', '', title)}. The figures are in the table.",
    )
