"""Serve the emulator with uvicorn on loopback: in the foreground (CLI) or in a thread (demo, tests)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import ipaddress
import logging
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import uvicorn

from doover_tui.emulator.app import Emulator, EmulatorConfig

T = TypeVar("T")

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Urls:
    """Where a running emulator answers."""

    root: str
    data: str
    control: str
    gateway: str

    @classmethod
    def at(cls, host: str, port: int) -> Urls:
        """The URLs of an emulator on ``host:port``."""
        shown = f"[{host}]" if ":" in host else host
        root = f"http://{shown}:{port}"
        return cls(root=root, data=f"{root}/api", control=root, gateway=f"ws://{shown}:{port}/ws")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this. asyncio sets it only on listeners it creates itself,
    # so without it every response split over two writes waits ~40 ms for a delayed ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class RunningEmulator:
    """An emulator served by uvicorn on its own thread and event loop."""

    def __init__(self, emulator: Emulator, sock: socket.socket) -> None:
        self.emulator = emulator
        self.socket = sock
        host, port = sock.getsockname()[:2]
        self.urls = Urls.at(host, port)
        config = uvicorn.Config(emulator.asgi, log_level="warning", lifespan="on", ws_max_size=64 * 1024 * 1024)
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="doover-emulator", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.server.serve(sockets=[self.socket])

    async def on_loop(self, work: Callable[[], T | Awaitable[T]]) -> T:
        """Run ``work`` on the server's event loop (the hub and services live there) and return its result."""

        async def call() -> T:
            result = work()
            return await result if inspect.isawaitable(result) else result

        assert self._loop is not None, "the emulator is not running"
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call(), self._loop))

    def start(self, timeout: float = 30.0) -> None:
        """Start serving; returns once the app has started (the socket already listens)."""
        self._thread.start()
        if not self.emulator.ready.wait(timeout):
            raise RuntimeError(f"the emulator did not start within {timeout} s")

    def wait(self) -> None:
        """Block until the server thread ends (Ctrl+C raises KeyboardInterrupt here)."""
        while self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def stop(self) -> None:
        """Stop serving and close the database."""
        self.server.should_exit = True
        self._thread.join(timeout=10)
        self.socket.close()
        if self._thread.is_alive():
            # Closing the database under a still-running server would turn its requests into crashes.
            log.warning("the emulator thread did not stop within 10 s; leaving its database open")
            return
        self.emulator.close()


@contextlib.contextmanager
def running(config: EmulatorConfig, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningEmulator]:
    """An emulator serving in the background for the duration of a ``with`` block."""
    server = RunningEmulator(Emulator(config), bind(host, port))
    server.start()
    try:
        yield server
    finally:
        server.stop()
