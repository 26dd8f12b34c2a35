"""First paint with the large fleet: 5,000 agents, a 100,000-message channel's first page, a 1 MB aggregate tree.

Each figure runs from the request that fetches the data to the first frame showing it, so it
holds the fetch, parsing, the widget update and the paint:

- agents: from the app's agents request (sent as the app starts, while its screen is built) to the first frame with
  agent rows; one sample per fresh app process;
- messages / aggregate: from opening the channel with a fetch (``ChannelPane.open(force=True)``,
  what a reload does; opening from the cache would skip the fetch) to the first frame with its
  message rows / its tree below the root. Another channel is open before each sample, so the
  widget really changes.

Baseline: the raw HTTP GET of the same data in the same run (httpx, same loopback emulator,
bytes only, no parsing), so the ratio is what the app adds to moving the bytes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
from textual.widget import Widget

from bench import servers
from bench.app_child import Session, run_child
from bench.app_nav import agents_loaded, message_table, open_channel, ref_of, row_shown, settled, tree_child_shown
from bench.frames import LineShows
from bench.table import Budget, Figure
from doover_tui.screens.aggregate_view import AggregateView
from doover_tui.screens.channel_pane import ChannelPane
from doover_tui.widgets.agent_list import AgentList
from doover_tui.widgets.json_tree import JsonTree

AWAY = "device_status"
"""The channel open before each timed one (small, no messages)."""
BIG_MESSAGES = "telemetry"
BIG_AGGREGATE = "big_state"
PAINT_BUDGET = Budget("≤ 300 ms", 0.300)


async def scenario(session: Session) -> dict[str, Any]:
    app, params = session.app, session.params
    started, painted = _time_agents_request(session)
    async with session.running():
        agent_list = await agents_loaded(app)
        agents = await asyncio.wait_for(painted[0], 60) - started[0]
        pane = await open_channel(app, params["agent_id"], AWAY, "messages")
        view, table = message_table(pane)
        target = ref_of(params["agent_id"], BIG_MESSAGES)
        rows_shown = row_shown(table)

        def shows_page(y: int) -> bool:
            return view.ref == target and rows_shown(y)

        messages = [await _reopen(session, pane, table, shows_page, BIG_MESSAGES) for _ in range(params["samples"])]
        message_rows = len(table.rows)
        aggregates = await _aggregate_samples(session, pane)
    return {
        "agents": agents,
        "agent_count": agent_list.total_count,
        "messages": messages,
        "message_rows": message_rows,
        "aggregates": aggregates,
    }


def _time_agents_request(session: Session) -> tuple[list[float], list[asyncio.Future[float]]]:
    """Note when the app sends its agents request, and expect the first frame with agent rows from then.

    The app sends the request before its screen exists (so it travels while the screen is built);
    the frame is awaited from the moment the agent list is first given agents, which comes before
    any frame that can show them.
    """
    app, clock = session.app, session.clock
    control = app.store.client.control
    fetch_agents, show_agents = control.agents, AgentList.show
    started: list[float] = []
    painted: list[asyncio.Future[float]] = []

    async def timed_agents(**kwargs: Any) -> Any:
        if not started:
            started.append(time.perf_counter())
        return await fetch_agents(**kwargs)

    def watched_show(agent_list: AgentList, *args: Any, **kwargs: Any) -> None:
        if not painted:
            painted.append(clock.expect(agent_list, row_shown(agent_list)))
        show_agents(agent_list, *args, **kwargs)

    control.agents = timed_agents  # type: ignore[method-assign]
    AgentList.show = watched_show  # type: ignore[method-assign,assignment]
    return started, painted


async def _aggregate_samples(session: Session, pane: ChannelPane) -> list[float]:
    pane.action_tab("aggregate")
    await settled(session.app)
    view, tree = pane.query_one(AggregateView), pane.query_one(JsonTree)
    big = ref_of(session.params["agent_id"], BIG_AGGREGATE)
    tree_shows = tree_child_shown(tree)

    def shows_big(y: int) -> bool:
        return view.ref == big and view.aggregate is not None and tree_shows(y)

    return [await _reopen(session, pane, tree, shows_big, BIG_AGGREGATE) for _ in range(session.params["samples"])]


async def _reopen(session: Session, pane: ChannelPane, widget: Widget, shows: LineShows, target: str) -> float:
    """Open the small channel and let it settle, then time opening ``target`` until ``shows`` is painted."""
    agent_id = session.params["agent_id"]
    pane.open(ref_of(agent_id, AWAY), force=True)
    await settled(session.app)
    frame = session.clock.expect(widget, shows)
    started = time.perf_counter()
    pane.open(ref_of(agent_id, target), force=True)
    return await asyncio.wait_for(frame, 60) - started


def _raw_get(url: str, params: dict[str, Any] | None = None) -> Callable[[httpx.Client], float]:
    def get(client: httpx.Client) -> float:
        started = time.perf_counter()
        client.get(url, params=params).raise_for_status()
        return time.perf_counter() - started

    return get


def run(params: dict[str, Any], processes: int, samples: int) -> list[Figure]:
    """The three first-paint figures, ``processes`` fresh apps with ``samples`` channel openings each."""
    agents = Figure("first paint: 5,000 agents", "s", baseline_name="raw GET /agents/", budget=PAINT_BUDGET)
    messages = Figure(
        "first paint: 100k-message channel, first page", "s", baseline_name="raw GET of the page", budget=PAINT_BUDGET
    )
    aggregate = Figure(
        "first paint: 1 MB aggregate tree", "s", baseline_name="raw GET of the aggregate", budget=PAINT_BUDGET
    )
    for _ in range(processes):
        result = run_child("app_paint", params | {"samples": samples})
        agents.samples.append(result["agents"])
        messages.samples.extend(result["messages"])
        aggregate.samples.extend(result["aggregates"])
    channel = f"{params['data']}/agents/{params['agent_id']}/channels"
    gets = (
        (agents, _raw_get(f"{params['control']}/agents/", {"include-archived": False})),
        (messages, _raw_get(f"{channel}/{BIG_MESSAGES}/messages", {"limit": 100})),
        (aggregate, _raw_get(f"{channel}/{BIG_AGGREGATE}/aggregate")),
    )
    with httpx.Client(headers=servers.AUTH, timeout=30) as client:
        for figure, get in gets:
            get(client)  # the first request opens the connection: not part of any figure
            figure.baseline.extend(get(client) for _ in range(len(figure.samples)))
    agents.notes.append(
        f"{result['agent_count']:,} agents; from the agents request (sent as the app starts, while its screen is "
        "built) to the frame showing rows"
    )
    messages.notes.append(
        f"from opening the channel with a fetch (as r does) to the frame showing its rows ({result['message_rows']} "
        "loaded)"
    )
    aggregate.notes.append("from opening the channel with a fetch to the frame showing the tree's first level")
    return [agents, messages, aggregate]
