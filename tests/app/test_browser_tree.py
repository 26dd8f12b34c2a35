"""The Aggregate tab in the app: expand and collapse, copy value and path, find."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App

from doover_tui.emulator.server import RunningEmulator
from doover_tui.screens.aggregate_view import AggregateView
from doover_tui.widgets.json_tree import JsonTree
from tests.app.harness import build_app, until


@pytest.fixture
def clipboard(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app copied."""
    copied: list[str] = []

    def copy(self: App[Any], text: str) -> None:
        copied.append(text)

    monkeypatch.setattr(App, "copy_to_clipboard", copy)
    return copied


async def test_expand_copy_and_breadcrumb(live: RunningEmulator, clipboard: list[str], notes: list[str]) -> None:
    app = build_app(live, agent="Pump Station Riverside", channel="device_status")
    async with app.run_test(size=(160, 40)) as pilot:
        view = app.browser.query_one(AggregateView)
        tree = app.browser.query_one(JsonTree)
        await until(pilot, lambda: view.aggregate is not None, "aggregate")
        hardware = tree.root.children[[str(c.label).split()[0] for c in tree.root.children].index("hardware")]
        assert not hardware.children, "children are built only on expand"
        tree.move_cursor(hardware)
        await pilot.press("right")
        await until(pilot, lambda: hardware.is_expanded and hardware.children, "hardware expanded")
        await pilot.press("down")
        path = tree.cursor_path
        assert path is not None
        assert path[0] == "hardware"
        breadcrumb = str(view.query_one("#breadcrumb").render())
        assert breadcrumb == f"device_status › hardware.{path[1]}"
        await pilot.press("y", "Y")
        assert clipboard[-1] == f"hardware.{path[1]}"
        expected_value = view.aggregate.data["hardware"][path[1]] if view.aggregate else None
        assert clipboard[-2] == (expected_value if isinstance(expected_value, str) else str(expected_value).lower())
        assert any(f"hardware.{path[1]}" in note for note in notes), "a toast says what was copied"
        await pilot.press("left", "left")
        assert not hardware.is_expanded


async def test_find_reveals_a_nested_key(live: RunningEmulator, notes: list[str]) -> None:
    app = build_app(live, agent="Pump Station Riverside", channel="device_status")
    async with app.run_test(size=(160, 40)) as pilot:
        view = app.browser.query_one(AggregateView)
        tree = app.browser.query_one(JsonTree)
        await until(pilot, lambda: view.aggregate is not None, "aggregate")
        await pilot.press("slash")
        await pilot.press(*"firmware", "enter")
        assert tree.cursor_path == ("firmware",)
        view.query_one("#tree-find").value = "zz-no-such-thing"  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert any("no key or value contains" in note for note in notes)
        await pilot.press("escape")
        assert tree.has_focus
