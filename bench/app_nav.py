"""Moving around the running app the way the command line and keys do, and telling what a line shows."""

from __future__ import annotations

from typing import Any

from bench.frames import LineShows, until
from doover_tui.api.models import ChannelRef
from doover_tui.app import DooverApp
from doover_tui.screens.channel_pane import ChannelPane
from doover_tui.screens.messages_view import MessagesView
from doover_tui.store_events import MessagesArrived, StoreEvent
from doover_tui.widgets.agent_list import AgentList
from doover_tui.widgets.channel_list import ChannelList
from doover_tui.widgets.json_tree import JsonTree
from doover_tui.widgets.message_table import MessageTable
from doover_tui.widgets.row_list import RowList

FOCUS_IDS = {"aggregate": "tree", "messages": "messages", "chart": "chart-view", "info": "info-view"}
"""The widgets ``ChannelPane.focus_tab`` focuses."""


def row_shown(rows: RowList[Any]) -> LineShows:
    """Line ``y`` of a row list shows a row (not the header, not blank space below the rows)."""

    def shows(y: int) -> bool:
        return 0 <= rows.scroll_offset.y + y - rows.header_height < len(rows.rows)

    return shows


def tree_child_shown(tree: JsonTree) -> LineShows:
    """Line ``y`` of a tree shows a node below the root."""

    def shows(y: int) -> bool:
        return 1 <= tree.scroll_offset.y + y <= tree.last_line

    return shows


async def agents_loaded(app: DooverApp, at_least: int = 1) -> AgentList:
    """Wait for the agent list to hold agents."""
    agents = app.browser.query_one(AgentList)
    await until(lambda: agents.total_count >= at_least, "agents")
    return agents


async def open_channel(app: DooverApp, agent_id: str, channel: str, tab: str) -> ChannelPane:
    """Open an agent's channel on a tab (as ``:agent ID``, ``:channel NAME`` and the tab key do) and wait for it."""
    browser = app.browser
    if not browser.select_agent(agent_id, choose=True):
        raise RuntimeError(f"no agent {agent_id}")
    channels = browser.query_one(ChannelList)
    await until(lambda: any(c.name == channel for c in channels.channels), f"channel {channel}")
    if not browser.select_channel(channel):
        raise RuntimeError(f"no channel {channel}")
    pane = browser.query_one(ChannelPane)
    # Opening focuses the tab on screen once the open is done; switch tabs only after that, as a user would.
    await until(lambda: pane.has_focus_within, "the channel to open")
    await settled(app)
    pane.action_tab(tab)
    await until(lambda: app.focused is not None and app.focused.id == FOCUS_IDS[tab], f"the {tab} tab")
    await settled(app)
    return pane


async def settled(app: DooverApp) -> None:
    """Wait until no worker runs (a cancelled one, replaced by a newer load, counts as done)."""
    await until(lambda: all(worker.is_finished for worker in app.workers), "workers to finish")


def message_table(pane: ChannelPane) -> tuple[MessagesView, MessageTable]:
    """The Messages tab's view and its table."""
    view = pane.query_one(MessagesView)
    return view, view.query_one(MessageTable)


def ref_of(agent_id: str, channel: str) -> ChannelRef:
    """A channel reference."""
    return ChannelRef(agent_id, channel)


class Arrivals:
    """Counts the messages the store hands the app (live or polled), from when it is made."""

    def __init__(self, app: DooverApp) -> None:
        self.count = 0
        app.store.listen(self._heard)

    def _heard(self, event: StoreEvent) -> None:
        if isinstance(event, MessagesArrived):
            self.count += len(event.messages)
