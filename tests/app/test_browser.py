"""The browser over a live emulator: agents, filter, drill-in, tabs, tree, messages, status."""

from __future__ import annotations

from textual.widgets import Input, TabbedContent

from doover_tui.emulator.server import RunningEmulator
from doover_tui.screens.aggregate_view import AggregateView
from doover_tui.screens.channel_pane import ChannelPane
from doover_tui.screens.messages_view import MessagesView
from doover_tui.widgets.agent_list import AgentList
from doover_tui.widgets.channel_list import ChannelList
from doover_tui.widgets.json_tree import JsonTree
from doover_tui.widgets.message_table import MessageTable
from doover_tui.widgets.status_bar import StatusBar
from tests.app.harness import build_app, until


async def test_agents_load_grouped_with_count(live: RunningEmulator) -> None:
    app = build_app(live)
    async with app.run_test(size=(160, 40)) as pilot:
        agents = app.browser.query_one(AgentList)
        await until(pilot, lambda: agents.total_count == 13, "13 agents")
        assert app.browser.query_one("#agents-pane").border_title == "Agents 13"
        assert agents.highlighted_agent is not None


async def test_filter_substring_and_regex(live: RunningEmulator) -> None:
    app = build_app(live)
    async with app.run_test(size=(160, 40)) as pilot:
        agents = app.browser.query_one(AgentList)
        await until(pilot, lambda: agents.total_count == 13, "agents")
        await pilot.press("slash", *"pump")
        await until(pilot, lambda: agents.shown_count == 4, "4 pumps")
        assert app.browser.query_one("#agents-pane").border_title == "Agents 4/13"
        box = app.browser.query_one("#agent-filter", Input)
        box.value = "/^(hilltop|north reservoir) tank$/"
        await until(pilot, lambda: agents.shown_count == 2, "2 by regex")
        box.value = "/[unclosed/"
        await pilot.pause()
        assert box.has_class("-invalid")
        assert agents.shown_count == 2  # the list keeps the last good filter
        await pilot.press("escape")
        await until(pilot, lambda: agents.shown_count == 13, "filter cleared")


async def test_drill_in_to_channel_aggregate(live: RunningEmulator) -> None:
    app = build_app(live, agent="Pump Station Riverside")
    async with app.run_test(size=(160, 40)) as pilot:
        channels = app.browser.query_one(ChannelList)
        await until(pilot, lambda: "device_status" in [c.name for c in channels.channels], "channels")
        assert channels.has_focus
        channels.select_channel("device_status")
        await pilot.press("enter")
        tree = app.browser.query_one(JsonTree)
        await until(pilot, lambda: app.browser.query_one(AggregateView).aggregate is not None, "aggregate")
        assert tree.has_focus
        assert str(app.browser.query_one(ChannelPane).border_title) == "Pump Station Riverside › device_status"
        assert str(tree.root.label).startswith("aggregate {}")


async def test_channel_tabs_are_built_when_the_first_channel_opens(live: RunningEmulator) -> None:
    app = build_app(live)
    async with app.run_test(size=(160, 40)) as pilot:
        agents = app.browser.query_one(AgentList)
        await until(pilot, lambda: agents.total_count == 13, "agents")
        pane = app.browser.query_one(ChannelPane)
        assert pane.views is None
        assert not app.browser.query(AggregateView)
        await pilot.press("m", "c")  # tab keys before any channel: nothing happens, nothing breaks
        assert pane.active_tab == "aggregate"
        await pilot.press("enter")
        channels = app.browser.query_one(ChannelList)
        await until(pilot, lambda: channels.channels, "channels")
        await pilot.press("enter")
        await until(pilot, lambda: app.browser.query_one(AggregateView).aggregate is not None, "aggregate")
        assert pane.views is not None
        assert pane.ref is not None
        assert app.browser.query_one(JsonTree).has_focus  # the focus asked for before the tabs existed
        assert pane.views.aggregate.ref == pane.ref


async def test_agent_and_channel_from_command_line_open_the_aggregate(live: RunningEmulator) -> None:
    app = build_app(live, agent="pump station riverside", channel="telemetry")
    async with app.run_test(size=(160, 40)) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None and view.ref is not None, "aggregate")
        assert view.ref is not None
        assert view.ref.name == "telemetry"
        assert app.browser.query_one(JsonTree).has_focus


async def test_tabs_switch_by_key(live: RunningEmulator) -> None:
    app = build_app(live, agent="Pump Station Riverside", channel="telemetry")
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: app.browser.query_one(AggregateView).aggregate is not None, "aggregate")
        tabs = app.browser.query_one(TabbedContent)
        await pilot.press("m")
        assert tabs.active == "tab-messages"
        table = app.browser.query_one(MessageTable)
        await until(pilot, lambda: len(table.rows) >= 100, "messages")
        assert table.has_focus
        await pilot.press("i")
        assert tabs.active == "tab-info"
        await pilot.press("c")
        assert tabs.active == "tab-chart"
        await pilot.press("escape", "a")
        assert tabs.active == "tab-chart"  # escape moved the keyboard to the channels pane: 'a' is not a tab key there


async def test_status_bar_says_live_with_errors_count(live: RunningEmulator) -> None:
    app = build_app(live, agent="Pump Station Riverside", channel="telemetry")
    async with app.run_test(size=(160, 40)) as pilot:
        bar = app.browser.query_one(StatusBar)
        await until(pilot, lambda: bar.facts.feed == "LIVE", "LIVE")
        text = str(bar.render())
        assert "LIVE" in text
        assert "0 errors" in text
        assert "updated" in text


async def test_messages_page_back_and_window_bound(live: RunningEmulator) -> None:
    app = build_app(live, agent="Pump Station Riverside", channel="telemetry", window=250)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: app.browser.query_one(AggregateView).aggregate is not None, "aggregate")
        await pilot.press("m")
        view = app.browser.query_one(MessagesView)
        table = app.browser.query_one(MessageTable)
        await until(pilot, lambda: len(table.rows) == 100, "first page")
        await pilot.press("G")
        await until(pilot, lambda: len(view.window.messages) == 250, "second page, window full")
        await pilot.press("G")
        await until(pilot, lambda: view.window.dropped_newer > 0, "newer rows dropped")
        assert len(table.rows) <= 250
        info = str(app.browser.query_one("#messages-info").render())
        assert "newer rows dropped" in info


async def test_narrow_terminal_shows_the_pane_in_use_and_its_neighbour(live: RunningEmulator) -> None:
    app = build_app(live)
    async with app.run_test(size=(90, 30)) as pilot:
        agents = app.browser.query_one(AgentList)
        await until(pilot, lambda: agents.total_count == 13, "agents")
        visible = lambda name: app.browser.query_one(name).display  # noqa: E731
        assert (visible("#agents-pane"), visible("#channels"), visible("#detail")) == (True, True, False)
        await pilot.press("enter")
        channels = app.browser.query_one(ChannelList)
        await until(pilot, lambda: channels.channels, "channels")
        assert (visible("#agents-pane"), visible("#channels"), visible("#detail")) == (False, True, True)
        await pilot.press("enter")
        await until(pilot, lambda: app.browser.query_one(ChannelPane).has_focus_within, "detail")
        assert (visible("#agents-pane"), visible("#channels"), visible("#detail")) == (False, False, True)
        await pilot.press("escape", "escape")
        assert (visible("#agents-pane"), visible("#channels"), visible("#detail")) == (True, True, False)
