"""Chart geometry: series of numbers in, frozen dataclasses of coordinates, ticks and labels out.

The statistics page draws its charts as inline SVG on the server. Keeping the arithmetic here,
away from the markup, means the templates only place shapes at given coordinates (and Jinja
escapes every label), while tests can check the geometry without parsing any SVG. Colours are
not chosen here: each shape names a series, which the stylesheet colours per theme.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

WIDTH = 600
HEIGHT = 220
# Room for the y labels on the left and the x labels below the plot.
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 40, 8, 10, 24
SHARE_HEIGHT = 36


@dataclass(frozen=True)
class Series:
    """One kind of value in a chart; `key` names its CSS class, `series-<key>`."""

    key: str
    label: str


@dataclass(frozen=True)
class Box:
    """The plotting area inside the chart's margins, in SVG user units."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> tuple[float, float]:
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2


@dataclass(frozen=True)
class Tick:
    """A labelled position on an axis: an x for the horizontal axis, a y for the vertical one."""

    at: float
    label: str


@dataclass(frozen=True)
class Legend:
    """One legend entry: the series whose colour it shows, and its text."""

    series: str
    label: str


@dataclass(frozen=True)
class Bar:
    """Input: one bar of a bar chart, its stacked values (one per series), tooltip and an
    optional x-axis label."""

    values: tuple[float, ...]
    tooltip: str
    tick: str | None = None


@dataclass(frozen=True)
class Segment:
    """One series' part of a stacked bar."""

    y: float
    height: float
    series: str


