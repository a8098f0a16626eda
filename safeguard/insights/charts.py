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


FUNNEL_HEIGHT = 360
FUNNEL_LEFT = 64
FUNNEL_RIGHT = 16
FUNNEL_TOP = 16
FUNNEL_BOTTOM = 56
GOVUK_RED = "#d4351c"
GOVUK_ORANGE = "#f47738"


def funnel_plot_svg(
    points: list[tuple[str, float, float]],
    limits,
    *,
    centre: float,
    title: str,
    x_label: str,
    y_label: str,
    y_max: float | None = None,
    percent: bool = False,
) -> str:
    """A funnel plot as SVG: each point (label, size, value) against the centre line and the
    control limits ``limits(size)`` -> (lower_95, upper_95, lower_998, upper_998), drawn as
    curves (95% dashed, 99.8% solid). A value outside the 99.8% limits is drawn in red."""
    plot_w = WIDTH - FUNNEL_LEFT - FUNNEL_RIGHT
    plot_h = FUNNEL_HEIGHT - FUNNEL_TOP - FUNNEL_BOTTOM
    x_max = nice_ceiling(max((size for _, size, _ in points), default=1))
    top = (
        y_max if y_max is not None else nice_ceiling(max([v for *_, v in points] + [centre]) * 1.1)
    )

    def sx(size):
        return FUNNEL_LEFT + plot_w * size / x_max

    def sy(value):
        value = min(max(value, 0.0), top)
        return FUNNEL_TOP + plot_h * (1 - value / top)

    def show(value):
        return f"{value * 100:.0f}%" if percent else _figure(value)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{FUNNEL_HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {FUNNEL_HEIGHT}" font-family="{FONT}" font-size="13" '
        f'fill="{GOVUK_TEXT}">',
        f"<title>{_text(title)}</title>",
    ]
    bottom = FUNNEL_TOP + plot_h
    for i in range(5):
        value = top * i / 4
        y = sy(value)
        parts.append(
            f'<line x1="{FUNNEL_LEFT}" y1="{y:.1f}" x2="{FUNNEL_LEFT + plot_w}" y2="{y:.1f}" '
            f'stroke="{GOVUK_MID_GREY}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{FUNNEL_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'fill="{GOVUK_DARK_GREY}">{show(value)}</text>'
        )
        x = FUNNEL_LEFT + plot_w * i / 4
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'fill="{GOVUK_DARK_GREY}">{_figure(x_max * i / 4)}</text>'
        )
    steps = [x_max * (i / 60) ** 2 for i in range(1, 61)]
    for index, dash in ((0, "6 4"), (1, "6 4"), (2, ""), (3, "")):
        path = " ".join(
            f"{'M' if j == 0 else 'L'}{sx(s):.1f},{sy(limits(s)[index]):.1f}"
            for j, s in enumerate(steps)
        )
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<path d="{path}" fill="none" stroke="{GOVUK_DARK_GREY}" stroke-width="1.5"{dashes}/>'
        )
    parts.append(
        f'<line x1="{FUNNEL_LEFT}" y1="{sy(centre):.1f}" x2="{FUNNEL_LEFT + plot_w}" '
        f'y2="{sy(centre):.1f}" stroke="{GOVUK_TEXT}" stroke-width="2"/>'
    )
    for _label, size, value in points:
        lower_998, upper_998 = limits(size)[2], limits(size)[3]
        outside = value < lower_998 or value > upper_998
        colour = GOVUK_RED if outside else GOVUK_BLUE
        parts.append(
            f'<circle cx="{sx(size):.1f}" cy="{sy(value):.1f}" r="4" fill="{colour}" '
            'fill-opacity="0.8"/>'
        )
    parts.append(
        f'<line x1="{FUNNEL_LEFT}" y1="{FUNNEL_TOP}" x2="{FUNNEL_LEFT}" y2="{bottom}" '
        f'stroke="{GOVUK_TEXT}" stroke-width="1"/>'
    )
    parts.append(
        f'<text x="{FUNNEL_LEFT + plot_w / 2:.1f}" y="{bottom + 36}" text-anchor="middle" '
        f'fill="{GOVUK_DARK_GREY}">{_text(x_label)}</text>'
    )
    parts.append(
        f'<text x="14" y="{FUNNEL_TOP + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {FUNNEL_TOP + plot_h / 2:.1f})" '
        f'fill="{GOVUK_DARK_GREY}">{_text(y_label)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def funnel_chart(points, limits, *, centre, title, x_label, y_label, **kwargs) -> Chart:
    svg = funnel_plot_svg(
        points, limits, centre=centre, title=title, x_label=x_label, y_label=y_label, **kwargs
    )
    return Chart(
        src="data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
        alt=f"{re.sub(r'[<>&]', '', title)}. The figures are in the table.",
    )
