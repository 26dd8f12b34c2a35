"""``python -m bench [--quick] [--soak MINUTES]``: run the benchmarks and print one table, or soak the app."""

from __future__ import annotations

import argparse
import os
import platform
import signal
import time

import textual

from bench import app_cold, app_keys, app_memory, app_paint, client_paging, emulator, servers, soak
from bench.table import Figure, render

SMALL_DEVICE = "pump-station-riverside"
LARGE_DEVICE = "pump-0000"
"""The large fleet's first device: it holds the 100,000-message channel and the 1 MB aggregate."""


def app_figures(quick: bool) -> list[Figure]:
    """The app's figures: cold start against the small fleet, the rest against the large one."""
    figures = []
    with servers.emulator("--data-dir", ":memory:", "--no-simulate") as root:
        figures += app_cold.run(servers.app_params(root, SMALL_DEVICE), 3 if quick else 10)
    with servers.emulator("--fleet", "large", "--data-dir", ":memory:", "--no-simulate") as root:
        params = servers.app_params(root, LARGE_DEVICE)
        figures += app_paint.run(params, processes=2 if quick else 5, samples=2 if quick else 4)
        figures.append(app_memory.run(params, 1 if quick else 3, 100_000))
        figures.append(client_paging.run(params, 1 if quick else 5))
        # Last: the publisher adds messages to the 100,000-message channel.
        figures += app_keys.run(params, runs=2 if quick else 5, presses=80 if quick else 200, fill_window=not quick)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (under a minute)")
    parser.add_argument("--soak", type=float, metavar="MINUTES", help="stream 20 messages/s into the app, watch RSS")
    args = parser.parse_args()
    # Started in the background (``… &``), we inherit SIGINT ignored, and so would every server we start,
    # which then ignores the Ctrl+C that stops it cleanly: hear SIGINT again, and children reset it at exec.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.perf_counter()
    print(
        f"doover-tui benchmarks · {time.strftime('%Y-%m-%d %H:%M')} · {platform.python_implementation()} "
        f"{platform.python_version()} · Textual {textual.__version__} · {os.cpu_count()} cores · "
        f"{platform.machine()} · {platform.platform()}",
        flush=True,
    )
    if args.soak is not None:
        soak.run(args.soak)
    else:
        figures = [*emulator.run(args.quick), *app_figures(args.quick)]
        print(render(figures))
        if args.quick:
            print("--quick: fewer repeats and keys; keys are pressed while the message window is still filling")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
