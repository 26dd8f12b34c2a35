"""Emulator benchmarks: start-up, loopback throughput, large-fleet generation — each with a baseline.

Baselines, measured in the same run on the same machine:
- start-up: a bare Starlette app started the same way (a new process running uvicorn), to its first answer;
- throughput: a bare Starlette endpoint returning the same bytes the emulator returns,
  driven by the same client, so the ratio isolates the emulator's own cost;
- generation: writing the same number of rows to the same SQLite schema with nothing else,
  the floor any seeding could reach.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson

from bench import servers
from bench.table import Figure
from doover_tui.emulator.db import Database
from doover_tui.emulator.fleet import seed_large


def startup(repeats: int) -> Figure:
    figure = Figure("emulator start-up (small fleet) until answering", "s", baseline_name="bare Starlette process")
    for _ in range(repeats):
        started = time.perf_counter()
        with servers.emulator("--data-dir", ":memory:", "--no-simulate") as root:
            servers.wait_answering(f"{root}/users/me/")
            figure.samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        with servers.bare() as root:
            servers.wait_answering(root)
            figure.baseline.append(time.perf_counter() - started)
    return figure


async def _rate(url: str, requests: int, concurrency: int = 8) -> float:
    async with httpx.AsyncClient(headers=servers.AUTH, limits=httpx.Limits(max_connections=concurrency)) as client:
        remaining = requests

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                response = await client.get(url)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return requests / (time.perf_counter() - started)


def throughput(repeats: int, requests: int) -> list[Figure]:
    figures = []
    with servers.emulator("--data-dir", ":memory:", "--no-simulate") as root, tempfile.TemporaryDirectory() as scratch:
        agents = httpx.get(f"{root}/agents/", headers=servers.AUTH).json()["agents"]
        device = next(a["id"] for a in agents if a["type"] == "device")
        base = f"{root}/api/agents/{device}/channels/telemetry"
        for name, path in (("GET aggregate", "/aggregate"), ("GET 100-message page", "/messages?limit=100")):
            body_file = Path(scratch) / "body.json"
            body_file.write_bytes(httpx.get(base + path, headers=servers.AUTH).content)
            figure = Figure(
                f"emulator {name}, loopback", "req/s", baseline_name="same bytes, bare", higher_is_better=True
            )
            with servers.bare(body_file) as bare_root:
                for _ in range(repeats):
                    figure.samples.append(asyncio.run(_rate(base + path, requests)))
                    figure.baseline.append(asyncio.run(_rate(f"{bare_root}/x", requests)))
            figures.append(figure)
    return figures


def _raw_rows(db: Database) -> None:
    """The floor: the same row counts as the large fleet, with nothing computed."""
    with db.transaction():
        db.executemany(
            "INSERT INTO agents (id, organisation_id, online, body) VALUES (?, '1', 1, '{}')",
            [(str(n),) for n in range(5000)],
        )
        db.executemany(
            "INSERT INTO messages (agent_id, channel, id, author_id, data, attachments)"
            " VALUES ('1', 't', ?, '1', '{}', '[]')",
            [(n,) for n in range(100_000)],
        )
        db.execute(
            "INSERT INTO channels (agent_id, name, id, is_private, data, attachments)"
            " VALUES ('1', 'big', '1', 0, ?, '[]')",
            (orjson.dumps({"x": "y" * 1_000_000}).decode(),),
        )


def generation(repeats: int) -> Figure:
    figure = Figure(
        "large fleet generation (5,000 agents, 100k messages, 1 MB aggregate)",
        "s",
        baseline_name="raw rows, same counts",
    )
    for _ in range(repeats):
        figure.samples.append(_timed(lambda: seed_large(Database(":memory:"))))
        figure.baseline.append(_timed(lambda: _raw_rows(Database(":memory:"))))
    return figure


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def run(quick: bool) -> list[Figure]:
    repeats = 3 if quick else 5
    return [startup(repeats), *throughput(repeats, 300 if quick else 2000), generation(2 if quick else 3)]
