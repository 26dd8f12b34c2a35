"""Cold start: a fresh ``python`` process until its first useful frame, for doover-tui and for a bare Textual app.

``python -m bench.app_cold doover`` runs ``doover_tui.cli.main`` as a user's ``doover-tui`` does
(the emulator's URLs and token come from the environment) and stops at the first frame in which
the agent list rendered rows; ``python -m bench.app_cold bare`` runs an app with one label and
stops at its first frame; ``python -m bench.app_cold floor`` runs the least an app showing
fetched agents must do (a bare app that imports httpx, sends one GET and shows the names) and
stops at the frame showing them. Both run headless (``App.run`` is given ``headless=True``), both
turn frames into terminal bytes as for a real terminal (see ``bench.frames``), and both print
the wall-clock time of that frame. The parent takes the time just before starting the process,
so a sample holds the interpreter's start, every import, the app's start, and for doover-tui
the agents request, all of it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.processes import RESULT, SIZE, child_env, scratch_dir
from bench.table import Budget, Figure


def main() -> None:
    what = sys.argv[1]
    from textual.app import App
    from textual.widgets import Label

    marks: dict[str, float] = {}
    rows_rendered: list[bool] = []
    original_display, original_run = App._display, App.run

    def display(self: App[Any], screen: Any, renderable: Any) -> None:
        original_display(self, screen, renderable)
        if "painted" in marks or renderable is None or self._batch_count:
            return
        render = getattr(renderable, "render_segments", None)
        if render is not None:
            render(self.console)
        if what == "bare" or rows_rendered:
            marks["painted"] = time.time()
            self.exit()

    def run(self: App[Any], **_: Any) -> Any:
        marks["run"] = time.time()
        return original_run(self, headless=True, size=SIZE)

    App._display = display  # type: ignore[method-assign]
    App.run = run  # type: ignore[method-assign]
    if what == "bare":

        class Bare(App[None]):
            def compose(self) -> Any:
                yield Label("Hello")

        Bare().run()
    elif what == "floor":
        _floor_app(rows_rendered).run()
    else:
        _watch_doover(marks, rows_rendered)
        from doover_tui import cli

        cli.main(["--control-url", os.environ["BENCH_CONTROL_URL"]])
    sys.stdout.write(RESULT + json.dumps(marks) + "\n")


def _floor_app(rows_rendered: list[bool]) -> Any:
    """The least any app showing fetched agents does: a bare app, httpx, one GET, the names in a label."""
    import httpx
    from textual import work
    from textual.app import App
    from textual.widgets import Label

    class Floor(App[None]):
        def compose(self) -> Any:
            yield Label("loading…")

        def on_mount(self) -> None:
            self.fetch()

        @work
        async def fetch(self) -> None:
            headers = {"Authorization": f"Bearer {os.environ['DOOVER_API_TOKEN']}"}
            async with httpx.AsyncClient(headers=headers) as client:
                response = await client.get(os.environ["BENCH_CONTROL_URL"] + "/agents/")
            names = [agent["name"] for agent in response.json()["agents"]]
            self.query_one(Label).update("\n".join(names))
            rows_rendered.append(True)

    return Floor()


def _watch_doover(marks: dict[str, float], rows_rendered: list[bool]) -> None:
    """Note when the agents request goes out and comes back, and when the agent list renders a row."""
    from textual.strip import Strip

    from doover_tui.api.control import ControlClient
    from doover_tui.widgets.agent_list import AgentList

    agents, render_line = ControlClient.agents, AgentList.render_line

    async def timed_agents(self: ControlClient, **kwargs: Any) -> Any:
        marks.setdefault("request", time.time())
        result = await agents(self, **kwargs)
        marks.setdefault("response", time.time())
        return result

    def watched(self: AgentList, y: int) -> Strip:
        if 0 <= self.scroll_offset.y + y - self.header_height < len(self.rows):
            rows_rendered.append(True)
        return render_line(self, y)

    ControlClient.agents = timed_agents  # type: ignore[method-assign]
    AgentList.render_line = watched  # type: ignore[method-assign,assignment]


def _cold(what: str, params: dict[str, Any]) -> dict[str, float]:
    """Start a fresh process; returns the seconds from its start to each mark (``painted`` last)."""
    with scratch_dir() as scratch:
        env = child_env(scratch, params["control"], params["data"], params["token"])
        env["BENCH_CONTROL_URL"] = params["control"]
        started = time.time()
        done = subprocess.run(
            [sys.executable, "-m", "bench.app_cold", what], env=env, capture_output=True, text=True, timeout=120
        )
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"cold start of {what} failed (exit code {done.returncode}): {done.stderr[-2000:]}")
    marks: dict[str, float] = json.loads(lines[-1][len(RESULT) :])
    return {mark: at - started for mark, at in marks.items()}


def run(params: dict[str, Any], repeats: int) -> list[Figure]:
    """Cold start of doover-tui (small fleet), of the floor app and of a bare app, in turn, ``repeats`` times."""
    figure = Figure(
        "cold start → first agents painted",
        "s",
        baseline_name="bare Textual app",
        budget=Budget("≤ 1.5× bare", 1.5, on_ratio=True),
    )
    floor = Figure("cold start floor: bare app + httpx GET /agents/ painted", "s", baseline_name="bare Textual app")
    for what in ("doover", "floor", "bare"):
        _cold(what, params)  # warm the disk cache and bytecode: not part of any figure
    runs: dict[str, list[dict[str, float]]] = {"doover": [], "floor": [], "bare": []}
    for _ in range(repeats):
        for what, marks in runs.items():
            marks.append(_cold(what, params))
    figure.samples = [marks["painted"] for marks in runs["doover"]]
    floor.samples = [marks["painted"] for marks in runs["floor"]]
    figure.baseline = floor.baseline = [marks["painted"] for marks in runs["bare"]]

    def ms(what: str, mark: str) -> str:
        return f"{statistics.median(marks[mark] for marks in runs[what]) * 1000:.0f} ms"

    figure.notes += [
        "a fresh python process until the first frame with agent rows (13 agents, small fleet) vs a bare app's first "
        "frame; headless, frames rendered to terminal bytes",
        f"medians from process start: doover-tui calls App.run at {ms('doover', 'run')} (interpreter, imports, "
        f"settings, client), sends the agents request at {ms('doover', 'request')}, has the answer at "
        f"{ms('doover', 'response')}, paints rows at {ms('doover', 'painted')}; the bare app calls App.run at "
        f"{ms('bare', 'run')} and paints at {ms('bare', 'painted')}",
    ]
    floor.notes.append(
        "the least any app painting fetched agents does: the bare app, importing httpx in a worker, one GET, the names "
        f"in its label; App.run at {ms('floor', 'run')}, painted at {ms('floor', 'painted')}. Above 1.5× bare, "
        "the cold-start budget cannot be met by an app that fetches over httpx before painting"
    )
    return [figure, floor]


if __name__ == "__main__":
    main()
