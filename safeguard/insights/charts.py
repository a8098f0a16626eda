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
LABEL_WIDTH = 250
LABEL_CHARS = 34  # characters of 13px Arial that fit in LABEL_WIDTH with room to spare
LABEL_LINES = 2  # a longer label is wrapped onto two lines, and only then shortened with "…"
VALUE_ROOM = 60  # right of the longest bar, for its figure
ROW = 24
LINE = 15  # each extra line of a wrapped label adds this to its row
TOP = 8
AXIS = 44  # below the bars: tick figures and the unit
MAX_TICKS = 5  # intervals on the axis, at most


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value`` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5):
        if step * power >= value:
            return step * power
    return max(10 * power, value)  # rounding at the edges of floating point


def axis_scale(values: list[float]) -> tuple[float, float]:
    """(end of the axis, tick step): the step is 1, 2 or 5 times a power of ten, with at most
    five intervals, and a whole number whenever every figure is (counts never read 12.5)."""
    largest = max(values, default=0.0)
    whole = all(float(v).is_integer() for v in values)
    if largest < 1e-9:  # nothing (or next to nothing) to show
        return 1.0, 1.0 if whole else 0.25
    power = 10 ** math.floor(math.log10(largest / MAX_TICKS))
    step = None
    for factor in (1, 2, 5, 10, 20, 50):
        candidate = factor * power
        if whole and candidate < 1:
            continue
        if math.ceil(largest / candidate - 1e-9) <= MAX_TICKS:
            step = candidate
            break
    if step is None:  # floating point at the edges
        step = 10 * power
    if step >= 1:
        step = float(round(step))
    intervals = max(1, math.ceil(largest / step - 1e-9))
    return step * intervals, step


# Characters XML 1.0 does not allow: a label holding one would break the whole chart.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: str) -> str:
    return escape(NOT_XML.sub("", value))


def _figure(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def label_lines(label: str) -> list[str]:
    """A label as at most two lines that fit beside the bars, split between words where it can;
    only a label too long for two lines is shortened, ending "…"."""
    words = " ".join(str(label).split()).split(" ")
    lines: list[str] = []
    current = ""
    for word in words:
        while len(word) > LABEL_CHARS:  # a single very long word is split
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:LABEL_CHARS])
            word = word[LABEL_CHARS:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= LABEL_CHARS:
            current = f"{current} {word}"
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    if len(lines) > LABEL_LINES:
        last = lines[LABEL_LINES - 1]
        lines = lines[: LABEL_LINES - 1] + [last[: LABEL_CHARS - 1].rstrip() + "…"]
    return lines


def bar_chart_svg(labels: list[str], values: list[float], *, title: str, unit: str = "") -> str:
    """A horizontal bar chart as SVG markup: labels wrapped to fit, ticks at round steps."""
    wrapped = [label_lines(label) for label in labels]
    values = [max(float(v or 0), 0.0) for v in values]
    scale, step = axis_scale(values)
    plot = WIDTH - LABEL_WIDTH - VALUE_ROOM
    heights = [ROW + LINE * (len(lines) - 1) for lines in wrapped] or [ROW]
    bottom = TOP + sum(heights)
    height = bottom + AXIS
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" font-size="13" '
        f'fill="{GOVUK_TEXT}">',
        f"<title>{_text(title)}</title>",
    ]
    intervals = round(scale / step)
    for i in range(intervals + 1):
        tick = step * i
        x = LABEL_WIDTH + plot * tick / scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom}" stroke="{GOVUK_MID_GREY}" '
            'stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'fill="{GOVUK_DARK_GREY}">{_figure(round(tick, 9))}</text>'
        )
    y = TOP
    for lines, value, row_height in zip(wrapped, values, heights, strict=False):
        width = min(plot * value / scale, plot)
        middle = y + row_height / 2
        first = middle + 5 - LINE * (len(lines) - 1) / 2
        spans = "".join(
            f'<tspan x="{LABEL_WIDTH - 8}" y="{first + LINE * n:.1f}">{_text(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        parts.append(f'<text text-anchor="end">{spans}</text>')
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{middle - (ROW - 8) / 2:.1f}" width="{width:.1f}" '
            f'height="{ROW - 8}" fill="{GOVUK_BLUE}"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{middle + 5:.1f}">{_figure(value)}</text>'
        )
        y += row_height
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
