"""Run one app scenario in a fresh process, with the app built by ``doover_tui.cli`` exactly as a user starts it.

``python -m bench.app_child SCENARIO PARAMS_JSON``: the scenario's module is ``bench.<SCENARIO>`` and
its coroutine ``scenario(session)``. ``cli.main`` builds the client, store, options and app from the
command line and the environment, and hands it to ``run_app``: here a headless run that hands the
app to the scenario. The result is the last stdout line, ``RESULT {json}``.

A fresh process per scenario keeps figures apart: one scenario's memory, caches and warm
imports never flatter the next. ``BENCH_PROFILE=DIR`` profiles each scenario with pyinstrument
(``pip install pyinstrument``) and writes the report to DIR.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.frames import FrameClock
from bench.processes import RESULT, SIZE, child_env, scratch_dir

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from doover_tui.app import DooverApp


@dataclass
class Session:
    """What a scenario gets: the app as the command line built it, a frame clock on it, its parameters."""

    app: DooverApp
    clock: FrameClock
    params: dict[str, Any]

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Pilot[Any]]:
        """Run the app headless (notifications on, as for a user) for the duration of the block."""
        async with self.app.run_test(size=SIZE, notifications=True) as pilot:
            yield pilot


Scenario = Callable[[Session], Coroutine[Any, Any, dict[str, Any]]]


def run_child(
    scenario: str,
    params: dict[str, Any],
    *,
    timeout: float = 600,
    echo: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run ``scenario`` in a fresh process against the emulator in ``params`` and return its result.

    ``echo`` receives the child's other output lines as they come (the soak's progress).
    """
    with scratch_dir() as scratch:
        env = child_env(scratch, params["control"], params["data"], params["token"])
        command = [sys.executable, "-m", "bench.app_child", scenario, json.dumps(params)]
        with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as proc:
            assert proc.stdout is not None
            result: dict[str, Any] | None = None
            for line in proc.stdout:
                if line.startswith(RESULT):
                    result = json.loads(line[len(RESULT) :])
                elif echo is not None:
                    echo(line.rstrip("\n"))
            code = proc.wait(timeout=timeout)
    if code != 0 or result is None:
        raise RuntimeError(f"app scenario {scenario} failed (exit code {code})")
    return result


@contextlib.contextmanager
def _profiled(name: str) -> Iterator[None]:
    """With ``BENCH_PROFILE=DIR`` set, profile the scenario with pyinstrument into ``DIR/<scenario>-<pid>.txt``."""
    directory = os.environ.get("BENCH_PROFILE")
    if not directory:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001, async_mode="disabled")
    with profiler:
        yield
    path = Path(directory) / f"{name}-{os.getpid()}.txt"
    path.write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")


def main() -> None:
    name, params = sys.argv[1], json.loads(sys.argv[2])
    scenario: Scenario = importlib.import_module(f"bench.{name}").scenario
    from doover_tui import cli

    result: dict[str, Any] = {}

    def run(app: DooverApp) -> int:
        with _profiled(name):
            result.update(asyncio.run(scenario(Session(app, FrameClock(app), params))))
        return app.return_code or 0

    code = cli.main(["--control-url", params["control"]], run_app=run)
    sys.stdout.write(RESULT + json.dumps(result) + "\n")
    sys.exit(code)


if __name__ == "__main__":
    main()
