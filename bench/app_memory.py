"""Memory after paging back through a 100,000-message channel with G, in a fresh app process per sample.

The Messages tab keeps a bounded window (settings' ``message_window``, 2,000 rows), so memory
after paging through the whole channel should be close to memory after its first page. RSS is
read from /proc/self/status in the app's process. Baseline: RSS once the first page is painted.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from textual import events

from bench.app_child import Session, run_child
from bench.app_nav import agents_loaded, message_table, open_channel
from bench.frames import peak_rss_mb, rss_mb, until
from bench.table import Budget, Figure
from doover_tui.message_window import MessageWindow

CHANNEL = "telemetry"


async def scenario(session: Session) -> dict[str, Any]:
    app, params = session.app, session.params
    paged = 0
    older_messages = app.store.older_messages

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal paged
        page = await older_messages(*args, **kwargs)
        paged += len(page)
        return page

    app.store.older_messages = counted  # type: ignore[method-assign]
    async with session.running():
        await agents_loaded(app)
        pane = await open_channel(app, params["agent_id"], CHANNEL, "messages")
        view, table = message_table(pane)
        await until(lambda: len(table.rows) >= 100, "the first page")
        first_page = rss_mb()
        window = view.window
        started = time.perf_counter()
        driver = app._driver
        assert driver is not None
        first_rows = len(table.rows)
        while window.more_older and first_rows + paged < params["messages"]:
            before = window.oldest_id
            driver.send_message(events.Key("G", "G"))  # G: to the bottom, and there, the page before it
            await until(partial(_moved, window, before), "an older page", 30)
        seconds = time.perf_counter() - started
        return {
            "first_page": first_page,
            "after": rss_mb(),
            "peak": peak_rss_mb(),
            "messages": first_rows + paged,
            "seconds": seconds,
            "window": len(window),
            "start_of_history": not window.more_older,
        }


def _moved(window: MessageWindow, oldest: str | None) -> bool:
    return window.oldest_id != oldest or not window.more_older


def run(params: dict[str, Any], processes: int, messages: int) -> Figure:
    """RSS after paging through ``messages`` messages (the whole channel: 100,000), ``processes`` times."""
    figure = Figure(
        f"RSS after paging through {messages:,} messages",
        "MB",
        baseline_name="after the first page",
        budget=Budget("≤ 200 MB", 200),
    )
    results = [run_child("app_memory", params | {"messages": messages}) for _ in range(processes)]
    figure.samples = [result["after"] for result in results]
    figure.baseline = [result["first_page"] for result in results]
    last = results[-1]
    history = "reached the start of history" if last["start_of_history"] else "stopped there"
    figure.notes.append(
        f"{last['messages']:,} messages paged with G in {last['seconds']:.1f} s ({history}); "
        f"{last['window']:,} rows held at the end; peak RSS {max(r['peak'] for r in results):.0f} MB"
    )
    return figure
