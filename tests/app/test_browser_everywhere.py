"""App-wide keys and flows: areas, command line, palette, help, API log, channel forms, errors, literal text."""

from __future__ import annotations

from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.content import Content
from textual.widgets import Checkbox, DataTable, HelpPanel, Input, TextArea

from doover_tui.api.models import ChannelRef
from doover_tui.emulator.server import RunningEmulator
from doover_tui.screens.api_log_modal import ApiLogModal
from doover_tui.screens.applications import ApplicationsScreen
from doover_tui.screens.browser import BrowserScreen
from doover_tui.screens.channel_form_modal import ChannelFormModal
from doover_tui.screens.channel_pane import ChannelPane
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.error_modal import ErrorModal
from doover_tui.screens.info_view import InfoView
from doover_tui.screens.tunnels import TunnelsScreen
from doover_tui.widgets.agent_list import AgentList
from doover_tui.widgets.channel_list import ChannelList
from doover_tui.widgets.json_tree import JsonTree
from tests.app.harness import build_app, until, writer


async def loaded(app: Any, pilot: Any) -> AgentList:
    agents: AgentList = app.browser.query_one(AgentList)
    await until(pilot, lambda: agents.total_count == 13, "agents")
    return agents


async def test_number_keys_switch_areas_and_back(live: RunningEmulator) -> None:
    app = build_app(live)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(app, pilot)
        await pilot.press("2")
        assert app.current_mode == "applications"
        assert isinstance(app.screen, ApplicationsScreen)
        await pilot.press("3")
        assert app.current_mode == "tunnels"
        assert isinstance(app.screen, TunnelsScreen)
        await pilot.press("1")
        assert app.screen is app.browser


async def test_command_line_opens_agent_and_channel_and_reports_nonsense(
    live: RunningEmulator, notes: list[str]
) -> None:
    app = build_app(live)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(app, pilot)
        await pilot.press("colon", *"agent hilltop", "enter")
        assert app.browser.agent is not None
        assert app.browser.agent.label == "Hilltop Tank"
        channels = app.browser.query_one(ChannelList)
        await until(pilot, lambda: channels.channels, "channels")
        await pilot.press("colon", *"channel telemetry", "enter")
        tree = app.browser.query_one(JsonTree)
        await until(pilot, lambda: tree.has_focus, "the channel open")
        await pilot.press("colon", *"nonsense", "enter")
        assert any(note.startswith("unknown command :nonsense") for note in notes)
        await pilot.press("colon", *"apps", "enter")
        assert app.current_mode == "applications"
        await pilot.press("colon", *"q", "enter")
    assert app.return_code in (None, 0)


async def test_palette_finds_an_agent(live: RunningEmulator) -> None:
    app = build_app(live)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(app, pilot)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"north reservoir")
        hits = app.screen.query_one(CommandList)
        await until(pilot, lambda: hits.option_count > 0, "hits")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, BrowserScreen), "palette closed")
        assert app.browser.agent is not None
        assert app.browser.agent.label == "North Reservoir Tank"


async def test_help_panel_and_api_log(live: RunningEmulator) -> None:
    app = build_app(live)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(app, pilot)
        await pilot.press("question_mark")
        assert app.screen.query(HelpPanel)
        await pilot.press("question_mark")
        assert not app.screen.query(HelpPanel)
        await pilot.press("L")
        assert isinstance(app.screen, ApiLogModal)
        table = app.screen.query_one(DataTable)
        paths = [str(table.get_row_at(row)[5]) for row in range(table.row_count)]
        assert "/agents/?include-archived=false" in paths
        assert all("Bearer" not in path and "emulator-test-token" not in path for path in paths)
        await pilot.press("escape")
        assert app.screen is app.browser


async def test_new_channel_form_validates_then_creates(live: RunningEmulator, notes: list[str]) -> None:
    app = build_app(live, agent="Hilltop Tank")
    async with app.run_test(size=(160, 40)) as pilot:
        channels = app.browser.query_one(ChannelList)
        await until(pilot, lambda: channels.channels, "channels")
        await pilot.press("n")
        assert isinstance(app.screen, ChannelFormModal)
        form = app.screen
        form.query_one("#channel-name", Input).value = "bad name"
        await pilot.press("ctrl+s")
        assert "no spaces" in str(form.query_one("#channel-form-error").render())
        form.query_one("#channel-name", Input).value = "maintenance"
        form.query_one("#aggregate-schema", TextArea).text = '{"type": "object", "required": 5}'
        await pilot.press("ctrl+s")
        assert "not a valid JSON Schema" in str(form.query_one("#channel-form-error").render())
        form.query_one("#aggregate-schema", TextArea).text = '{"type": "object"}'
        form.query_one("#channel-private", Checkbox).value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "maintenance" in [c.name for c in channels.channels], "the new channel listed")
        created = next(c for c in channels.channels if c.name == "maintenance")
        assert created.is_private


