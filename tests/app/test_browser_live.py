"""Live data in the browser: gateway updates, polling when the gateway is refused, offline start."""

from __future__ import annotations

from pathlib import Path

from doover_tui.api.client import Endpoints
from doover_tui.emulator.server import RunningEmulator
from doover_tui.screens.aggregate_view import AggregateView
from doover_tui.screens.messages_view import MessagesView
from doover_tui.snapshot import Snapshot
from doover_tui.widgets.agent_list import AgentList
from doover_tui.widgets.channel_list import ChannelList
from doover_tui.widgets.json_tree import JsonTree
from doover_tui.widgets.message_table import MessageTable
from doover_tui.widgets.status_bar import StatusBar
from tests.app.harness import REFUSED_GATEWAY, build_app, until, writer


def _level(view: AggregateView) -> object:
    aggregate = view.aggregate
    return aggregate.data.get("level_pct") if aggregate is not None and isinstance(aggregate.data, dict) else None


async def test_live_aggregate_and_message_arrive_over_the_gateway(live: RunningEmulator) -> None:
    app = build_app(live, agent="Hilltop Tank", channel="device_status")
    other = writer(live)
    async with app.run_test(size=(160, 40)) as pilot:
        view = app.browser.query_one(AggregateView)
        bar = app.browser.query_one(StatusBar)
        await until(pilot, lambda: view.aggregate is not None and bar.facts.feed == "LIVE", "aggregate, live")
        ref = view.ref
        assert ref is not None
        tree = app.browser.query_one(JsonTree)
        tree.cursor_line = 1
        cursor_before = tree.cursor_path
        await other.data.update_aggregate(ref.agent_id, ref.name, {"level_pct": 12.5})
        await until(pilot, lambda: _level(view) == 12.5, "the live aggregate")
        assert ("level_pct",) in tree.highlighted_paths, "the changed value is highlighted"
        assert tree.cursor_path == cursor_before, "the cursor stays where it was"
        listed = next(c for c in app.browser.query_one(ChannelList).channels if c.name == "device_status")
        assert listed.aggregate is not None
        assert listed.aggregate.data == view.aggregate.data, "the channel list's age follows live updates"  # type: ignore[union-attr]
        await pilot.press("m")
        table = app.browser.query_one(MessageTable)
        await until(pilot, lambda: len(table.rows) > 0, "messages")
        sent = await other.data.create_message(ref.agent_id, ref.name, {"note": "from another client"})
        await until(pilot, lambda: table.rows[0].id == sent.id, "the live message on top")  # type: ignore[attr-defined]
    await other.aclose()


async def test_refused_gateway_falls_back_to_polling(live: RunningEmulator) -> None:
    app = build_app(live, gateway=REFUSED_GATEWAY, agent="Hilltop Tank", channel="device_status", poll_interval=0.5)
    other = writer(live)
    async with app.run_test(size=(160, 40)) as pilot:
        view = app.browser.query_one(AggregateView)
        bar = app.browser.query_one(StatusBar)
        await until(pilot, lambda: view.aggregate is not None, "aggregate")
        await until(pilot, lambda: bar.facts.feed == "POLLING", "POLLING in the status bar")
        ref = view.ref
        assert ref is not None
        await other.data.update_aggregate(ref.agent_id, ref.name, {"level_pct": 77.0})
        await until(pilot, lambda: _level(view) == 77.0, "the polled aggregate")
        messages = app.browser.query_one(MessagesView)
        await until(pilot, lambda: len(messages.window.messages) > 0, "messages")
        sent = await other.data.create_message(ref.agent_id, ref.name, {"note": "polled"})
        await until(pilot, lambda: messages.window.newest_id == sent.id, "the polled message")
        assert "POLLING" in str(bar.render())
    await other.aclose()


async def test_offline_start_shows_the_snapshot_marked_stale(live: RunningEmulator, tmp_path: Path) -> None:
    snapshot_file = tmp_path / "snapshot.json"
    app = build_app(live, agent="Hilltop Tank", channel="device_status", snapshot=Snapshot(snapshot_file, debounce=0))
    async with app.run_test(size=(160, 40)) as pilot:
        view = app.browser.query_one(AggregateView)
        await until(pilot, lambda: view.aggregate is not None, "aggregate while online")
        expected = view.aggregate
    assert snapshot_file.exists(), "closing the app writes the snapshot"

    unreachable = Endpoints("http://127.0.0.1:1/api", "http://127.0.0.1:1", REFUSED_GATEWAY)
    offline = build_app(
        live,
        endpoints=unreachable,
        agent="Hilltop Tank",
        channel="device_status",
        snapshot=Snapshot(snapshot_file, debounce=0),
    )
    async with offline.run_test(size=(160, 40)) as pilot:
        agents = offline.browser.query_one(AgentList)
        view = offline.browser.query_one(AggregateView)
        bar = offline.browser.query_one(StatusBar)
        await until(pilot, lambda: agents.total_count == 13, "agents from the snapshot", limit=30)
        await until(pilot, lambda: view.aggregate is not None, "aggregate from the snapshot", limit=30)
        assert view.aggregate == expected
        await until(pilot, lambda: bar.facts.feed == "OFFLINE" and bar.facts.stale, "OFFLINE and STALE")
        text = str(bar.render())
        assert "OFFLINE" in text
        assert "STALE" in text
