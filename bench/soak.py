"""``python -m bench --soak MINUTES``: stream 20 messages/s into the channel on screen and watch the app's RSS.

The app (a fresh process built by ``doover_tui.cli``, see ``bench.app_child``) shows a small-fleet
pump's telemetry on the Messages tab, following it over the gateway, while a publisher process
posts 20 messages/s to that channel. Every interval the app's process prints its RSS. Memory
must stay flat once the message window is full: the window, the request log and the log files
are all bounded, so after that nothing should grow.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from bench import servers
from bench.app_child import Session, run_child
from bench.app_nav import Arrivals, agents_loaded, message_table, open_channel
from bench.frames import rss_mb, until
from bench.publisher import publishing

RATE = 20.0
CHANNEL = "telemetry"
DEVICE = "pump-station-riverside"
FLAT_MB = 5.0
"""Growth after the window filled that still counts as flat (allocator noise), also at most 5 %."""


def _say(line: str) -> None:
    # The app captures sys.stdout while it runs; progress goes straight to the real one.
    out = sys.__stdout__
    assert out is not None
    out.write(line + "\n")
    out.flush()


async def scenario(session: Session) -> dict[str, Any]:
    app, params = session.app, session.params
    arrived = Arrivals(app)
    samples: list[tuple[float, float, int]] = []
    async with session.running():
        await agents_loaded(app)
        pane = await open_channel(app, params["agent_id"], CHANNEL, "messages")
        view, _ = message_table(pane)
        with publishing(params["data"], params["token"], params["agent_id"], CHANNEL, RATE) as report:
            await until(lambda: arrived.count > 0, "published messages to arrive over the gateway", 30)
            started = time.monotonic()
            end = started + params["seconds"]
            while (now := time.monotonic()) < end:
                await asyncio.sleep(min(params["interval"], end - now))
                elapsed = time.monotonic() - started
                sample = (elapsed, rss_mb(), len(view.window))
                samples.append(sample)
                minutes, seconds = divmod(int(elapsed), 60)
                _say(
                    f"{minutes:4d}:{seconds:02d}  RSS {sample[1]:6.1f} MB  window {sample[2]:5,} rows  "
                    f"received {arrived.count:7,} ({arrived.count / elapsed:4.1f}/s)  feed {app.store.feed_state.name}"
                )
        return {"samples": samples, "limit": view.window.limit, "publisher": report[0] if report else ""}


def verdict(samples: list[tuple[float, float, int]], limit: int) -> str:
    """Whether RSS stayed flat once the message window was full, in words."""
    warm = [(t, rss) for t, rss, rows in samples if rows >= limit]
    if len(warm) < 3 or warm[-1][0] - warm[0][0] < 60:
        fill_s = limit / RATE
        return (
            f"too short to judge: the {limit:,}-row message window fills after about {fill_s:.0f} s at {RATE:.0f} "
            f"messages/s, and flatness is judged over at least a minute after that (try --soak {fill_s / 60 + 3:.0f})"
        )
    first, last = warm[0][1], warm[-1][1]
    growth = last - first
    halfway = (warm[0][0] + warm[-1][0]) / 2
    late = [rss for t, rss in warm if t >= halfway]
    flat = growth <= FLAT_MB and growth <= 0.05 * first
    word = "FLAT" if flat else "GROWING"
    return (
        f"{word}: after the window filled (at {warm[0][0] / 60:.1f} min), RSS went {first:.1f} → {last:.1f} MB "
        f"({growth:+.1f} MB; {late[-1] - late[0]:+.1f} MB over the last {(warm[-1][0] - halfway) / 60:.1f} min); "
        f"flat means at most +{FLAT_MB:.0f} MB and 5 %"
    )


def run(minutes: float) -> None:
    """Soak for ``minutes``, printing RSS as it goes, then the verdict."""
    seconds = minutes * 60
    interval = max(5.0, min(60.0, seconds / 20))
    print(f"soak: {RATE:.0f} messages/s into the channel on screen for {minutes:g} min; RSS every {interval:.0f} s")
    with servers.emulator("--data-dir", ":memory:", "--no-simulate") as root:
        params = servers.app_params(root, DEVICE) | {"seconds": seconds, "interval": interval}
        result = run_child("soak", params, timeout=seconds + 600, echo=print)
    print(f"publisher: {result['publisher']}")
    print(verdict([(t, rss, rows) for t, rss, rows in result["samples"]], result["limit"]))