async def test_edit_channel_settings_asks_before_replacing(live: RunningEmulator) -> None:
    app = build_app(live, agent="Hilltop Tank", channel="config")
    other = writer(live)
    async with app.run_test(size=(160, 40)) as pilot:
        info = app.browser.query_one(InfoView)
        await until(pilot, lambda: info.channel is not None, "channel settings")
        await pilot.press("i", "e")
        assert isinstance(app.screen, ChannelFormModal)
        app.screen.query_one("#message-schema", TextArea).text = '{"type": "object", "title": "edited"}'
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ChoiceModal)
        assert "replaces the whole configuration" in app.screen.question
        await pilot.press("e")  # the key that asked does not confirm
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("L")  # nor does any other key reach the screens behind
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("y")
        await until(pilot, lambda: info.channel is not None and info.channel.message_schema is not None, "saved")
        assert info.ref is not None
        stored = await other.data.get_channel(info.ref.agent_id, "config", include_aggregate=False)
        assert stored.message_schema == {"type": "object", "title": "edited"}
    await other.aclose()


async def test_read_only_hides_channel_writes(live: RunningEmulator) -> None:
    app = build_app(live, agent="Hilltop Tank", read_only=True)
    async with app.run_test(size=(160, 40)) as pilot:
        channels = app.browser.query_one(ChannelList)
        await until(pilot, lambda: channels.channels, "channels")
        await pilot.press("n")
        assert app.screen is app.browser
        assert "READ-ONLY" in str(app.browser.query_one("#status").render())


async def test_device_text_is_shown_literally(live: RunningEmulator) -> None:
    other = writer(live)
    agents = (await other.control.agents()).agents
    hilltop = next(a for a in agents if a.label == "Hilltop Tank")
    # Channel names cannot hold "/" (it ends the path segment), so the markup here is an opening tag.
    await other.data.create_channel(hilltop.id, "[bold red]x")
    await other.data.update_aggregate(hilltop.id, "[bold red]x", {"[b]key[/b]": "\x1b[2J"}, replace=True)
    app = build_app(live, agent="Hilltop Tank", channel="[bold red]x")
    async with app.run_test(size=(160, 40)) as pilot:
        tree = app.browser.query_one(JsonTree)
        await until(pilot, lambda: tree.root.children, "the tree")
        channels = app.browser.query_one(ChannelList)
        lines = [channels.render_line(y).text for y in range(len(channels.rows) + 1)]
        assert any("[bold red]x" in line for line in lines)
        assert str(tree.root.children[0].label) == '[b]key[/b]: "\\u001b[2J"'
    await other.aclose()


async def test_an_unexpected_worker_error_opens_a_modal_and_the_app_lives_on(
    live: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(live)

    async def broken(agent_id: str, *, force: bool = False) -> None:
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(app.store, "channels", broken)
    async with app.run_test(size=(160, 40)) as pilot:
        agents = await loaded(app, pilot)
        # The highlighted agent's channels load by themselves: that worker fails.
        await until(pilot, lambda: isinstance(app.screen, ErrorModal), "the error modal")
        assert isinstance(app.screen, ErrorModal)
        assert "something nobody expected" in app.screen.detail
        await pilot.press("escape")
        assert app.screen is app.browser
        assert agents.total_count == 13


def test_channel_ref_is_hashable_for_the_pane() -> None:
    assert len({ChannelRef("1", "a"), ChannelRef("1", "a")}) == 1


async def test_agent_command_with_several_matches_filters_the_list(live: RunningEmulator, notes: list[str]) -> None:
    app = build_app(live)
    async with app.run_test(size=(160, 40)) as pilot:
        agents = await loaded(app, pilot)
        await pilot.press("colon", *"agent pump", "enter")
        assert agents.shown_count == 4
        assert agents.has_focus
        assert "4 agents match 'pump': pick one" in notes


async def test_markup_in_titles_is_literal(live: RunningEmulator) -> None:
    other = writer(live)
    agents = (await other.control.agents()).agents
    hilltop = next(a for a in agents if a.label == "Hilltop Tank")
    await other.data.create_channel(hilltop.id, "[bold]qa")
    app = build_app(live, agent="Hilltop Tank", channel="[bold]qa")
    async with app.run_test(size=(160, 40)) as pilot:
        pane = app.browser.query_one("#detail")
        await until(pilot, lambda: "qa" in str(pane.border_title), "the channel open")
        # The title is kept as markup; what shows is its plain text, which must be the name as typed.
        assert Content.from_markup(str(pane.border_title)).plain == "Hilltop Tank › [bold]qa"
    await other.aclose()


async def test_another_agent_clears_the_detail(live: RunningEmulator) -> None:
    app = build_app(live, agent="Hilltop Tank", channel="device_status")
    async with app.run_test(size=(160, 40)) as pilot:
        pane = app.browser.query_one(ChannelPane)
        await until(pilot, lambda: pane.ref is not None, "the channel open")
        await pilot.press("colon", *"agent north reservoir", "enter")
        assert pane.ref is None or pane.ref.agent_id == app.browser.agent.id  # type: ignore[union-attr]
