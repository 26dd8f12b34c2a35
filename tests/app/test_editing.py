"""Editing an aggregate against the emulator: preview, PATCH/PUT, subtree, invalid JSON, schema, nulls,
conflicts, failures, drafts, $EDITOR and read-only."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TextArea

from doover_tui.app import DooverApp
from doover_tui.emulator.app import EmulatorConfig
from doover_tui.emulator.faults import FaultSpec
from doover_tui.emulator.server import RunningEmulator, running
from doover_tui.screens.aggregate_view import AggregateView
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.edit_modal import EditModal
from doover_tui.screens.preview_modal import PreviewModal
from doover_tui.widgets.json_tree import JsonTree
from tests.app.harness import agent_id_of, build_app, until, writer
from tests.app.test_browser_messages import list_files
from tests.emulator_fixtures import TOKEN

TANK = "Hilltop Tank"


async def open_editor(app: DooverApp, pilot: Any, key: str = "e") -> EditModal:
    view = app.browser.query_one(AggregateView)
    await until(pilot, lambda: view.aggregate is not None, "the aggregate")
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, EditModal), "the editor")
    assert isinstance(app.screen, EditModal)
    return app.screen


def set_text(editor: EditModal, document: Any) -> None:
    editor.query_one(TextArea).text = json.dumps(document, indent=2)


async def stored(live: RunningEmulator, app: DooverApp) -> Any:
    ref = app.browser.query_one(AggregateView).ref
    assert ref is not None
    other = writer(live)
    try:
        return (await other.data.get_aggregate(ref.agent_id, ref.name)).data
    finally:
        await other.aclose()


async def preview(app: DooverApp, pilot: Any) -> PreviewModal:
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(app.screen, PreviewModal), "the preview")
    assert isinstance(app.screen, PreviewModal)
    return app.screen


async def test_patch_sends_the_minimal_merge_patch(live: RunningEmulator, tmp_path: Path) -> None:
    app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        editor = await open_editor(app, pilot)
        document = json.loads(editor.text)
        set_text(editor, {**document, "online": not document["online"], "note": "checked"})
        shown = await preview(app, pilot)
        assert shown.preview.mode == "patch"
        assert shown.preview.body == {"online": not document["online"], "note": "checked"}
        await pilot.press("ctrl+s")  # the key that opened the preview does not send
        assert isinstance(app.screen, PreviewModal)
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.browser, "sent and closed")
        after = await stored(live, app)
        assert after == {**document, "online": not document["online"], "note": "checked"}
        tree = app.browser.query_one(JsonTree)
        assert ("note",) in tree.highlighted_paths


async def test_put_replaces_the_whole_document(live: RunningEmulator, tmp_path: Path) -> None:
    app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        editor = await open_editor(app, pilot)
        set_text(editor, {"only": 1})
        shown = await preview(app, pilot)
        await pilot.press("m")  # switch to PUT in the preview
        shown = await preview_after_toggle(app, pilot, shown)
        assert shown.preview.mode == "put"
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.browser, "sent")
        assert await stored(live, app) == {"only": 1}


async def preview_after_toggle(app: DooverApp, pilot: Any, old: PreviewModal) -> PreviewModal:
    await until(pilot, lambda: isinstance(app.screen, PreviewModal) and app.screen is not old, "a new preview")
    assert isinstance(app.screen, PreviewModal)
    return app.screen


async def test_subtree_edit_patches_at_that_path(live: RunningEmulator, tmp_path: Path) -> None:
    app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "aggregate")
        tree = app.browser.query_one(JsonTree)
        assert tree.go_to(("battery",))
        before = await stored(live, app)
        editor = await open_editor(app, pilot)
        assert json.loads(editor.text) == before["battery"]
        set_text(editor, {**before["battery"], "percent": 1})
        shown = await preview(app, pilot)
        assert shown.preview.body == {"battery": {"percent": 1}}
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.browser, "sent")
        assert await stored(live, app) == {**before, "battery": {**before["battery"], "percent": 1}}


async def test_invalid_json_is_located_and_nothing_is_sent(live: RunningEmulator, tmp_path: Path) -> None:
    app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        editor = await open_editor(app, pilot)
        before = await stored(live, app)
        editor.query_one(TextArea).text = '{\n  "a": 1,\n  "b": tru\n}'
        await pilot.press("ctrl+s")
        assert app.screen is editor
        problems = str(editor.query_one("#edit-problems").render())
        assert problems.startswith("line 3, column")
        assert "^" in problems
        assert await stored(live, app) == before
        assert editor.text == '{\n  "a": 1,\n  "b": tru\n}'


async def test_schema_errors_need_an_explicit_override(live: RunningEmulator, tmp_path: Path) -> None:
    app = build_app(live, agent=TANK, channel="config", drafts_dir=tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        editor = await open_editor(app, pilot)
        assert editor.target.schema is not None
        editor.query_one(TextArea).text = json.dumps({"sample_interval_s": "often"})
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the schema question")
        assert "schema" in str(editor.query_one("#edit-problems").render())
        await pilot.press("escape")
        assert app.screen is editor, "without the override nothing is previewed"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the schema question")
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, PreviewModal), "the preview after the override")


async def test_nulls_are_flagged_for_patch_and_can_be_dropped(live: RunningEmulator, tmp_path: Path) -> None:
    app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        editor = await open_editor(app, pilot)
        document = json.loads(editor.text)
        set_text(editor, {**document, "firmware": None, "extra": None})
        shown = await preview(app, pilot)
        assert shown.preview.null_paths
        assert app.screen.query("#preview-nulls")
        await pilot.press("n")
        shown = await preview_after_toggle(app, pilot, shown)
        assert not shown.preview.null_paths


async def test_conflict_with_another_writer_offers_a_choice(live: RunningEmulator, tmp_path: Path) -> None:
    app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        editor = await open_editor(app, pilot)
        document = json.loads(editor.text)
        ref = editor.target.ref
        other = writer(live)
        await other.data.update_aggregate(ref.agent_id, ref.name, {"remote": "change", "firmware": "theirs"})
        set_text(editor, {**document, "mine": True, "firmware": "mine"})
        await preview(app, pilot)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the conflict")
        assert "changed on the server" in app.screen.question  # type: ignore[attr-defined]
        await pilot.press("r")
        await until(pilot, lambda: app.screen is app.browser, "re-applied")
        after = await stored(live, app)
        assert after["remote"] == "change"
        assert after["mine"] is True
        assert after["firmware"] == "mine"
        await other.aclose()


async def test_a_patch_beside_remote_changes_is_sent_without_asking(live: RunningEmulator, tmp_path: Path) -> None:
    app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        editor = await open_editor(app, pilot)
        document = json.loads(editor.text)
        ref = editor.target.ref
        other = writer(live)
        await other.data.update_aggregate(ref.agent_id, ref.name, {"uptime_s": 1})  # a device counter ticking
        set_text(editor, {**document, "mine": True})
        await preview(app, pilot)
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.browser, "sent without a question")
        after = await stored(live, app)
        assert after["uptime_s"] == 1  # their change kept
        assert after["mine"] is True
        await other.aclose()


async def test_a_failed_write_keeps_the_editor_and_the_text(tmp_path: Path) -> None:
    # An emulator that answers every write with 503 (reads work): the failure is the server's own.
    writes_fail = FaultSpec(error_rate=1.0, status=503, methods=frozenset({"PATCH", "PUT"}))
    with running(EmulatorConfig(token=TOKEN, simulate=False, faults=writes_fail)) as failing:
        app = build_app(failing, agent=TANK, channel="device_status", drafts_dir=tmp_path)
        async with app.run_test(size=(160, 45)) as pilot:
            editor = await open_editor(app, pilot)
            before = json.loads(editor.text)
            text = editor.text.replace("{", '{"kept": 1,', 1)
            editor.query_one(TextArea).text = text
            await preview(app, pilot)
            await pilot.press("y")
            await until(pilot, lambda: "not sent" in str(editor.query_one("#edit-problems").render()), "the error")
            assert app.screen is editor
            assert editor.text == text
            assert "503" in str(editor.query_one("#edit-problems").render())
            assert await stored(failing, app) == before


async def test_draft_survives_a_restart(live: RunningEmulator, tmp_path: Path) -> None:
    app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        editor = await open_editor(app, pilot)
        editor.query_one(TextArea).text = '{"half": "typed'
        await pilot.press("escape")
    drafts = list_files(tmp_path, "*.json")
    assert len(drafts) == 1
    assert stat.S_IMODE(drafts[0].stat().st_mode) == 0o600
    again = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
    async with again.run_test(size=(160, 45)) as pilot:
        view = again.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "aggregate")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(again.screen, ChoiceModal), "the draft offer")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(again.screen, EditModal), "the editor")
        assert again.screen.text == '{"half": "typed'  # type: ignore[attr-defined]


async def test_external_editor_edits_the_document(
    live: RunningEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "fake-editor"
    script.write_text('#!/bin/sh\nprintf \'{"from_editor": true}\' > "$1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)
    app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path / "drafts")
    async with app.run_test(size=(160, 45)) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "the aggregate")
        await pilot.press("E")
        # Back from $EDITOR the preview shows at once; escape goes to the text.
        await until(pilot, lambda: isinstance(app.screen, PreviewModal), "the preview")
        await pilot.press("escape")
        assert isinstance(app.screen, EditModal)
        assert json.loads(app.screen.text) == {"from_editor": True}


async def test_a_big_document_is_edited_in_editor_only(
    live: RunningEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "fake-editor"
    script.write_text(
        "#!/usr/bin/env python3\nimport json, sys\n"
        "doc = json.load(open(sys.argv[1]))\ndoc['edited'] = True\njson.dump(doc, open(sys.argv[1], 'w'))\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)
    other = writer(live)
    agent_id = await agent_id_of(other, TANK)
    big = {f"sensor_{n}": {"reading": n, "label": "x" * 40} for n in range(2000)}
    await other.data.create_channel(agent_id, "big_one")
    await other.data.update_aggregate(agent_id, "big_one", big, replace=True)
    app = build_app(live, agent=TANK, channel="big_one", drafts_dir=tmp_path / "drafts")
    async with app.run_test(size=(160, 45)) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "the aggregate")
        await pilot.press("e")  # over 100 KB: $EDITOR even without E
        await until(pilot, lambda: isinstance(app.screen, PreviewModal), "the preview")
        shown = app.screen
        assert isinstance(shown, PreviewModal)
        assert shown.body == {"edited": True}
        editor = app.screen_stack[-2]
        assert isinstance(editor, EditModal)
        assert editor.big
        assert not editor.query(TextArea)  # no text box for a document this size
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.browser, "sent")
        assert (await other.data.get_aggregate(agent_id, "big_one")).data == {**big, "edited": True}
    await other.aclose()


async def test_read_only_cannot_open_the_editor(live: RunningEmulator, tmp_path: Path) -> None:
    app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path, read_only=True)
    async with app.run_test(size=(160, 45)) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "aggregate")
        before = len(app.store.request_log.entries())
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is app.browser
        assert all(entry.method == "GET" for entry in app.store.request_log.entries()[before:])
