"""Hostile device data and invalid editor input against the emulator: shown literally, never lost, never sent."""

from __future__ import annotations

import io
import json
import re
from functools import partial
from typing import Any

import httpx
import orjson
import pytest
from rich.console import Console
from textual.widgets import Input, TextArea

from doover_tui.app import DooverApp
from doover_tui.emulator.server import RunningEmulator
from doover_tui.jsonedit import MAX_EDIT_DEPTH, compact, parse_document, pretty
from doover_tui.literal import printable
from doover_tui.screens.aggregate_view import AggregateView
from doover_tui.screens.edit_modal import EditModal
from doover_tui.screens.json_modal import JsonModal
from doover_tui.screens.preview_modal import PreviewModal
from doover_tui.widgets.agent_list import AgentList
from doover_tui.widgets.channel_list import ChannelList
from doover_tui.widgets.field_chart import FieldChart
from doover_tui.widgets.json_tree import JsonTree
from doover_tui.widgets.message_table import MessageTable
from tests.app.harness import agent_id_of, build_app, until, writer
from tests.emulator_fixtures import TOKEN

TANK = "Hilltop Tank"
ESC = "\x1b"
HOSTILE = (
    f"[red]x[/] [link=https://evil.example]l[/link] {ESC}[2J {ESC}]52;c;SGVsbG8={ESC}\\ "
    "\u202eRTL 👩\u200d👩\u200d👧 e\u0301 \x00\x07\x85\u2028end"
)
"""Markup, a screen clear, an OSC 52 clipboard write, a bidi override, emoji with ZWJ, a combining mark,
NUL, BEL, a C1 control and a line separator: none may act, vanish or break a line on screen."""
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""What must never reach the terminal raw (newlines between screen rows excepted)."""
SHOWN = "[red]x[/] [link=https://evil.example]l[/link]"
"""The markup part, which must appear exactly as typed wherever the text is shown."""


def screen_text(app: DooverApp) -> str:
    """Every character on screen, modals included, as ``export_screenshot`` composes it (but as text)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, force_terminal=True)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


def assert_inert(text: str) -> None:
    """No control, bidi or line-separator character survives raw."""
    found = sorted({f"U+{ord(char):04X}" for char in UNSAFE.findall(text)})
    assert not found, f"raw {', '.join(found)} on screen"


def still_editing(app: DooverApp, editor: EditModal) -> bool:
    """The editor is still the screen on top (nothing was previewed or sent)."""
    return app.screen is editor


def root_label_is(app: DooverApp, channel: str, label: str) -> bool:
    """The aggregate of ``channel`` is on screen and its tree's root reads ``label…``."""
    view = app.browser.query_one(AggregateView)
    if view.ref is None or view.ref.name != channel:
        return False
    return str(view.query_one(JsonTree).root.label).startswith(label)


def writes(app: DooverApp) -> list[str]:
    """The writes the app sent (the API log keeps every attempt)."""
    return [f"{r.method} {r.url}" for r in app.store.request_log.entries() if r.method not in ("GET", "HEAD")]


async def rename_agent(live: RunningEmulator, label: str, display_name: str) -> str:
    """Give an agent a new display name (the API has no route for it; a device's firmware would set it)."""
    other = writer(live)
    try:
        agent = next(a for a in (await other.control.agents()).agents if a.label == label)
    finally:
        await other.aclose()
    db = live.emulator.db
    row = db.one("SELECT body FROM agents WHERE id = ?", (agent.id,))
    assert row is not None
    body = orjson.loads(row[0]) | {"display_name": display_name}
    with db.transaction():
        db.execute("UPDATE agents SET body = ? WHERE id = ?", (orjson.dumps(body).decode(), agent.id))
    return agent.id


