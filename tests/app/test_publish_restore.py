"""Publishing a message, undo from the log of updates, quitting with drafts, read-only: against the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.widgets import TextArea

from doover_tui.app import DooverApp
from doover_tui.drafts import Drafts
from doover_tui.emulator.server import RunningEmulator
from doover_tui.screens.aggregate_view import AggregateView
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.edit_modal import EditModal
from doover_tui.screens.messages_view import MessagesView
from doover_tui.screens.preview_modal import PreviewModal
from doover_tui.widgets.json_tree import JsonTree
from doover_tui.widgets.message_table import MessageTable
from tests.app.harness import agent_id_of, build_app, until, writer
from tests.app.test_editing import open_editor

TANK = "Hilltop Tank"


async def on_messages_tab(app: DooverApp, pilot: Any, rows: int) -> tuple[MessagesView, MessageTable]:
    view = app.browser.query_one(MessagesView)
    await until(pilot, lambda: view.ref is not None, "the channel")
    await pilot.press("m")
    table = app.browser.query_one(MessageTable)
    await until(pilot, lambda: len(table.rows) >= rows, f"{rows} messages")
    return view, table


async def test_publish_posts_the_document_as_a_message(live: RunningEmulator, tmp_path: Path) -> None:
    other = writer(live)
    agent_id = await agent_id_of(other, TANK)
    await other.data.create_channel(agent_id, "publish_here")
    await other.data.create_message(agent_id, "publish_here", {"level": 41, "unit": "%"})
    app = build_app(live, agent=TANK, channel="publish_here", drafts_dir=tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        view, table = await on_messages_tab(app, pilot, 1)
        assert view.check_action("publish", (False,)) is True
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, EditModal), "the editor")
        editor = app.screen
        assert isinstance(editor, EditModal)
        assert json.loads(editor.text) == {"level": 41, "unit": "%"}  # starts from the newest message
        editor.query_one(TextArea).text = json.dumps({"level": 42, "unit": "%", "note": "[b]by hand[/b]"})
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, PreviewModal), "the preview")
        shown = app.screen
        assert isinstance(shown, PreviewModal)
        assert shown.body == {"data": {"level": 42, "unit": "%", "note": "[b]by hand[/b]"}}
        assert shown.request.startswith("POST /agents/")
        assert shown.request.endswith("/channels/publish_here/messages")
        body_text = str(shown.query_one("#preview-diff").render())
        assert '"note": "[b]by hand[/b]"' in body_text  # the exact body, markup shown literally
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.browser, "published and closed")
        await until(pilot, lambda: len(table.rows) == 2, "the message in the table")
        assert table.rows[0].data == {"level": 42, "unit": "%", "note": "[b]by hand[/b]"}
        newest = await other.data.list_messages(agent_id, "publish_here", limit=1)
        assert newest[0].data == {"level": 42, "unit": "%", "note": "[b]by hand[/b]"}
        assert Drafts(tmp_path).all() == []
    await other.aclose()


async def test_publish_checks_the_message_schema(live: RunningEmulator, tmp_path: Path) -> None:
    other = writer(live)
    agent_id = await agent_id_of(other, TANK)
    schema = {"type": "object", "required": ["level"], "properties": {"level": {"type": "number"}}}
    await other.data.create_channel(agent_id, "schema_messages", message_schema=schema)
    app = build_app(live, agent=TANK, channel="schema_messages", drafts_dir=tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await on_messages_tab(app, pilot, 0)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, EditModal), "the editor")
        editor = app.screen
        assert isinstance(editor, EditModal)
        editor.query_one(TextArea).text = '{"level": "high"}'
        editor.validate()
        assert "level" in str(editor.query_one("#edit-problems").render())
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the schema override question")
        await pilot.press("escape")
        assert await other.data.list_messages(agent_id, "schema_messages") == []
    await other.aclose()


async def test_undo_restores_the_state_after_a_logged_update(live: RunningEmulator, tmp_path: Path) -> None:
    other = writer(live)
    agent_id = await agent_id_of(other, TANK)
    seed = {"setpoint": 10, "mode": "auto", "pump": {"rpm": 1200, "on": True}}
    await other.data.create_channel(agent_id, "undo_here")
    await other.data.update_aggregate(agent_id, "undo_here", seed, replace=True)  # not logged
    for patch in ({"setpoint": 12, "pump": {"rpm": 900}}, {"setpoint": 20, "mode": "manual"}, {"pump": {"rpm": 1500}}):
        await other.data.update_aggregate(agent_id, "undo_here", patch, log_update=True)
    app = build_app(live, agent=TANK, channel="undo_here", drafts_dir=tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        _, table = await on_messages_tab(app, pilot, 3)
        await pilot.press("G")  # the oldest: the first logged update
        assert table.selected_message is not None
        assert table.selected_message.data == {
            "setpoint": 12,
            "pump": {"rpm": 900},
        }
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the restore question")
        question = str(app.screen.query_one(".modal-body").query("Static")[1].render())
        assert "replaying 1 logged update" in question
        assert "undoing the 2 after it" in question
        assert "1 path(s)" in question
        assert "mode" in question
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, PreviewModal), "the PUT preview")
        shown = app.screen
        assert isinstance(shown, PreviewModal)
        assert shown.preview is not None
        assert shown.preview.mode == "put"
        assert shown.body == {"setpoint": 12, "mode": "manual", "pump": {"rpm": 900, "on": True}}
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.browser, "restored")
        stored = (await other.data.get_aggregate(agent_id, "undo_here")).data
        assert stored == {"setpoint": 12, "mode": "manual", "pump": {"rpm": 900, "on": True}}
        await pilot.press("a")
        tree = app.browser.query_one(JsonTree)
        await until(pilot, lambda: app.browser.query_one(AggregateView).aggregate.data == stored, "the tree")  # type: ignore[union-attr]
        assert ("setpoint",) in tree.highlighted_paths
    await other.aclose()


async def test_quitting_with_a_kept_draft_asks_first(live: RunningEmulator, tmp_path: Path) -> None:
    app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        editor = await open_editor(app, pilot)
        editor.query_one(TextArea).text = '{"half": "typed"'
        await pilot.press("ctrl+q")  # quit from inside the editor: its text is kept first
        await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the question")
        assert [d.text for d in Drafts(tmp_path).all()] == ['{"half": "typed"']
        await pilot.press("escape")  # stay
        assert app.is_running
        assert isinstance(app.screen, EditModal)
        await pilot.press("escape")  # close the editor; the draft stays
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the question again")
        await pilot.press("d")  # discard and quit
        await until(pilot, lambda: not app.is_running, "the app to quit")
    assert Drafts(tmp_path).all() == []


async def test_quitting_without_drafts_does_not_ask(live: RunningEmulator, tmp_path: Path) -> None:
    app = build_app(live, agent=TANK, drafts_dir=tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, "the app to quit")


async def test_read_only_hides_publish_and_undo(live: RunningEmulator, tmp_path: Path) -> None:
    app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path, read_only=True)
    async with app.run_test(size=(160, 45)) as pilot:
        view, _ = await on_messages_tab(app, pilot, 1)
        before = len(app.store.request_log.entries())
        for key in ("p", "u"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is app.browser
        assert view.check_action("publish", (False,)) is False
        assert view.check_action("restore", ()) is False
        shown = [b.binding.description for b in app.screen.active_bindings.values() if b.enabled and b.binding.show]
        footer = " ".join(shown)
        assert "Publish" not in footer
        assert "Undo" not in footer
        assert all(entry.method == "GET" for entry in app.store.request_log.entries()[before:])
