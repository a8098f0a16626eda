"""Charts: well-formed SVG whose bars are in proportion to the figures, for any figures."""

import base64
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from safeguard.insights.charts import LABEL_WIDTH, VALUE_ROOM, WIDTH, bar_chart, nice_ceiling

SVG = "{http://www.w3.org/2000/svg}"
PLOT = WIDTH - LABEL_WIDTH - VALUE_ROOM


def _bars(svg: str) -> list[float]:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, under test
    return [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]


def _decode(chart) -> str:
    assert chart.src.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(chart.src.split(",", 1)[1]).decode()


figures = st.lists(
    st.tuples(
        st.text(min_size=1, max_size=60),
        st.one_of(st.none(), st.floats(min_value=0, max_value=1e7, allow_nan=False)),
    ),
    max_size=30,
)


@given(figures)
def test_bars_are_in_proportion_and_fit_whatever_the_figures(rows):
    labels = [label for label, _ in rows]
    values = [value for _, value in rows]
    svg = _decode(bar_chart(labels, values, title="Acceptance <rate> & more", unit="Referrals"))
    bars = _bars(svg)  # parses: labels with <, & or quotes are escaped
    assert len(bars) == len(rows)
    largest = max((v or 0 for v in values), default=0)
    for width, value in zip(bars, values, strict=True):
        assert 0 <= width <= PLOT + 0.05
        if largest:
            assert abs(width - PLOT * (value or 0) / nice_ceiling(largest)) <= 0.06


def test_the_same_figures_give_the_same_chart_and_a_text_alternative():
    one = bar_chart(["Kent", "Medway"], [50.0, 100.0], title="Acceptance rate", unit="%")
    two = bar_chart(["Kent", "Medway"], [50.0, 100.0], title="Acceptance rate", unit="%")
    assert one == two
    assert one.alt == "Acceptance rate. The figures are in the table."
    svg = _decode(one)
    assert "Kent" in svg and "Medway" in svg
    assert _bars(svg) == [PLOT / 2, PLOT]


@given(st.floats(min_value=1e-6, max_value=1e12, allow_nan=False))
def test_the_scale_is_a_round_number_at_or_above_the_largest_figure(value):
    scale = nice_ceiling(value)
    assert scale >= value * (1 - 1e-9)
    assert scale <= value * 10
