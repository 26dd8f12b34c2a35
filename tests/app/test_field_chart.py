from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult
from textual.widgets import Sparkline, Static

from doover_tui.widgets.field_chart import FieldChart, downsample, format_number

START = datetime(2025, 6, 15, 8, 0, 0, tzinfo=UTC)


class ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FieldChart(id="chart")


def points(values: list[float], step: timedelta = timedelta(minutes=1)) -> list[tuple[datetime, float]]:
    return [(START + step * i, value) for i, value in enumerate(values)]


def text_of(chart: FieldChart, selector: str) -> str:
    return str(chart.query_one(selector, Static).render())


async def test_shows_title_sparkline_and_stats() -> None:
    app = ChartApp()
    async with app.run_test(size=(100, 20)) as pilot:
        chart = app.query_one(FieldChart)
        chart.show("pump.rpm", points([1200, 900, 1450.5, 1300]))
        await pilot.pause()
        assert text_of(chart, "#chart-title") == "pump.rpm"
        stats = text_of(chart, "#chart-stats")
        assert "latest 1300" in stats
        assert "min 900" in stats
        assert "max 1450.5" in stats
        assert "4 points" in stats
        assert "2025-06-15 08:00:00 → 08:03:00 UTC (3m 0s)" in stats
        line = chart.query_one(Sparkline)
        assert line.display
        assert list(line.data or []) == [1200, 900, 1450.5, 1300]
        assert not chart.query_one("#chart-empty").display


async def test_second_show_replaces_the_series() -> None:
    app = ChartApp()
    async with app.run_test(size=(100, 20)) as pilot:
        chart = app.query_one(FieldChart)
        chart.show("pump.rpm", points([1, 2, 3]))
        await pilot.pause()
        chart.show("tank.level", points([50, 40], step=timedelta(days=1, hours=2)))
        await pilot.pause()
        assert chart.field == "tank.level"
        assert text_of(chart, "#chart-title") == "tank.level"
        stats = text_of(chart, "#chart-stats")
        assert "latest 40" in stats
        assert "2 points" in stats
        assert "2025-06-15 08:00:00 → 2025-06-16 10:00:00 UTC (26h 0m)" in stats
        assert list(chart.query_one(Sparkline).data or []) == [50, 40]


async def test_empty_state_names_the_field() -> None:
    app = ChartApp()
    async with app.run_test(size=(100, 20)) as pilot:
        chart = app.query_one(FieldChart)
        chart.show("pump.rpm", points([5]))
        await pilot.pause()
        chart.show("pump.rpm", [])
        await pilot.pause()
        empty = chart.query_one("#chart-empty")
        assert empty.display
        assert text_of(chart, "#chart-empty") == "no numeric values at pump.rpm in the loaded messages"
        assert not chart.query_one(Sparkline).display
        assert not chart.query_one("#chart-stats").display


async def test_no_field_chosen() -> None:
    app = ChartApp()
    async with app.run_test(size=(100, 20)) as pilot:
        chart = app.query_one(FieldChart)
        await pilot.pause()
        assert "no field chosen" in text_of(chart, "#chart-empty")
        chart.show("", [])
        await pilot.pause()
        assert "no field chosen" in text_of(chart, "#chart-empty")


async def test_show_before_mount_is_drawn_on_mount() -> None:
    chart = FieldChart()
    chart.show("a", points([1, 2]))

    class EarlyApp(App[None]):
        def compose(self) -> ComposeResult:
            yield chart

    async with EarlyApp().run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        assert "2 points" in text_of(chart, "#chart-stats")


async def test_field_path_is_shown_literally() -> None:
    app = ChartApp()
    async with app.run_test(size=(100, 20)) as pilot:
        chart = app.query_one(FieldChart)
        chart.show("[red]x[/]", points([1]))
        await pilot.pause()
        assert text_of(chart, "#chart-title") == "[red]x[/]"
        chart.show("a\x1b[2J", [])
        await pilot.pause()
        assert text_of(chart, "#chart-title") == "a\\x1b[2J"
        assert text_of(chart, "#chart-empty") == "no numeric values at a\\x1b[2J in the loaded messages"


async def test_many_points_are_downsampled_to_the_width() -> None:
    app = ChartApp()
    async with app.run_test(size=(60, 20)) as pilot:
        chart = app.query_one(FieldChart)
        chart.show("v", points([float(i % 100) for i in range(2000)]))
        await pilot.pause()
        line = chart.query_one(Sparkline)
        data = list(line.data or [])
        assert 0 < len(data) <= line.size.width
        assert max(data) == 99
        assert "2,000 points" in text_of(chart, "#chart-stats")


def test_downsample_keeps_peaks() -> None:
    assert downsample([1, 9, 2, 3, 8, 4], 3) == [9, 3, 8]
    assert downsample([1, 2], 10) == [1, 2]


def test_format_number() -> None:
    assert format_number(1200.0) == "1200"
    assert format_number(-3.0) == "-3"
    assert format_number(0.1 + 0.2) == "0.3"
    assert format_number(1e20) == "1e+20"
