"""Our client paging back through 100,000 messages against pydoover's AsyncDataClient: same emulator, same run.

Both read the large fleet's 100,000-message channel newest to oldest, 1,000 messages a page (the
server's maximum), into a list of parsed messages. After one untimed run each, runs alternate
between the two clients, each going first in turn. The clients are built before the clock starts;
their first request opens the connection, in both.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pydoover.api import AsyncDataClient  # type: ignore[import-untyped]

from bench import servers
from bench.table import Budget, Figure
from doover_tui.api.auth import StaticToken
from doover_tui.api.client import DooverClient, Endpoints, derive_gateway_url, new_http_client
from doover_tui.api.models import Message

CHANNEL = "telemetry"
PAGE = 1000


async def _ours(params: dict[str, Any]) -> tuple[float, int]:
    endpoints = Endpoints(params["data"], params["control"], derive_gateway_url(params["data"]))
    client = DooverClient(endpoints, StaticToken(servers.TOKEN), new_http_client(30))
    try:
        messages: list[Message] = []
        started = time.perf_counter()
        async for page in client.data.iter_messages_backward(params["agent_id"], CHANNEL, page_size=PAGE):
            messages.extend(page)
        return time.perf_counter() - started, len(messages)
    finally:
        await client.aclose()


async def _pydoover(params: dict[str, Any]) -> tuple[float, int]:
    async with AsyncDataClient(params["data"], token=servers.TOKEN, max_retries=1) as client:
        started = time.perf_counter()
        messages = await client.iter_messages(int(params["agent_id"]), CHANNEL, page_size=PAGE).collect()
        return time.perf_counter() - started, len(messages)


def run(params: dict[str, Any], repeats: int) -> Figure:
    """Messages per second paged by each client, ``repeats`` times each."""
    figure = Figure(
        "doover-tui client paging 100k messages",
        "msg/s",
        baseline_name="pydoover AsyncDataClient",
        higher_is_better=True,
        budget=Budget("≥ pydoover", 1.0, on_ratio=True, at_least=True),
    )
    counts = set()
    sides = [(figure.samples, _ours), (figure.baseline, _pydoover)]
    for _, page_through in sides:
        asyncio.run(page_through(params))  # warm the emulator's database pages for both: not timed
    for repeat in range(repeats):
        for side, page_through in sides if repeat % 2 == 0 else sides[::-1]:  # neither always goes first
            seconds, count = asyncio.run(page_through(params))
            side.append(count / seconds)
            counts.add(count)
    if len(counts) != 1:
        raise RuntimeError(f"the clients read different numbers of messages: {sorted(counts)}")
    figure.notes.append(f"{counts.pop():,} messages, {PAGE:,} a page, newest to oldest, into parsed messages")
    return figure
