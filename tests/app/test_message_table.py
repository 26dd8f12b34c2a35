"""MessageTable: newest-first messages, lazy summaries, live prepends and paging for older ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.message import Message as TextualMessage

from doover_tui.api import snowflake
from doover_tui.api.models import ChannelRef, Message
from doover_tui.json_summary import summarize
from doover_tui.widgets import message_table
from doover_tui.widgets.message_table import MessageTable

CHANNEL = ChannelRef(agent_id="77", name="telemetry")
START_MS = 1_790_000_000_000


def message(n: int, data: Any = None, author: str = "42") -> Message:
    """Message number n, created n seconds after START_MS."""
    ident = snowflake.make_id(START_MS + n * 1000, kind=snowflake.SnowflakeType.MESSAGE)
    return Message(id=str(ident), author_id=author, channel=CHANNEL, data={"n": n} if data is None else data)


def newest_first(first: int, last: int) -> list[Message]:
    return [message(n) for n in range(last, first - 1, -1)]


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[TextualMessage] = []

    def compose(self) -> ComposeResult:
        yield MessageTable()

    def on_message_table_message_chosen(self, event: MessageTable.MessageChosen) -> None:
        self.seen.append(event)

    def on_message_table_older_wanted(self, event: MessageTable.OlderWanted) -> None:
        self.seen.append(event)


def older_wanted(app: TableApp) -> int:
    return sum(isinstance(m, MessageTable.OlderWanted) for m in app.seen)


def line(table: MessageTable, y: int) -> str:
    return table.render_line(y).text.rstrip()


async def test_columns_show_local_time_author_and_summary() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(MessageTable)
        odd = Message(id="not-a-snowflake", author_id="9", channel=CHANNEL, data=[1, True])
        table.show([message(2, {"level": 1.5}), odd])
        await pilot.pause()
        local = datetime.fromtimestamp((START_MS + 2000) / 1000).strftime("%Y-%m-%d %H:%M:%S")
        assert line(table, 0).split() == ["Local", "time", "Author", "Summary"]
        assert line(table, 1) == f'{local} 42{" " * 17} {{"level":1.5}}'
        assert line(table, 2) == f"{' ' * 19} 9{' ' * 18} [1,true]"


async def test_message_data_and_authors_are_shown_literally() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(MessageTable)
        table.show([message(1, {"name": "[red]x[/]", "esc": "\x1b[2J"}, author="\x1b[2J")])
        await pilot.pause()
        text = line(table, 1)
        assert '{"name":"[red]x[/]","esc":"\\u001b[2J"}' in text
        assert "\\x1b[2J" in text
        assert "\x1b" not in text


async def test_enter_chooses_and_message_after_gives_the_next_older() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(MessageTable)
        messages = newest_first(1, 5)
        table.show(messages)
        table.focus()
        await pilot.press("down", "enter")
        chosen = [m for m in app.seen if isinstance(m, MessageTable.MessageChosen)]
        assert [(m.message, m.control) for m in chosen] == [(messages[1], table)]
        assert table.selected_message == messages[1]
        assert table.message_after(messages[1]) == messages[2]
        assert table.message_after(messages[-1]) is None
        assert table.message_after(message(99)) is None


async def test_single_click_selects_without_choosing() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(MessageTable)
        messages = newest_first(1, 5)
        table.show(messages)
        await pilot.pause()
        await pilot.click(MessageTable, offset=(5, 3))
        assert table.selected_message == messages[2]
        assert not [m for m in app.seen if isinstance(m, MessageTable.MessageChosen)]


async def test_show_keeps_the_cursor_on_the_same_message() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(MessageTable)
        table.show(newest_first(1, 50))
        table.focus()
        await pilot.press("down", "down", "down")
        assert table.selected_message == message(47)
        table.show(newest_first(1, 60))
        assert table.selected_message == message(47)


async def test_prepend_keeps_the_view_or_follows_the_top() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(MessageTable)
        table.show(newest_first(1, 100))
        table.focus()
        await pilot.pause()
        table.prepend([message(101)])
        assert table.selected_message == message(101)  # at the top: new messages are seen
        await pilot.press("pagedown", "pagedown")
        selected = table.selected_message
        before = [line(table, y) for y in range(10)]
        table.prepend([message(103), message(102), message(101)])  # 101 is already loaded
        await pilot.pause()
        assert [line(table, y) for y in range(10)] == before
        assert table.selected_message == selected
        assert len(table.rows) == 103
        await pilot.press("g")
        assert table.selected_message == message(103)


async def test_older_wanted_once_near_the_bottom_until_rows_are_appended() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(MessageTable)
        table.show(newest_first(1, 100))
        table.focus()
        await pilot.pause()
        assert older_wanted(app) == 0
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown", "pagedown", "pagedown")
        assert older_wanted(app) == 0
        await pilot.press("pagedown", "pagedown")
        assert older_wanted(app) == 1
        await pilot.press("pagedown", "down", "G")
        assert older_wanted(app) == 1
        table.append([])  # nothing older: still not asked again
        await pilot.press("up", "down")
        assert older_wanted(app) == 1
        # At the last row, G asks explicitly.
        await pilot.press("G")
        assert older_wanted(app) == 2
        table.append(newest_first(-99, 0))
        assert table.selected_message == message(1)
        await pilot.press("G")
        assert older_wanted(app) == 3


async def test_scrolling_near_the_bottom_asks_for_older_messages() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(MessageTable)
        table.show(newest_first(1, 100))
        await pilot.pause()
        table.scroll_to(y=50, animate=False)
        await pilot.pause()
        assert older_wanted(app) == 0
        table.scroll_end(animate=False)
        await pilot.pause()
        assert older_wanted(app) == 1
        assert table.selected_message == message(100)  # scrolling does not move the cursor


async def test_a_short_channel_asks_for_older_messages_at_once() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(MessageTable)
        table.show(newest_first(1, 5))
        await pilot.pause()
        assert older_wanted(app) == 1
        table.show([])
        await pilot.pause()
        assert older_wanted(app) == 1


async def test_100k_messages_summarize_only_what_is_rendered(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0

    def counting(value: Any, max_chars: int = 200) -> str:
        nonlocal calls
        calls += 1
        return summarize(value, max_chars)

    monkeypatch.setattr(message_table, "summarize", counting)
    messages = newest_first(1, 100_000)
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(MessageTable)
        table.show(messages)
        await pilot.pause()
        assert line(table, 1).endswith('{"n":100000}')
        assert calls <= 23
        table.focus()
        await pilot.press("down", "up", "down")
        assert calls <= 25  # the cursor's rows are re-rendered, their summaries are not recomputed
        await pilot.press("G")
        assert line(table, 23).endswith('{"n":1}')
        assert calls <= 50


async def test_authors_are_shown_by_name_when_known() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 10)) as pilot:
        table = app.query_one(MessageTable)
        table.show([message(2, author="42"), message(1, author="7")])
        table.set_author_names({"42": "[b]Pump 3[/b]"})
        await pilot.pause()
        lines = [table.render_line(y).text for y in range(1, 3)]
        assert any("[b]Pump 3[/b]" in line for line in lines)
        assert any(" 7 " in line for line in lines)