@dataclass(frozen=True)
class Column:
    """A drawn bar: its slot (which takes the tooltip, so thin bars are easy to hover) and its
    stacked segments."""

    x: float
    width: float
    tooltip: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class BarChart:
    """Vertical bars, stacked by series, over a shared y scale starting at zero."""

    kind: ClassVar[str] = "bars"
    width: int
    height: int
    plot: Box
    columns: tuple[Column, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    legend: tuple[Legend, ...]
    empty: str | None


@dataclass(frozen=True)
class Value:
    """Input: one point of a line chart; None leaves a gap in the line."""

    value: float | None
    tooltip: str
    tick: str | None = None


@dataclass(frozen=True)
class Point:
    """A drawn point of a line, with its tooltip."""

    x: float
    y: float
    tooltip: str


@dataclass(frozen=True)
class Reference:
    """A horizontal reference line (a target to compare the line against)."""

    y: float
    label: str


@dataclass(frozen=True)
class LineChart:
    """A line broken into runs where values are missing, with its points and a reference."""

    kind: ClassVar[str] = "line"
    width: int
    height: int
    plot: Box
    runs: tuple[tuple[Point, ...], ...]
    points: tuple[Point, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    reference: Reference | None
    legend: tuple[Legend, ...]
    series: str
    empty: str | None


@dataclass(frozen=True)
class Part:
    """One series' share of a horizontal stacked bar."""

    x: float
    width: float
    series: str
    tooltip: str


@dataclass(frozen=True)
class ShareBar:
    """A single horizontal bar split into the shares of a whole, with a legend of counts."""

    kind: ClassVar[str] = "share"
    width: int
    height: int
    plot: Box
    parts: tuple[Part, ...]
    legend: tuple[Legend, ...]
    empty: str | None


def nice_ticks(maximum: float, *, count: int = 4, whole: bool = False) -> tuple[float, ...]:
    """Tick values from 0 to at least `maximum` in steps of 1, 2 or 5 times a power of ten, so
    the axis reads at a glance; `whole` keeps steps of at least 1 (for counts)."""
    if maximum <= 0:
        return (0.0, 1.0)
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if whole:
        step = max(step, 1)
    steps = math.ceil(maximum / step - 1e-9)
    return tuple(round(k * step, 9) for k in range(steps + 1))


def number(value: float) -> str:
    """A tick label: no trailing zeros, thousands separated."""
    return f"{value:,.0f}" if value == int(value) else f"{value:,g}"


def percent(value: float) -> str:
    """A share as a whole percentage."""
    return f"{value:.0%}"


def _plot(height: int = HEIGHT) -> Box:
    return Box(MARGIN_LEFT, MARGIN_TOP, WIDTH - MARGIN_RIGHT, height - MARGIN_BOTTOM)


def _y(value: float, low: float, high: float, plot: Box) -> float:
    """The y coordinate of `value` on a scale from `low` (bottom) to `high` (top)."""
    return round(plot.bottom - (value - low) / (high - low) * plot.height, 2)


def bar_chart(
    bars: Sequence[Bar],
    series: Sequence[Series],
    *,
    whole: bool = True,
    empty: str = "Nothing to show yet",
) -> BarChart:
    """Stacked vertical bars, one slot per input bar, on a y scale from zero to a round
    number; zero-height segments are left out. `empty` is shown when every value is zero."""
    plot = _plot()
    top_value = max((sum(bar.values) for bar in bars), default=0)
    ticks = nice_ticks(top_value, whole=whole)
    high = ticks[-1]
    slot = plot.width / max(len(bars), 1)
    gap = min(slot * 0.2, 4)
    columns = []
    x_ticks = []
    for index, bar in enumerate(bars):
        x = plot.left + index * slot
        segments = []
        total = 0.0
        for kind, value in zip(series, bar.values, strict=True):
            if value <= 0:
                continue
            y = _y(total + value, 0, high, plot)
            segments.append(Segment(y, round(_y(total, 0, high, plot) - y, 2), kind.key))
            total += value
        columns.append(
            Column(round(x + gap / 2, 2), round(slot - gap, 2), bar.tooltip, tuple(segments))
        )
        if bar.tick is not None:
            x_ticks.append(Tick(round(x + slot / 2, 2), bar.tick))
    return BarChart(
        WIDTH,
        HEIGHT,
        plot,
        tuple(columns),
        tuple(x_ticks),
        tuple(Tick(_y(value, 0, high, plot), number(value)) for value in ticks),
        tuple(Legend(s.key, s.label) for s in series) if len(series) > 1 else (),
        None if top_value > 0 else empty,
    )


def line_chart(
    values: Sequence[Value],
    series: Series,
    *,
    low: float,
    high: float,
    step: float,
    label: Callable[[float], str] = number,
    reference: float | None = None,
    reference_label: str = "",
    empty: str = "Nothing to show yet",
) -> LineChart:
    """A line over evenly spaced points on a y scale from `low` to `high` with a tick every
    `step`; a missing value breaks the line rather than pretending to be zero."""
    plot = _plot()
    slot = plot.width / max(len(values), 1)
    runs: list[tuple[Point, ...]] = []
    run: list[Point] = []
    points = []
    x_ticks = []
    for index, item in enumerate(values):
        x = round(plot.left + (index + 0.5) * slot, 2)
        if item.tick is not None:
            x_ticks.append(Tick(x, item.tick))
        if item.value is None:
            if run:
                runs.append(tuple(run))
            run = []
            continue
        point = Point(x, _y(min(max(item.value, low), high), low, high, plot), item.tooltip)
        run.append(point)
        points.append(point)
    if run:
        runs.append(tuple(run))
    steps = round((high - low) / step)
    y_ticks = tuple(
        Tick(_y(low + k * step, low, high, plot), label(low + k * step)) for k in range(steps + 1)
    )
    legend = [Legend(series.key, series.label)]
    drawn_reference = None
    if reference is not None:
        drawn_reference = Reference(_y(reference, low, high, plot), reference_label)
        legend.append(Legend("reference", reference_label))
    return LineChart(
        WIDTH,
        HEIGHT,
        plot,
        tuple(runs),
        tuple(points),
        tuple(x_ticks),
        y_ticks,
        drawn_reference,
        tuple(legend),
        series.key,
        None if points else empty,
    )


def share_bar(
    shares: Sequence[tuple[Series, int]], *, unit: str = "", empty: str = "Nothing yet"
) -> ShareBar:
    """One horizontal bar split in proportion to `shares`; the legend carries every count (also
    the zero ones, which have no part to hover)."""
    plot = Box(0, 0, WIDTH, SHARE_HEIGHT)
    total = sum(count for _, count in shares)
    parts = []
    legend = []
    x = 0.0
    for series, count in shares:
        share = count / total if total else 0.0
        text = f"{series.label}: {count:,}{unit} ({share:.0%})" if total else f"{series.label}: 0"
        legend.append(Legend(series.key, f"{series.label} {count:,}"))
        if count:
            width = share * plot.width
            parts.append(Part(round(x, 2), round(width, 2), series.key, text))
            x += width
    return ShareBar(
        WIDTH, SHARE_HEIGHT, plot, tuple(parts), tuple(legend), None if total else empty
    )
