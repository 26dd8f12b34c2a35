"""A second client publishing telemetry to one channel at a steady rate, in its own process, until stopped.

``python -m bench.publisher DATA_URL TOKEN AGENT_ID CHANNEL RATE`` posts messages through the data
API; the emulator hands each to the gateway, which delivers it to every subscriber (the app).
It prints ``publishing`` once the first message is accepted and, when stopped (SIGTERM or
SIGINT), ``sent N in S s``. Sends are scheduled on a fixed clock, so a slow answer is caught up
rather than lowering the rate.
"""

from __future__ import annotations

import contextlib
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from types import FrameType

import httpx

from doover_tui.emulator import fleet_content


def main() -> None:
    data_url, token, agent_id, channel, rate = sys.argv[1:6]
    interval = 1 / float(rate)
    url = f"{data_url}/agents/{agent_id}/channels/{channel}/messages"
    stop = False

    def stopping(signum: int, frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    noise = random.Random(7)
    sent = 0
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        started = time.perf_counter()
        while not stop:
            data = fleet_content.telemetry("pump", noise, time.time() / 3600)
            client.post(url, json={"data": data}).raise_for_status()
            sent += 1
            if sent == 1:
                print("publishing", flush=True)
            delay = started + sent * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        elapsed = time.perf_counter() - started
    print(f"sent {sent} in {elapsed:.2f} s", flush=True)


@contextlib.contextmanager
def publishing(data_url: str, token: str, agent_id: str, channel: str, rate: float) -> Iterator[list[str]]:
    """Publish in the background for the duration of the block; yields a list that receives the final report."""
    command = [sys.executable, "-m", "bench.publisher", data_url, token, agent_id, channel, str(rate)]
    report: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "publishing":
            raise RuntimeError(f"the publisher did not start (exit code {proc.wait()})")
        try:
            yield report
        finally:
            proc.send_signal(signal.SIGTERM)
            report.append(proc.stdout.read().strip())
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
