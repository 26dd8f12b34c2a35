"""The Messages and Chart tabs in the app: pause/resume, diff, filter, export, full JSON, chart."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from textual.widgets import Input, TextArea

from doover_tui.emulator.server import RunningEmulator
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.diff_modal import DiffModal
from doover_tui.screens.json_modal import JsonModal
from doover_tui.screens.messages_view import MessagesView
from doover_tui.screens.prompt_modal import PromptModal
from doover_tui.widgets.field_chart import FieldChart
from doover_tui.widgets.message_table import MessageTable
from tests.app.harness import build_app, until, writer

PUMP = "Pump Station Riverside"


def list_files(directory: Path, pattern: str) -> list[Path]:
    """The files matching ``pattern`` (a plain function: the tests may block on a tmp directory)."""
    return sorted(directory.glob(pattern))


async def open_messages(app: object, pilot: object) -> tuple[MessagesView, MessageTable]:
    """Press m once the channel is open and wait for the first page."""
    from doover_tui.app import DooverApp

    assert isinstance(app, DooverApp)
    view = app.browser.query_one(MessagesView)
    await until(pilot, lambda: view.ref is not None, "the channel")  # type: ignore[arg-type]
    await pilot.press("m")  # type: ignore[attr-defined]
    table = app.browser.query_one(MessageTable)
    await until(pilot, lambda: len(table.rows) >= 48, "the first page")  # type: ignore[arg-type]
    return view, table


async def test_pause_counts_new_messages_and_resume_applies_them(live: RunningEmulator) -> None:
    app = build_app(live, agent=PUMP, channel="device_status")
    other = writer(live)
    async with app.run_test(size=(160, 40)) as pilot:
        view, table = await open_messages(app, pilot)
        ref = view.ref
        assert ref is not None
        before = len(table.rows)
        await pilot.press("space")
        assert view.window.paused
        sent = [await other.data.create_message(ref.agent_id, ref.name, {"n": n}) for n in range(3)]
        await until(pilot, lambda: view.window.pending_count == 3, "3 new, held")
        assert len(table.rows) == before
        assert "3 new" in str(view.query_one("#messages-info").render())
        await pilot.press("space")
        await until(pilot, lambda: len(table.rows) == before + 3, "resumed")
        assert table.rows[0].id == sent[-1].id  # type: ignore[attr-defined]
        assert "new" not in str(view.query_one("#messages-info").render())
    await other.aclose()


async def test_enter_shows_full_json_and_d_diffs_with_the_previous(live: RunningEmulator) -> None:
    app = build_app(live, agent=PUMP, channel="device_status")
    async with app.run_test(size=(160, 40)) as pilot:
        _view, table = await open_messages(app, pilot)
        newest = table.selected_message
        assert newest is not None
        await pilot.press("enter")
        assert isinstance(app.screen, JsonModal)
        assert json.loads(app.screen.query_one(TextArea).text) == newest.data
        await pilot.press("escape", "d")
        assert isinstance(app.screen, DiffModal)
        older = table.message_after(newest)
        assert older is not None
        assert (app.screen.old, app.screen.new) == (older.data, newest.data)
        diff = str(app.screen.query_one("#diff-text").render())
        assert f'-   "uptime_s": {older.data["uptime_s"]}' in diff
        assert f'+   "uptime_s": {newest.data["uptime_s"]}' in diff


async def test_field_filter_narrows_and_clears(live: RunningEmulator) -> None:
    app = build_app(live, agent=PUMP, channel="telemetry")
    async with app.run_test(size=(160, 40)) as pilot:
        view, table = await open_messages(app, pilot)
        first = table.selected_message
        assert first is not None
        assert isinstance(first.data, dict)
        field = next(key for key, value in first.data.items() if isinstance(value, int | float))
        await pilot.press("f")
        assert isinstance(app.screen, PromptModal)
        app.screen.query_one(Input).value = f"{field}={json.dumps(first.data[field])}"
        await pilot.press("enter")
        await until(pilot, lambda: view.window.filter is not None, "filter applied")
        assert 1 <= len(table.rows) < len(view.window.messages)
        assert all(m.data[field] == first.data[field] for m in view.window.visible)
        await pilot.press("f")
        app.screen.query_one(Input).value = "no..path"
        await pilot.press("enter")
        assert view.window.filter is not None, "a bad filter is refused and the old one kept"
        await pilot.press("f")
        app.screen.query_one(Input).value = ""
        await pilot.press("enter")
        await until(pilot, lambda: view.window.filter is None, "filter cleared")
        assert len(table.rows) == len(view.window.messages)


async def test_export_writes_ndjson_and_csv_and_says_where(
    live: RunningEmulator, tmp_path: Path, notes: list[str]
) -> None:
    app = build_app(live, agent=PUMP, channel="device_status")
    async with app.run_test(size=(160, 40)) as pilot:
        view, _table = await open_messages(app, pilot)
        view.export_dir = tmp_path
        await pilot.press("x")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("n")
        await until(pilot, lambda: any("messages written to" in note for note in notes), "the export note")
        (ndjson,) = list_files(tmp_path, "device_status-*.ndjson")
        assert str(ndjson) in notes[-1]
        lines = [json.loads(line) for line in ndjson.read_text().splitlines()]
        assert [line["id"] for line in lines] == [m.id for m in reversed(view.window.messages)]
        await pilot.press("x", "c")
        await until(pilot, lambda: len(list_files(tmp_path, "*.csv")) == 1, "the CSV")
        (csv_file,) = list_files(tmp_path, "*.csv")
        header, *rows = csv_file.read_text().splitlines()
        assert header.startswith("id,created_at,author_id")
        assert "online" in header
        assert len(rows) == len(view.window.messages)


async def test_chart_suggests_a_numeric_field_and_follows_live_data(live: RunningEmulator) -> None:
    app = build_app(live, agent=PUMP, channel="telemetry")
    other = writer(live)
    async with app.run_test(size=(160, 40)) as pilot:
        view, _table = await open_messages(app, pilot)
        await pilot.press("escape")
        await pilot.press("enter")  # back into the detail from the channels pane
        await pilot.press("c")
        chart = app.browser.query_one(FieldChart)
        field = app.browser.query_one("#chart-field", Input)
        await until(pilot, lambda: field.value != "", "a suggested field")
        assert not chart.has_class("-empty")
        stats = str(chart.query_one("#chart-stats").render())
        assert f"{len(view.window.messages)} points" in stats
        ref = view.ref
        assert ref is not None
        data = copy.deepcopy(view.window.messages[0].data)
        *parents, leaf = field.value.split(".")
        target = data
        for part in parents:
            target = target[part]
        target[leaf] = 123456.0
        await other.data.create_message(ref.agent_id, ref.name, data)
        await until(pilot, lambda: "latest 123456 " in str(chart.query_one("#chart-stats").render()), "the live point")
        await pilot.press("f")
        assert field.has_focus
        field.value = "no.such.field"
        await pilot.press("enter")
        assert chart.has_class("-empty")
        assert app.browser.query_one("#chart-view").has_focus, "the chart takes the keyboard back"
        await pilot.press("a")
        assert app.browser.query_one("#tree").has_focus, "tab keys work from the chart"
    await other.aclose()