async def raw_put(live: RunningEmulator, agent_id: str, channel: str, body: str) -> Any:
    """PUT an aggregate as raw JSON text (the client encodes with orjson, which stops at 254 levels)."""
    async with httpx.AsyncClient(base_url=live.urls.data, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        await http.post(f"/agents/{agent_id}/channels/{channel}", json={})
        response = await http.put(
            f"/agents/{agent_id}/channels/{channel}/aggregate",
            content=body,
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.text
        again = await http.get(f"/agents/{agent_id}/channels/{channel}/aggregate")
        assert again.status_code == 200
        return orjson.loads(again.content)["data"]


# Device text, shown literally everywhere ---------------------------------------------------------

CHANNEL = "ch[b]\u202e👩\u200d👩\u200d👧"
DOCUMENT = {HOSTILE: HOSTILE, "nested": {HOSTILE: [HOSTILE, 1, None]}, "n": 5}
CHARTED = "\u202eRTL 👩\u200d👩\u200d👧 e\u0301 \x07\x85!"
"""A numeric field's key (a chart path cannot spell ``[``, ``]`` or ``.``, so no markup here)."""


async def hostile_fleet(live: RunningEmulator) -> str:
    """Hilltop Tank renamed, with a channel whose name, aggregate and messages are hostile."""
    agent_id = await rename_agent(live, TANK, f"Hilltop {HOSTILE}")
    other = writer(live)
    try:
        schema = {"title": HOSTILE, "type": "object"}
        await other.data.create_channel(agent_id, CHANNEL, message_schema=schema, aggregate_schema=schema)
        await other.data.update_aggregate(agent_id, CHANNEL, DOCUMENT, replace=True)
        for level in range(3):
            await other.data.create_message(agent_id, CHANNEL, {CHARTED: level, "text": HOSTILE})
    finally:
        await other.aclose()
    return agent_id


async def stored_aggregate(live: RunningEmulator, agent_id: str, channel: str) -> Any:
    other = writer(live)
    try:
        return (await other.data.get_aggregate(agent_id, channel)).data
    finally:
        await other.aclose()


async def test_hostile_names_are_literal_in_lists_titles_and_info(live: RunningEmulator) -> None:
    await hostile_fleet(live)
    app = build_app(live, agent="Hilltop", channel=CHANNEL)
    async with app.run_test(size=(200, 40)) as pilot:
        agents = app.browser.query_one(AgentList)
        channels = app.browser.query_one(ChannelList)
        await until(pilot, lambda: channels.channels, "the channels")
        agent_lines = [agents.render_line(y).text for y in range(len(agents.rows))]
        assert any("● Hilltop [red]x[/] [link=https://e…" in line for line in agent_lines), agent_lines
        hilltop = next(row for row in agents.rows if "Hilltop" in str(getattr(row, "label", "")))
        assert agents.row_cells(hilltop)[1].plain.startswith(f"Hilltop {SHOWN} \\x1b[2J \\x1b]52;c;")
        channel_lines = [channels.render_line(y).text for y in range(len(channels.rows) + 1)]
        assert any("ch[b]\\u202e👩\u200d👩\u200d👧" in line for line in channel_lines), channel_lines
        await pilot.press("i")
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None and "ch[b]" in screen_text(app), "the info tab")
        screen = screen_text(app)
        assert "ch[b]\\u202e" in screen
        assert f"Hilltop {SHOWN}" in screen  # the pane's and channel list's titles
        assert f'"title": "{SHOWN} \\u001b[2J \\u001b]52;c;SGVsbG8=' in screen  # both schemas
        assert_inert(screen)


async def test_hostile_json_is_literal_in_tree_messages_detail_and_chart(
    live: RunningEmulator, notes: list[str]
) -> None:
    agent_id = await hostile_fleet(live)
    app = build_app(live, agent="Hilltop", channel=CHANNEL)
    async with app.run_test(size=(200, 45), notifications=True) as pilot:
        tree = app.browser.query_one(JsonTree)
        await until(pilot, lambda: tree.root.children, "the tree")
        tree.go_to(("nested", HOSTILE, 0))
        await pilot.pause()
        screen = screen_text(app)
        assert_inert(screen)
        # Keys are shown with Python-style escapes, string values as JSON (then printable() for what JSON leaves).
        assert f"── {SHOWN} \\x1b[2J \\x1b]52;c;SGVsbG8=\\x1b\\ \\…" in screen
        assert f'[0]: "{SHOWN} \\u001b[2J \\u001b]52;c;SGVsbG8=\\u001b\\\\ \\u202eRTL' in screen
        label = tree.cursor_node.label if tree.cursor_node is not None else None
        assert str(label) == (
            f'[0]: "{SHOWN} \\u001b[2J \\u001b]52;c;SGVsbG8=\\u001b\\\\ \\u202eRTL 👩\u200d👩\u200d👧 e\u0301 '
            '\\u0000\\u0007\\x85\\u2028end"'
        )
        await pilot.press("y")  # copy the string: the toast previews it
        await until(pilot, lambda: notes, "the copy toast")
        assert_inert(notes[-1])
        assert notes[-1].startswith(f"{SHOWN} \\x1b[2J")
        assert app.clipboard == HOSTILE, "the clipboard gets the value itself"
        await until(pilot, lambda: "Copied value" in screen_text(app), "the toast on screen")
        assert f"{SHOWN[:20]}" in screen_text(app)
        assert_inert(screen_text(app))

        await pilot.press("m")
        table = app.browser.query_one(MessageTable)
        await until(pilot, lambda: len(table.rows) == 3, "the messages")
        await pilot.pause()
        screen = screen_text(app)
        assert_inert(screen)
        assert (
            '{"\\u202eRTL 👩\u200d👩\u200d👧 e\u0301 \\u0007\\x85!":2,"text":"[red]x[/] [link=https://evil.e' in screen
        )
        table.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, JsonModal), "the message detail")
        screen = screen_text(app)
        assert_inert(screen)
        assert f'"{SHOWN} \\u001b[2J \\u001b]52;c;SGVsbG8=\\u001b\\\\ \\u202eRTL' in screen
        assert "\\u0000\\u0007\\u0085\\u2028end" in screen
        await pilot.press("escape")

    assert await stored_aggregate(live, agent_id, CHANNEL) == DOCUMENT
    assert writes(app) == []


