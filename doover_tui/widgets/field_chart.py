"""A chart of one numeric message field over time: its path, a sparkline and summary statistics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Sparkline, Static

from doover_tui.literal import printable

Point = tuple[datetime, float]

_UNLAID_WIDTH = 200
"""Bars kept before layout tells us the real width."""


def downsample(values: Sequence[float], buckets: int) -> list[float]:
    """Reduce ``values`` to at most ``buckets`` bars, each the largest value of its stretch (as Sparkline does)."""
    count = len(values)
    if count <= buckets or buckets < 1:
        return list(values)
    return [max(values[i * count // buckets : (i + 1) * count // buckets]) for i in range(buckets)]


def format_number(value: float) -> str:
    """Whole numbers without a fraction, others to six significant digits."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def format_span(first: datetime, last: datetime) -> str:
    """``first → last`` in UTC with the duration, the date shown once when both fall on the same day."""
    first, last = first.astimezone(UTC), last.astimezone(UTC)
    end_format = "%H:%M:%S" if first.date() == last.date() else "%Y-%m-%d %H:%M:%S"
    seconds = int((last - first).total_seconds())
    hours, rest = divmod(seconds, 3600)
    duration = f"{hours}h {rest // 60}m" if hours else f"{rest // 60}m {rest % 60}s"
    return f"{first:%Y-%m-%d %H:%M:%S} → {last.strftime(end_format)} UTC ({duration})"


class FieldChart(Widget):
    """One numeric series: the field path, a sparkline of its values and latest/min/max/count/span."""

    DEFAULT_CSS = """
    FieldChart {
        height: auto;
        padding: 0 1;
    }
    FieldChart > #chart-title {
        text-style: bold;
    }
    FieldChart > Sparkline {
        height: 6;
        margin: 1 0;
    }
    FieldChart > #chart-stats, FieldChart > #chart-empty {
        color: $text-muted;
    }
    FieldChart > #chart-empty, FieldChart.-empty > Sparkline, FieldChart.-empty > #chart-stats {
        display: none;
    }
    FieldChart.-empty > #chart-empty {
        display: block;
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._field = ""
        self._values: list[float] = []
        self._points: Sequence[Point] = ()

    @property
    def field(self) -> str:
        """The field path shown ("" before any)."""
        return self._field

    def compose(self) -> ComposeResult:
        """Title, sparkline, statistics and the empty-state note."""
        yield Static(id="chart-title")
        yield Sparkline([], id="chart-line")
        yield Static(id="chart-stats")
        yield Static(id="chart-empty")

    def on_mount(self) -> None:
        """Draw whatever was shown before mounting."""
        self._draw()

    def show(self, field: str, points: Sequence[Point]) -> None:
        """Chart ``points`` (oldest first) of the numeric field at path ``field`` ("" for none chosen)."""
        self._field = field
        self._points = points
        self._values = [float(value) for _, value in points]
        if self.is_mounted:
            self._draw()

    def on_resize(self, event: Resize) -> None:
        """Re-bucket the bars to the new width."""
        if self.is_mounted:
            self._draw_line()

    def _draw(self) -> None:
        title = self.query_one("#chart-title", Static)
        empty = self.query_one("#chart-empty", Static)
        label = printable(self._field)
        title.update(Text(label or "Chart"))
        self.set_class(not self._points, "-empty")
        if not self._field:
            empty.update(Text("no field chosen: type a numeric field path, e.g. pump.rpm"))
        elif not self._points:
            empty.update(Text(f"no numeric values at {label} in the loaded messages"))
        self._draw_line()
        self.query_one("#chart-stats", Static).update(Text(self._stats()))

    def _draw_line(self) -> None:
        line = self.query_one("#chart-line", Sparkline)
        width = line.size.width or _UNLAID_WIDTH
        line.data = downsample(self._values, width)

    def _stats(self) -> str:
        if not self._points:
            return ""
        values = self._values
        parts = [
            f"latest {format_number(values[-1])}",
            f"min {format_number(min(values))}",
            f"max {format_number(max(values))}",
            f"{len(values):,} points",
            format_span(self._points[0][0], self._points[-1][0]),
        ]
        return " · ".join(parts)
