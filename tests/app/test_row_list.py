"""RowList: a virtual list with a cursor that skips headings and follows row keys across updates."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import App, ComposeResult
from textual.message import Message

from doover_tui.widgets.row_list import Column, Row, RowList


class CountingList(RowList[Row]):
    """Counts how many rows were turned into cells."""

    cells_built = 0

    def row_cells(self, row: Row) -> Sequence[Text]:
        self.cells_built += 1
        return super().row_cells(row)


class ListApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield CountingList([Column("Name"), Column("Kind", width=6)])

    def on_row_list_highlighted(self, message: RowList.Highlighted) -> None:
        self.seen.append(message)

    def on_row_list_chosen(self, message: RowList.Chosen) -> None:
        self.seen.append(message)


def plain_rows(keys: Sequence[int]) -> list[Row]:
    return [Row(key, (f"row {key}", "kind")) for key in keys]


def with_headings() -> list[Row]:
    return [
        Row("h1", ("First",), heading=True),
        *plain_rows([1, 2]),
        Row("h2", ("Second",), heading=True),
        Row("h3", ("Empty-looking",), heading=True),
        *plain_rows([3, 4]),
    ]


def cursor_key(widget: RowList[Row]) -> object:
    row = widget.cursor_row
    return None if row is None else widget.row_key(row)


def lines(widget: RowList[Row], count: int) -> list[str]:
    return [widget.render_line(y).text.rstrip() for y in range(count)]


async def test_cursor_skips_headings_and_wraps_nowhere() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        rows = app.query_one(CountingList)
        rows.set_rows(with_headings())
        rows.focus()
        await pilot.pause()
        assert rows.cursor_row == with_headings()[1]
        keys = []
        for _ in range(5):
            await pilot.press("down")
            keys.append(cursor_key(rows))
        assert keys == [2, 3, 4, 4, 4]
        await pilot.press("up", "up")
        assert rows.cursor_index == 2
        await pilot.press("G")
        assert rows.cursor_index == 6
        await pilot.press("g")
        assert rows.cursor_index == 1
        await pilot.press("end")
        assert rows.cursor_index == 6
        await pilot.press("home")
        assert rows.cursor_index == 1
        highlighted = [m.key for m in app.seen if type(m) is RowList.Highlighted]
        assert highlighted == [1, 2, 3, 4, 3, 2, 4, 1, 4, 1]


async def test_page_keys_move_a_page_and_scroll() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        rows = app.query_one(CountingList)
        rows.set_rows(plain_rows(range(100)))
        rows.focus()
        await pilot.pause()
        await pilot.press("pagedown")
        assert rows.cursor_index == rows.body_height - 1
        await pilot.press("pagedown")
        assert rows.scroll_offset.y > 0
        assert rows.scroll_offset.y <= rows.cursor_index < rows.scroll_offset.y + rows.body_height
        await pilot.press("pageup", "pageup")
        assert rows.cursor_index == 0
        assert rows.scroll_offset.y == 0


async def test_enter_posts_chosen_and_click_selects_and_chooses() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        rows = app.query_one(CountingList)
        rows.set_rows(with_headings())
        rows.focus()
        await pilot.press("down", "enter")
        chosen = [m for m in app.seen if isinstance(m, RowList.Chosen)]
        assert [(m.key, m.index, m.control) for m in chosen] == [(2, 2, rows)]
        # Line 0 is the header, so line y shows row y - 1: click row 3 ("row 3", index 6).
        await pilot.click(CountingList, offset=(3, 7))
        assert cursor_key(rows) == 4
        chosen = [m for m in app.seen if isinstance(m, RowList.Chosen)]
        assert chosen[-1].key == 4
        # Clicking a heading or the header does nothing.
        await pilot.click(CountingList, offset=(3, 1))
        await pilot.click(CountingList, offset=(3, 0))
        assert rows.cursor_index == 6
        assert len([m for m in app.seen if isinstance(m, RowList.Chosen)]) == 2


async def test_header_stays_fixed_and_cells_are_truncated_literally() -> None:
    app = ListApp()
    async with app.run_test(size=(30, 6)) as pilot:
        rows = app.query_one(CountingList)
        rows.set_rows([Row(0, ("[red]x[/] " + "long " * 20, "[b]kind-too-long")), *plain_rows(range(1, 50))])
        await pilot.pause()
        first = lines(rows, 2)
        assert first[0].startswith("Name")
        assert first[0].endswith("Kind")
        assert first[1].startswith("[red]x[/] long")
        assert "…" in first[1]
        assert first[1].endswith("[b]ki…")
        await pilot.press("G")
        assert lines(rows, 1)[0].startswith("Name")
        assert lines(rows, 6)[-1].startswith("row 49")


async def test_replacing_rows_keeps_cursor_on_key_and_its_place_on_screen() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        rows = app.query_one(CountingList)
        rows.set_rows(plain_rows(range(100)))
        rows.focus()
        await pilot.press("pagedown", "pagedown", "down")
        key = cursor_key(rows)
        offset_on_screen = rows.cursor_index - rows.scroll_offset.y
        app.seen.clear()
        rows.set_rows(plain_rows(range(-30, 100)))
        await pilot.pause()
        assert cursor_key(rows) == key
        assert rows.cursor_index - rows.scroll_offset.y == offset_on_screen
        assert app.seen == []  # the cursor did not move to another row
        # When the key is gone the cursor goes to the first row and says so.
        rows.set_rows(plain_rows(range(200, 210)))
        await pilot.pause()
        assert rows.cursor_index == 0
        assert [m.key for m in app.seen if isinstance(m, RowList.Highlighted)] == [200]


async def test_prepend_keeps_the_viewport_unless_the_cursor_is_on_the_first_row() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        rows = app.query_one(CountingList)
        rows.set_rows(plain_rows(range(100)))
        rows.focus()
        await pilot.pause()
        # Cursor on the first row: new rows come in above and the cursor stays at the top.
        rows.prepend_rows(plain_rows([-2, -1]))
        await pilot.pause()
        assert rows.cursor_index == 0
        assert rows.scroll_offset.y == 0
        assert lines(rows, 2)[1].startswith("row -2")
        # Elsewhere: the same rows stay on screen under the cursor.
        await pilot.press("pagedown", "pagedown")
        before = lines(rows, 12)
        key = cursor_key(rows)
        assert rows.cursor_index == 2 * (rows.body_height - 1)
        rows.prepend_rows(plain_rows([-5, -4, -3]))
        await pilot.pause()
        assert lines(rows, 12) == before
        assert cursor_key(rows) == key
        assert rows.index_of(-5) == 0
        assert rows.index_of(key) == rows.cursor_index
        rows.append_rows(plain_rows([100]))
        assert rows.index_of(100) == len(rows.rows) - 1


async def test_select_key_refuses_headings_and_unknown_keys() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)):
        rows = app.query_one(CountingList)
        rows.set_rows(with_headings())
        assert rows.select_key(3)
        assert rows.cursor_index == 5
        assert not rows.select_key("h2")
        assert not rows.select_key("missing")
        assert rows.cursor_index == 5


async def test_only_visible_rows_are_rendered_for_100k_rows() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 20)) as pilot:
        rows = app.query_one(CountingList)
        rows.set_rows(plain_rows(range(100_000)))
        await pilot.pause()
        assert lines(rows, 2)[1].startswith("row 0")
        # About one screen of rows; nowhere near 100,000.
        assert rows.cells_built <= 2 * rows.body_height
        rows.focus()
        built = rows.cells_built
        await pilot.press("down", "down", "down")
        assert rows.cells_built - built <= 10
        await pilot.press("G")
        assert lines(rows, 20)[-1].startswith("row 99999")
        assert rows.cells_built - built < 50


async def test_binding_ids_can_be_remapped_by_the_keymap() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        app.set_keymap({"rows.cursor-down": "j", "rows.cursor-up": "k", "rows.bottom": "b"})
        rows = app.query_one(CountingList)
        rows.set_rows(plain_rows(range(10)))
        rows.focus()
        await pilot.press("j", "j", "k")
        assert rows.cursor_index == 1
        await pilot.press("b")
        assert rows.cursor_index == 9