async def test_a_hostile_channel_asked_for_is_quoted_in_the_toast(live: RunningEmulator, notes: list[str]) -> None:
    app = build_app(live, agent=TANK, channel=HOSTILE)
    async with app.run_test(size=(200, 40), notifications=True) as pilot:
        await until(pilot, lambda: notes, "the toast")
        await pilot.pause()
        assert len(notes) == 1
        # Quoted once and escaped once: `\x1b`, not repr's `\\x1b` of the escaped text.
        assert notes[0] == f"no channel '{printable(HOSTILE)}' on this agent"
        assert f"{SHOWN} \\x1b[2J \\x1b]52;c;" in notes[0]
        assert_inert(notes[0])
        await until(pilot, lambda: "end' on this" in screen_text(app), "the toast on screen")
        screen = screen_text(app)
        assert "no channel '[red]x[/]" in screen
        assert_inert(screen)


async def test_a_hostile_field_name_is_literal_in_the_chart(live: RunningEmulator) -> None:
    await hostile_fleet(live)
    app = build_app(live, agent="Hilltop", channel=CHANNEL)
    async with app.run_test(size=(200, 45)) as pilot:
        tree = app.browser.query_one(JsonTree)
        await until(pilot, lambda: tree.root.children, "the tree")
        await pilot.press("c")
        chart = app.browser.query_one(FieldChart)
        await until(pilot, lambda: chart.field == CHARTED, "the field charted")
        screen = screen_text(app)
        assert "\\u202eRTL 👩\u200d👩\u200d👧 e\u0301 \\x07\\x85!" in screen  # the chart's title
        assert "latest 2 · min 0 · max 2 · 3 points" in screen
        assert_inert(screen)
        # The box shows the path escaped; choosing that text still charts the real key.
        box = app.browser.query_one("#chart-field", Input)
        assert box.value == "\\u202eRTL 👩\u200d👩\u200d👧 e\u0301 \\x07\\x85!"
        chart.show("", [])
        await pilot.press("f", "enter")
        await until(pilot, lambda: chart.field == CHARTED, "the field charted again")
        assert "latest 2 · min 0 · max 2 · 3 points" in screen_text(app)


async def test_hostile_text_in_the_editor_and_preview_is_inert_and_kept(live: RunningEmulator) -> None:
    agent_id = await hostile_fleet(live)
    app = build_app(live, agent="Hilltop", channel=CHANNEL)
    async with app.run_test(size=(200, 45)) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "the aggregate")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EditModal), "the editor")
        editor = app.screen
        assert isinstance(editor, EditModal)
        text = editor.query_one(TextArea).text
        assert_inert(text)  # JSON escapes for what a text box would act on or split lines at
        assert parse_document(text) == DOCUMENT
        editor.query_one(TextArea).text = text.replace('"n": 5', '"n": 6')
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, PreviewModal), "the preview")
        screen = screen_text(app)
        assert_inert(screen)
        assert '"n": 6' in screen
        await pilot.press("escape", "escape")  # back to the editor, then close it: nothing sent
        await until(pilot, lambda: app.screen is app.browser, "the browser")
    assert await stored_aggregate(live, agent_id, CHANNEL) == DOCUMENT
    assert writes(app) == []


