"""Server-rendered SVG charts (matplotlib). Every chart has the same figures in a table beside it,
so the chart's text alternative points to the table.

Charts are shown as ``<img src="data:image/svg+xml;base64,...">``: matplotlib styles its SVG
with inline styles, which the content security policy blocks in an inline ``<svg>``."""

import base64
import io
import re
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

matplotlib.rcParams.update(
    {
        "font.family": "sans-serif",
        "font.size": 10,
        "svg.fonttype": "none",
        "svg.hashsalt": "safeguard",  # stable ids: the same figures give the same SVG
    }
)
GOVUK_BLUE = "#1d70b8"
GOVUK_DARK_GREY = "#505a5f"


def bar_chart_svg(labels: list[str], values: list[float], *, title: str, unit: str = "") -> str:
    """A horizontal bar chart as inline SVG markup."""
    labels = [str(label)[:40] for label in labels]
    height = max(1.2, 0.32 * len(labels) + 0.6)
    fig, ax = plt.subplots(figsize=(6.4, height), dpi=72)
    try:
        positions = range(len(labels))
        ax.barh(list(positions), [v or 0 for v in values], color=GOVUK_BLUE)
        ax.set_yticks(list(positions), labels)
        ax.invert_yaxis()
        ax.set_xlabel(unit, color=GOVUK_DARK_GREY)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.tick_params(colors="#0b0c0c")
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    finally:
        plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


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
