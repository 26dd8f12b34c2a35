"""Keystroke → frame on the Messages tab, while another client publishes 50 messages/s to the channel on screen.

The app follows the channel over the gateway; a publisher process (``bench.publisher``) posts
through the data API and the emulator fans each message out to the app's gateway session. Keys
are down/up in turn, paced 5 to 35 ms apart, sent from another thread as a terminal's input thread
sends them. A sample runs from sending the key to the first frame in which the table rendered
its cursor on the new row (``bench.frames``): the key's own work, any live update it queued
behind, the compositor and the terminal bytes.

Each run's p50 and p99 are one sample of the two figures. Baseline: the same runs with nothing
arriving, in the same app.
"""

from __future__ import annotations

import asyncio
import gc
import random
import threading
import time
from functools import partial
from typing import Any

from textual import events

from bench.app_child import Session, run_child
from bench.app_nav import Arrivals, agents_loaded, message_table, open_channel
from bench.frames import FrameClock, until
from bench.publisher import publishing
from bench.table import Budget, Figure, percentile
from doover_tui.app import DooverApp
from doover_tui.widgets.message_table import MessageTable

RATE = 50.0
CHANNEL = "telemetry"


def _expect_move(clock: FrameClock, table: MessageTable, shown: threading.Event, frame_at: list[float]) -> None:
    """On the loop, before the key: note the cursor row, and wait for a frame rendering the cursor elsewhere."""
    before = table.cursor_row

    def shows(y: int) -> bool:
        return table.cursor_row is not before and table.cursor_index == table.scroll_offset.y + y - table.header_height

    def done(frame: asyncio.Future[float]) -> None:
        frame_at.append(frame.result())
        shown.set()

    clock.expect(table, shows).add_done_callback(done)


def _presses(app: DooverApp, clock: FrameClock, table: MessageTable, count: int) -> list[float]:
    """Send ``count`` keys from this thread, as a terminal's input thread does, each after the last one's frame.

    Sent from outside the event loop, a key can arrive while the app is busy (a live update being
    drawn) and wait for it, as a real key would; a key sent by a coroutine on the loop could
    only ever arrive when the loop was idle.
    """
    loop, driver = app._loop, app._driver
    assert loop is not None
    assert driver is not None
    pace = random.Random(count)
    latencies = []
    for n in range(count):
        time.sleep(pace.uniform(0.005, 0.035))  # a fast typist's pace, off the 10 Hz live beat
        shown, frame_at = threading.Event(), list[float]()
        # Queued before the key, so it runs first: the cursor row it notes is the one the key leaves.
        loop.call_soon_threadsafe(_expect_move, clock, table, shown, frame_at)
        started = time.perf_counter()
        driver.send_message(events.Key("down" if n % 2 == 0 else "up", None))
        if not shown.wait(10):
            raise TimeoutError("no frame showed the key's cursor move")
        latencies.append(frame_at[0] - started)
    return latencies


class _FullCollections:
    """Pauses of the garbage collector's full (generation 2) collections, by phase: they stop the whole app."""

    def __init__(self) -> None:
        self.phase = ""
        self.pauses: dict[str, list[float]] = {"quiet": [], "loaded": []}
        self._started = 0.0
        gc.callbacks.append(self)

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif info["generation"] == 2 and self.phase:
            self.pauses[self.phase].append(time.perf_counter() - self._started)


async def scenario(session: Session) -> dict[str, Any]:
    app, clock, params = session.app, session.clock, session.params
    collections = _FullCollections()
    arrived = Arrivals(app)
    async with session.running() as pilot:
        await agents_loaded(app)
        pane = await open_channel(app, params["agent_id"], CHANNEL, "messages")
        view, table = message_table(pane)
        await until(lambda: len(table.rows) >= 50, "the first page")
        await pilot.press(*["down"] * 5)  # off the top row: arrivals then add rows above the cursor
        presses = partial(_presses, app, clock, table, params["presses"])
        collections.phase = "quiet"
        quiet = [await asyncio.to_thread(presses) for _ in range(params["runs"])]
        collections.phase = ""
        with publishing(params["data"], params["token"], params["agent_id"], CHANNEL, RATE) as report:
            await until(lambda: arrived.count >= 10, "published messages to arrive over the gateway", 30)
            if params["fill_window"]:
                await until(lambda: len(view.window) >= view.window.limit, "the message window to fill", 120)
            first, started = arrived.count, time.perf_counter()
            collections.phase = "loaded"
            loaded = [await asyncio.to_thread(presses) for _ in range(params["runs"])]
            collections.phase = ""
            rate = (arrived.count - first) / (time.perf_counter() - started)
        return {
            "quiet": quiet,
            "loaded": loaded,
            "arrival_rate": rate,
            "publisher": report[0] if report else "",
            "feed": app.store.feed_state.name,
            "window": len(view.window),
            "full_collections": collections.pauses,
        }


def run(params: dict[str, Any], runs: int, presses: int, fill_window: bool) -> list[Figure]:
    """The p50 and p99 figures: ``runs`` runs of ``presses`` keys, with and without the live load."""
    result = run_child("app_keys", params | {"runs": runs, "presses": presses, "fill_window": fill_window})
    figures = []
    for name, fraction, budget in (("p50", 0.5, Budget("≤ 16 ms", 0.016)), ("p99", 0.99, Budget("≤ 50 ms", 0.050))):
        figures.append(
            Figure(
                f"keystroke → frame {name}, 50 msg/s arriving",
                "s",
                [percentile(run, fraction) for run in result["loaded"]],
                baseline_name="nothing arriving",
                baseline=[percentile(run, fraction) for run in result["quiet"]],
                budget=budget,
            )
        )
    window = "full" if fill_window else "filling"
    figures[0].notes.append(
        f"{runs} runs × {presses} keys (down/up) each way; messages reached the app at {result['arrival_rate']:.1f}/s "
        f"over the gateway (feed {result['feed']}; publisher {result['publisher']}); message window {window} "
        f"({result['window']:,} rows at the end)"
    )
    pauses = result["full_collections"]
    figures[1].notes.append(
        f"full (generation 2) garbage collections, which stop the app: {_pauses(pauses['loaded'])} while messages "
        f"arrived, {_pauses(pauses['quiet'])} without"
    )
    return figures


def _pauses(seconds: list[float]) -> str:
    if not seconds:
        return "none"
    return f"{len(seconds)} (longest {max(seconds) * 1000:.0f} ms)"