async def test_a_hostile_agent_or_search_asked_for_is_quoted_once_in_the_toast(
    live: RunningEmulator, notes: list[str]
) -> None:
    wanted = f"nobody {ESC}[2J \u202e"
    app = build_app(live, agent=wanted, channel="device_status")
    async with app.run_test(size=(200, 40), notifications=True) as pilot:
        await until(pilot, lambda: notes, "the toast")
        assert notes == ["no agent matches 'nobody \\x1b[2J \\u202e'"]
    notes.clear()
    app = build_app(live, agent=TANK, channel="device_status")
    async with app.run_test(size=(200, 40), notifications=True) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "the aggregate")
        await pilot.press("slash")
        view.query_one("#tree-find", Input).value = wanted
        await pilot.press("enter")
        await until(pilot, lambda: notes, "the find toast")
        assert notes == ["no key or value contains 'nobody \\x1b[2J \\u202e'"]
        await pilot.press("escape")  # the find box shows what was typed, as typed; the toast shows it escaped
        await until(pilot, lambda: "no key or value contains 'nobody \\x1b[2J" in screen_text(app), "the toast")
        assert_inert(screen_text(app))


# Invalid editor input --------------------------------------------------------------------------

INVALID = [
    ('{"a": 1,}', 1, 8, "trailing comma is not allowed"),
    ('{"a": 1} trailing', 1, 10, "unexpected content after document"),
    ('{"a": 1}\n{"b": 2}', 2, 1, "unexpected content after document"),
    ('{"a": NaN}', 1, 7, "unexpected character, expected a JSON value"),
    ('{"a": Infinity}', 1, 7, "unexpected character, expected a JSON value"),
    ("[1, -Infinity]", 1, 6, "no digit after sign"),
    ('{"a": 01}', 1, 7, "number with leading zero is not allowed"),
    ("{'a': 1}", 1, 2, "expected a string key"),
    ('"\\ud800"', 1, 2, "no low surrogate in string"),
    ('{"a": "\x00"}', 1, 8, "unexpected control character in string"),
    ('{"a": 1, "a": 2}', 1, 10, 'duplicate key "a" (first at line 1, column 2)'),
    ('{\n  "x": {"a": 1,\n    "\\u0061": 2}\n}', 3, 5, 'duplicate key "\\u0061" (first at line 2, column 9)'),
    ("[" * (MAX_EDIT_DEPTH + 1) + "]" * (MAX_EDIT_DEPTH + 1), 1, MAX_EDIT_DEPTH + 1, "nested more than 200 levels"),
    ("[" * 1000 + "]" * 1000, 1, MAX_EDIT_DEPTH + 1, "doover-tui cannot send a document this deep"),
    ("[" * 1100 + "]" * 1100, 1, 1026, "depth limit exceeded"),
    ("", 1, 1, "the document is empty"),
    ("\ufeff{}", 1, 1, "byte order mark"),
    (f'{{"a": "\u202e"}} {ESC}[2J', 1, 12, "unexpected content after document"),
]


async def test_invalid_editor_input_is_located_kept_and_never_sent(live: RunningEmulator, notes: list[str]) -> None:
    app = build_app(live, agent=TANK, channel="device_status")
    async with app.run_test(size=(160, 45)) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "the aggregate")
        ref, before = view.ref, view.aggregate
        assert ref is not None
        assert before is not None
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EditModal), "the editor")
        editor = app.screen
        assert isinstance(editor, EditModal)
        for text, line, column, says in INVALID:
            editor.query_one(TextArea).text = text
            notes.clear()
            await pilot.press("ctrl+s")
            assert still_editing(app, editor), f"{text[:20]!r} was previewed"
            assert notes == ["fix the JSON first: nothing is sent while it is invalid"]
            problems = str(editor.query_one("#edit-problems").render())
            assert problems.startswith(f"line {line}, column {column}: "), (text[:20], problems)
            assert says in problems
            assert editor.text == text, "the text is kept as typed"
            # The report quotes the line escaped (the text box shows what was typed, as typed).
            assert_inert(problems)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.browser, "the editor closed")
    assert await stored_aggregate(live, ref.agent_id, ref.name) == before.data
    assert writes(app) == []


