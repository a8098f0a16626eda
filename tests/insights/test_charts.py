"""Charts: well-formed SVG whose bars are in proportion to the figures, for any figures."""

import base64
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from safeguard.insights.charts import (
    LABEL_CHARS,
    LABEL_WIDTH,
    VALUE_ROOM,
    WIDTH,
    axis_scale,
    bar_chart,
    label_lines,
    nice_ceiling,
)

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
    scale, _ = axis_scale([max(float(v or 0), 0.0) for v in values])
    for width, value in zip(bars, values, strict=True):
        assert 0 <= width <= PLOT + 0.05
        if largest:
            assert abs(width - PLOT * (value or 0) / scale) <= 0.06


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


def _ticks(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, under test
    return [t.text for t in root.iter(f"{SVG}text") if t.get("fill") == "#505a5f" and t.text]


@given(st.lists(st.integers(min_value=0, max_value=10**7), max_size=30))
def test_counts_have_whole_number_ticks_at_round_steps(values):
    scale, step = axis_scale([float(v) for v in values])
    assert step >= 1 and float(step).is_integer()
    assert scale >= max(values, default=0)
    assert 1 <= round(scale / step) <= 5
    leading = float(f"{step:e}".split("e")[0])
    assert leading in (1.0, 2.0, 5.0)


def test_the_ticks_of_a_small_count_read_as_whole_numbers():
    svg = _decode(bar_chart(["Kent", "Medway"], [3, 50], title="Referrals"))
    ticks = _ticks(svg)
    assert ticks == ["0", "10", "20", "30", "40", "50"]
    assert not any("." in tick for tick in ticks)
    assert _ticks(_decode(bar_chart(["Kent"], [1], title="Referrals"))) == ["0", "1"]


@given(st.text(min_size=0, max_size=200))
def test_labels_fit_in_two_lines_and_lose_nothing_that_fits(label):
    lines = label_lines(label)
    assert 1 <= len(lines) <= 2
    assert all(len(line) <= LABEL_CHARS for line in lines)
    words = " ".join(label.split())
    if len(words) <= LABEL_CHARS:
        assert lines == [words]


def test_a_long_agency_name_is_wrapped_not_cut():
    name = "Care Act needs assessment (Care and Support)"
    svg = _decode(bar_chart([name], [4], title="Referrals by kind"))
    assert "Care Act needs assessment (Care" in svg and "and Support)" in svg
    assert "…" not in svg
