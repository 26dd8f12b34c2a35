"""When a frame showing something reached the terminal, measured inside a running Textual app.

Textual's compositor renders the lines of every widget marked for repaint, then hands the
update to ``App._display``. The clock wraps both ends, per instance:

- a watched widget's ``render_line`` notes when a line that shows the wanted state was rendered;
- ``App._display`` stamps the frame. Headless, Textual skips turning the update into terminal
  bytes; the wrapper does that work anyway (and throws the bytes away), so a frame costs what
  it would cost on a real terminal, minus the write.

Nothing here changes what the app does; the wrappers only observe.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import RenderableType
from textual.app import App
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

LineShows = Callable[[int], bool]
"""Whether line ``y`` of a widget, as it is being rendered now, shows the wanted state."""


@dataclass
class _Watch:
    shows: LineShows | None = None
    seen: bool = False


@dataclass
class _Waiter:
    ready: Callable[[], bool]
    future: asyncio.Future[float] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class FrameClock:
    """Frame times of one app; ``expect`` waits for the first frame showing a wanted state."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.frames = 0
        """Frames handed to the terminal since the clock was attached."""
        self.render_seconds = 0.0
        """Time spent turning frames into terminal bytes (the work headless mode skips)."""
        self._watches: dict[int, _Watch] = {}
        self._waiters: list[_Waiter] = []
        original = app._display

        def display(screen: Screen[Any], renderable: RenderableType | None) -> None:
            original(screen, renderable)
            if renderable is not None and not app._batch_count:
                self._frame(renderable)

        app._display = display  # type: ignore[method-assign]

    def _frame(self, renderable: RenderableType) -> None:
        render = getattr(renderable, "render_segments", None)
        if render is not None and self.app.is_headless:
            started = time.perf_counter()
            render(self.app.console)
            self.render_seconds += time.perf_counter() - started
        now = time.perf_counter()
        self.frames += 1
        for waiter in list(self._waiters):
            if waiter.ready():
                self._waiters.remove(waiter)
                if not waiter.future.done():
                    waiter.future.set_result(now)

    def _watch(self, widget: Widget) -> _Watch:
        watch = self._watches.get(id(widget))
        if watch is None:
            watch = self._watches[id(widget)] = _Watch()
            original = widget.render_line

            def render_line(y: int) -> Strip:
                strip = original(y)
                if watch.shows is not None and not watch.seen and watch.shows(y):
                    watch.seen = True
                return strip

            widget.render_line = render_line  # type: ignore[method-assign]
        return watch

    def expect(self, widget: Widget, shows: LineShows) -> asyncio.Future[float]:
        """A future set to the time of the first frame after ``widget`` rendered a line that ``shows``.

        Call it before causing the change, then await the future.
        """
        watch = self._watch(widget)
        watch.shows, watch.seen = shows, False
        waiter = _Waiter(lambda: watch.seen)
        self._waiters.append(waiter)
        return waiter.future

    def next_frame(self) -> asyncio.Future[float]:
        """A future set to the time of the next frame, whatever it shows."""
        waiter = _Waiter(lambda: True)
        self._waiters.append(waiter)
        return waiter.future


async def until(condition: Callable[[], object], what: str, limit: float = 60.0) -> None:
    """Let the app run until ``condition()`` holds; fail saying ``what`` did not happen.

    (A benchmark may poll: it waits on data arriving from another process, not on its own work.)
    """
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


def rss_mb() -> float:
    """This process's resident set size in MB, from /proc/self/status."""
    return _status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB."""
    return _status_kb("VmHWM") / 1024


def _status_kb(field_name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field_name} in /proc/self/status")