async def test_the_deepest_editable_document_is_sent_whole(live: RunningEmulator) -> None:
    app = build_app(live, agent=TANK, channel="device_status")
    deepest: Any = "bottom"
    for _ in range(MAX_EDIT_DEPTH):
        deepest = {"k": deepest}
    async with app.run_test(size=(160, 45)) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "the aggregate")
        ref = view.ref
        assert ref is not None
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EditModal), "the editor")
        assert isinstance(app.screen, EditModal)
        app.screen.query_one(TextArea).text = pretty(deepest)
        await pilot.press("ctrl+t", "ctrl+s")  # PUT, then preview
        await until(pilot, lambda: isinstance(app.screen, PreviewModal), "the preview")
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.browser, "sent")
    assert await stored_aggregate(live, ref.agent_id, ref.name) == deepest


# Huge, deep and odd documents -------------------------------------------------------------------

DEPTH = 1000


def nested(depth: int, leaf: Any) -> Any:
    """``{"k": {"k": … leaf}}``, ``depth`` objects deep, built without recursion."""
    for _ in range(depth):
        leaf = {"k": leaf}
    return leaf


async def deep_on_tank(live: RunningEmulator) -> str:
    """Give the tank a channel ``deep`` whose aggregate nests DEPTH levels down to ``"bottom"``; the tank's id."""
    other = writer(live)
    agent_id = await agent_id_of(other, TANK)
    await other.aclose()
    await raw_put(live, agent_id, "deep", nested_text(DEPTH, "bottom"))
    return agent_id


def nested_text(depth: int, leaf: str) -> str:
    return '{"k":' * depth + json.dumps(leaf) + "}" * depth


async def test_the_emulator_stores_and_returns_a_1000_level_aggregate(live: RunningEmulator) -> None:
    other = writer(live)
    agent_id = await agent_id_of(other, TANK)
    await other.aclose()
    stored = await raw_put(live, agent_id, "deep", nested_text(DEPTH, "bottom"))
    # Compared as text: Python's == recurses, and 1,000 levels exceed its stack.
    assert compact(stored).decode() == nested_text(DEPTH, "bottom")
    async with httpx.AsyncClient(base_url=live.urls.data, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        body = '{"data":' + nested_text(DEPTH, "message") + "}"
        posted = await http.post(f"/agents/{agent_id}/channels/deep/messages", content=body)
        assert posted.status_code == 201, posted.text
        listed = await http.get(f"/agents/{agent_id}/channels/deep/messages", params={"limit": 1})
        assert compact(orjson.loads(listed.content)[0]["data"]).decode() == nested_text(DEPTH, "message")


async def test_a_1000_level_aggregate_is_shown_searched_copied_and_followed(
    live: RunningEmulator, notes: list[str]
) -> None:
    agent_id = await deep_on_tank(live)
    app = build_app(live, agent=TANK, channel="deep")
    async with app.run_test(size=(160, 40)) as pilot:
        tree = app.browser.query_one(JsonTree)
        await until(pilot, lambda: tree.root.children, "the tree")
        assert str(tree.root.label) == "aggregate {} 1 key"
        assert tree.find("bottom")  # builds and expands all 1,000 ancestors
        await pilot.pause()
        assert tree.cursor_path == ("k",) * DEPTH
        assert str(tree.cursor_node.label if tree.cursor_node else "") == 'k: "bottom"'
        await pilot.press("Y")
        assert app.clipboard == ".".join(["k"] * DEPTH)
        await pilot.press("home", "y")  # the whole document, pretty-printed (orjson alone stops at 254 levels)
        copied = parse_document(app.clipboard, max_depth=DEPTH)
        assert compact(copied).decode() == nested_text(DEPTH, "bottom")
        assert_inert(screen_text(app))
        # A live change at the bottom: the built 1,000-level path is updated in place and highlighted.
        await raw_put(live, agent_id, "deep", nested_text(DEPTH, "top"))
        deepest = ("k",) * DEPTH
        await until(pilot, lambda: deepest in tree.highlighted_paths, "the change highlighted")
        assert tree.go_to(deepest)
        assert str(tree.cursor_node.label if tree.cursor_node else "") == 'k: "top"'
    assert writes(app) == []


async def test_a_1000_level_aggregate_is_refused_by_the_editor_with_its_place(
    live: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", "true")  # an editor that changes nothing
    monkeypatch.delenv("VISUAL", raising=False)
    agent_id = await deep_on_tank(live)
    app = build_app(live, agent=TANK, channel="deep")
    async with app.run_test(size=(160, 40)) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "the aggregate")
        await pilot.press("e")  # on the root: the whole document (2 MB pretty-printed: $EDITOR only)
        await until(pilot, lambda: isinstance(app.screen, EditModal), "the editor")
        editor = app.screen
        assert isinstance(editor, EditModal)
        await pilot.press("ctrl+s")
        assert app.screen is editor
        problems = str(editor.query_one("#edit-problems").render())
        # Line 201 of the pretty text opens the 201st object: after 400 spaces and '"k": '.
        where = f"line {MAX_EDIT_DEPTH + 1}, column {2 * MAX_EDIT_DEPTH + 6}"
        assert problems.startswith(f"{where}: nested more than 200 levels deep"), problems
        await pilot.press("escape")
    assert compact(await stored_aggregate(live, agent_id, "deep")).decode() == nested_text(DEPTH, "bottom")
    assert writes(app) == []


async def test_a_one_megabyte_string_is_cut_on_screen_and_whole_in_the_clipboard(
    live: RunningEmulator, notes: list[str]
) -> None:
    big = HOSTILE + "y" * 1_000_000 + "THE END"
    other = writer(live)
    agent_id = await agent_id_of(other, TANK)
    await other.data.create_channel(agent_id, "huge")
    await other.data.update_aggregate(agent_id, "huge", {"big": big, "small": 1}, replace=True)
    await other.data.create_message(agent_id, "huge", {"big": big})
    await other.aclose()
    app = build_app(live, agent=TANK, channel="huge")
    async with app.run_test(size=(160, 40)) as pilot:
        tree = app.browser.query_one(JsonTree)
        await until(pilot, lambda: tree.root.children, "the tree")
        label = str(tree.root.children[0].label)
        assert label.startswith(f'big: "{SHOWN} \\u001b[2J')
        assert label.endswith("y…")
        assert len(label) == len("big: ") + 200
        tree.go_to(("big",))
        await pilot.press("y")
        await until(pilot, lambda: notes, "the copy toast")
        assert app.clipboard == big
        assert len(notes[-1]) < 400
        screen = screen_text(app)
        assert "THE END" not in screen
        assert_inert(screen)
        await pilot.press("m")
        table = app.browser.query_one(MessageTable)
        await until(pilot, lambda: len(table.rows) == 1, "the message")
        await pilot.pause()
        screen = screen_text(app)
        assert '{"big":"[red]x[/] [link=https:' in screen
        assert "THE END" not in screen
        assert_inert(screen)
        table.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, JsonModal), "the message detail")
        detail = app.screen.query_one(TextArea)
        assert parse_document(detail.text) == {"big": big}
        assert_inert(screen_text(app))
        assert not detail.soft_wrap, "wrapping a 1 MB line takes seconds: it scrolls sideways instead"
        detail.focus()
        await pilot.press("down", "end")  # the string's line, to its end
        await pilot.pause()
        assert detail.scroll_x > 1_000_000
        assert 'yyyTHE END"' in screen_text(app)
        assert_inert(screen_text(app))
    assert await stored_aggregate(live, agent_id, "huge") == {"big": big, "small": 1}
    assert writes(app) == []


NON_OBJECTS: list[tuple[str, Any, str]] = [
    ("a-list", [1, "two", None], "aggregate [] 3 items"),
    ("a-string", f"just {HOSTILE}", f'aggregate: "just {SHOWN} \\u001b[2J'),
    ("a-number", 42.5, "aggregate: 42.5"),
    ("a-null", None, "aggregate: null"),
    ("a-true", True, "aggregate: true"),
    ("an-empty-object", {}, "aggregate {} empty"),
]


async def test_aggregates_that_are_not_objects_are_shown_and_left_alone(live: RunningEmulator) -> None:
    other = writer(live)
    agent_id = await agent_id_of(other, TANK)
    for name, value, _ in NON_OBJECTS:
        await other.data.create_channel(agent_id, name)
        await other.data.update_aggregate(agent_id, name, value, replace=True)
    app = build_app(live, agent=TANK)
    async with app.run_test(size=(160, 40)) as pilot:
        channels = app.browser.query_one(ChannelList)
        await until(pilot, lambda: len(channels.channels) == 5 + len(NON_OBJECTS), "the channels")
        for name, _, label in NON_OBJECTS:
            app.open_channel(name)  # what `:channel NAME` does
            await until(pilot, partial(root_label_is, app, name, label), f"{name} shown")
            assert_inert(screen_text(app))
    for name, value, _ in NON_OBJECTS:
        assert (await other.data.get_aggregate(agent_id, name)).data == value
    await other.aclose()
    assert writes(app) == []


async def test_a_non_object_put_is_previewed_whole_and_sent_only_when_confirmed(live: RunningEmulator) -> None:
    other = writer(live)
    agent_id = await agent_id_of(other, TANK)
    await other.data.create_channel(agent_id, "replace-me")
    await other.data.update_aggregate(agent_id, "replace-me", {"a": 1}, replace=True)
    app = build_app(live, agent=TANK, channel="replace-me")
    async with app.run_test(size=(160, 45)) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "the aggregate")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EditModal), "the editor")
        editor = app.screen
        assert isinstance(editor, EditModal)
        editor.query_one(TextArea).text = '["not", "an", "object"]'
        await pilot.press("ctrl+t", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, PreviewModal), "the preview")
        assert isinstance(app.screen, PreviewModal)
        assert app.screen.preview is not None
        assert app.screen.preview.mode == "put"
        assert app.screen.preview.body == ["not", "an", "object"]
        assert "PUT " in screen_text(app)
        await pilot.press("escape")  # back to editing: nothing sent
        assert still_editing(app, editor)
        assert writes(app) == []
        assert (await other.data.get_aggregate(agent_id, "replace-me")).data == {"a": 1}
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, PreviewModal), "the preview again")
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.browser, "sent")
    assert (await other.data.get_aggregate(agent_id, "replace-me")).data == ["not", "an", "object"]
    await other.aclose()


# Once known gaps, now fixed: deep data through every path, the caret, hostile chart fields ----------


async def test_a_1000_level_message_is_summarised(live: RunningEmulator) -> None:
    other = writer(live)
    agent_id = await agent_id_of(other, TANK)
    await other.aclose()
    await raw_put(live, agent_id, "deep", "{}")
    async with httpx.AsyncClient(base_url=live.urls.data, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        body = '{"data":' + nested_text(DEPTH, "bottom") + "}"
        posted = await http.post(f"/agents/{agent_id}/channels/deep/messages", content=body)
        assert posted.status_code == 201
    app = build_app(live, agent=TANK, channel="deep")
    async with app.run_test(size=(160, 40)) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "the aggregate")
        await pilot.press("m")
        table = app.browser.query_one(MessageTable)
        await until(pilot, lambda: len(table.rows) == 1, "the message")
        await pilot.pause()
        assert '{"k":{"k":{"k":' in screen_text(app)


async def test_a_1000_level_aggregate_is_shown_with_the_offline_snapshot(live: RunningEmulator, tmp_path: Any) -> None:
    from doover_tui.snapshot import Snapshot

    await deep_on_tank(live)
    snapshot = Snapshot(tmp_path / "snapshot.json")
    app = build_app(live, agent=TANK, channel="deep", snapshot=snapshot)
    async with app.run_test(size=(160, 40)) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "the aggregate", limit=5)
        ref = view.ref
        assert ref is not None
    await snapshot.aclose()
    # Written whole, and read back whole by the next start.
    kept = await Snapshot(tmp_path / "snapshot.json").get(("aggregate", ref))
    assert kept is not None
    assert compact(kept[0].data).decode() == nested_text(DEPTH, "bottom")


async def test_an_edit_1000_levels_down_is_refused_with_its_place(
    live: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    await deep_on_tank(live)
    app = build_app(live, agent=TANK, channel="deep")
    async with app.run_test(size=(160, 40)) as pilot:
        tree = app.browser.query_one(JsonTree)
        await until(pilot, lambda: tree.root.children, "the tree")
        assert tree.find("bottom")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EditModal), "the editor")
        editor = app.screen
        assert isinstance(editor, EditModal)
        editor.query_one(TextArea).text = '"top"'
        await pilot.press("ctrl+s")
        assert app.screen is editor
        problems = str(editor.query_one("#edit-problems").render())
        assert problems.startswith("line 1, column 1: nested more than 200 levels deep (this value is 1000 levels")
    assert writes(app) == []


async def test_the_caret_points_at_the_error_after_escapes_and_wide_characters(live: RunningEmulator) -> None:
    app = build_app(live, agent=TANK, channel="device_status")
    async with app.run_test(size=(160, 45)) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "the aggregate")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EditModal), "the editor")
        editor = app.screen
        assert isinstance(editor, EditModal)
        editor.query_one(TextArea).text = '{"a": "\u202e🚜"} oops'
        await pilot.press("ctrl+s")
        _, shown, caret = str(editor.query_one("#edit-problems").render()).split("\n")
        assert shown == '  {"a": "\\u202e🚜"} oops'
        assert caret == "  " + " " * len('{"a": "\\u202e🚜"} ') + " ^"  # the emoji takes two cells


# The pure helpers behind the above ---------------------------------------------------------------


def test_json_text_at_any_depth_matches_orjson_where_orjson_can() -> None:
    for value in ({}, [], {"b": 1, "a": [True, None, {}, []], "c": {"d": "é\n\x1b"}}, "x", 1.5, None, [1, [2]]):
        assert compact(value) == orjson.dumps(value)
        assert pretty(value) == orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    deep = nested(DEPTH, [2**70, "\u202e"])
    assert compact(deep).decode() == '{"k":' * DEPTH + '[1180591620717411303424,"\u202e"]' + "}" * DEPTH
    assert parse_document(pretty(deep), max_depth=DEPTH + 1) is not None
    assert '"\\u202e"' in pretty(deep)
    with pytest.raises(TypeError):
        compact({"k": nested(300, {1: "a key that is not a string"})})


def test_pretty_escapes_what_a_text_box_would_split_or_reorder() -> None:
    value = {"a\u2028": "x\x85y\u202ez\x7f\u2066", "plain": "é 🚜 e\u0301"}
    text = pretty(value)
    assert text == ('{\n  "a\\u2028": "x\\u0085y\\u202ez\\u007f\\u2066",\n  "plain": "é 🚜 e\u0301"\n}')
    assert text.splitlines() == text.split("\n")
    assert parse_document(text) == value


def test_path_and_preview_show_line_separators_and_overrides_escaped() -> None:
    from doover_tui.json_view import format_path, parse_path, preview

    path = ("\u202ekey", "a\x85b", "x\u2028")
    assert format_path(path) == '["\\u202ekey"]["a\\u0085b"]["x\\u2028"]'
    assert parse_path(format_path(path)) == path
    assert preview("a\x85b\u2028c\r\nd\n") == "a\\x85b\\u2028c\nd"
    assert printable("a\u2028b\u2029c") == "a\\u2028b\\u2029c"


def test_set_path_and_drop_nulls_work_1000_levels_down() -> None:
    from doover_tui.jsonedit import drop_nulls, set_path

    deep = nested(DEPTH, {"keep": 1, "drop": None, "list": [None]})
    changed = set_path(deep, ("k",) * DEPTH + ("keep",), 2)
    assert compact(changed).decode() == compact(nested(DEPTH, {"keep": 2, "drop": None, "list": [None]})).decode()
    assert compact(drop_nulls(deep)).decode() == compact(nested(DEPTH, {"keep": 1, "list": [None]})).decode()
    assert set_path({"a": [1, {"b": 2}]}, ("a", 1, "b"), 3) == {"a": [1, {"b": 3}]}
    assert set_path(5, ("x", "y"), 1) == {"x": {"y": 1}}
    with pytest.raises(IndexError):
        set_path({"a": [1]}, ("a", 3), 0)


async def test_the_tree_lays_out_lines_exactly_as_textual_does() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Tree

    class TreeApp(App[None]):
        def compose(self) -> ComposeResult:
            yield JsonTree("agg")

    app = TreeApp()
    async with app.run_test(size=(80, 20)) as pilot:
        tree = app.query_one(JsonTree)
        tree.show({"a": {"b": [1, {"c": 2}], "d": 3}, "e": [], "f": {"g": {"h": None}}, "i": "j"})
        assert tree.go_to(("a", "b", 1, "c"))
        assert tree.go_to(("f", "g", "h"))
        await pilot.pause()
        for show_root in (True, False):
            tree.show_root = show_root
            tree._build()
            ours = [([n.id for n in line.path], line.last) for line in tree._tree_lines_cached or []]
            ours_size, ours_cursor = tree.virtual_size, tree.cursor_line
            Tree._build(tree)
            theirs = [([n.id for n in line.path], line.last) for line in tree._tree_lines_cached or []]
            assert (ours, ours_size, ours_cursor) == (theirs, tree.virtual_size, tree.cursor_line)
            assert len(ours) > 8


@pytest.mark.parametrize("mode", ["patch", "put"])
def test_a_shallow_edit_beside_a_1000_level_sibling_is_previewed(mode: str) -> None:
    from doover_tui.edit_preview import make_preview
    from doover_tui.jsonedit import set_path

    base = {"a": 1, "deep": nested(DEPTH, "bottom")}
    preview = make_preview(base, set_path(base, ("a",), 2), "patch" if mode == "patch" else "put")
    assert preview.changed == ["a"]
