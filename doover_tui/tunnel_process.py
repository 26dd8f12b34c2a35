"""Run the official ``doover-tunnel`` program as a managed subprocess and read the local port it reports.

``doover-tunnel`` ships with doover-cli (``doover tunnel DEVICE TUNNEL`` hands over to
``doover-tunnel open DEVICE TUNNEL``). Its output format is not documented anywhere we could
read, so the local port is taken from the first line that names one: ``localhost:PORT``,
``127.0.0.1:PORT`` (or another loopback address), else ``port PORT``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import re
import shutil
import signal
from collections import deque
from collections.abc import Mapping, Sequence

PROGRAM = "doover-tunnel"
INSTALL_HINT = (
    "doover-tunnel is not on PATH. It ships with doover-cli: install it with "
    "`pipx install doover-cli` (or `uv tool install doover-cli`), then press o again."
)
PORT_WAIT = 30.0
"""Seconds the program has to report its local port before it is stopped."""
STOP_GRACE = 3.0
"""Seconds between asking the program to stop (SIGTERM) and killing it."""
TAIL_LINES = 50
"""Lines of the program's output kept, for saying why it failed."""

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_LOOPBACK_PORT = re.compile(r"(?:localhost|127(?:\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0):(\d{1,5})\b", re.IGNORECASE)
_WORD_PORT = re.compile(r"\bport\s*[:=]?\s*(\d{1,5})\b", re.IGNORECASE)

_running: dict[int, asyncio.subprocess.Process] = {}
"""Every program started and not yet reaped, by pid: stopped at interpreter exit if still there."""


class TunnelProgramError(Exception):
    """doover-tunnel is missing, or it stopped (or stayed silent) before reporting a local port."""


def find_program(path: str | None = None) -> str:
    """The full path of doover-tunnel on ``path`` (default: $PATH).

    Raises:
        TunnelProgramError: it is not installed (the message says how to install it).
    """
    found = shutil.which(PROGRAM, path=path)
    if found is None:
        raise TunnelProgramError(INSTALL_HINT)
    return found


def open_command(program: str, device_id: str, tunnel_id: str) -> list[str]:
    """The command line that opens a tunnel locally (what ``doover tunnel DEVICE TUNNEL`` runs)."""
    return [program, "open", device_id, tunnel_id]


def local_port(line: str) -> int | None:
    """The local port a line of output reports, or None (colour codes are ignored)."""
    text = _ANSI.sub("", line)
    for pattern in (_LOOPBACK_PORT, _WORD_PORT):
        match = pattern.search(text)
        if match is not None and 1 <= int(match.group(1)) <= 65535:
            return int(match.group(1))
    return None


class LocalTunnel:
    """One running doover-tunnel: its output is read as it comes, so the program never blocks on a full pipe."""

    def __init__(self, process: asyncio.subprocess.Process, command: Sequence[str]) -> None:
        self.process = process
        self.command = list(command)
        self.port: int | None = None
        """The local port, once reported."""
        self.stopping = False
        """``stop`` was called: an exit from now on is expected."""
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._port_found: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        # Retrieved here, so a failure nobody asked about is not reported as lost.
        self._port_found.add_done_callback(lambda found: found.cancelled() or found.exception())
        self._closed = asyncio.Event()
        self._reader = asyncio.ensure_future(self._read())
        _running[process.pid] = process

    @classmethod
    async def start(
        cls, device_id: str, tunnel_id: str, *, program: str | None = None, env: Mapping[str, str] | None = None
    ) -> LocalTunnel:
        """Start doover-tunnel for one tunnel (stdin closed, stderr merged into stdout).

        Raises:
            TunnelProgramError: the program is not installed or cannot be started.
        """
        command = open_command(program or find_program(), device_id, tunnel_id)
        environment = {**os.environ, **(env or {}), "NO_COLOR": "1"}
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=environment,
            )
        except OSError as exc:
            raise TunnelProgramError(f"cannot start {command[0]}: {exc.strerror or exc}") from None
        return cls(process, command)

    @property
    def running(self) -> bool:
        """Whether the program has not exited yet."""
        return self.process.returncode is None

    @property
    def output(self) -> tuple[str, ...]:
        """The last lines the program printed."""
        return tuple(self._tail)

    def last_words(self) -> str:
        """The program's last non-blank line, or "" (for error messages)."""
        return next((line for line in reversed(self._tail) if line.strip()), "")

    async def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None  # started with stdout=PIPE
        try:
            while line := await stream.readline():
                text = _ANSI.sub("", line.decode("utf-8", errors="replace")).rstrip("\r\n")
                self._tail.append(text)
                port = local_port(text) if self.port is None else None
                if port is not None:
                    self.port = port
                    self._port_found.set_result(port)
            await self.process.wait()
        finally:
            _running.pop(self.process.pid, None)
            if not self._port_found.done():
                self._port_found.set_exception(self._exited_early())
            self._closed.set()

    def _exited_early(self) -> TunnelProgramError:
        said = self.last_words()
        reason = f": {said}" if said else " without a word"
        return TunnelProgramError(f"doover-tunnel stopped (exit code {self.process.returncode}){reason}")

    async def wait_for_port(self, within: float = PORT_WAIT) -> int:
        """The local port, once the program reports it; on failure the program is stopped.

        Raises:
            TunnelProgramError: it exited first, or said nothing usable within ``within`` seconds.
        """
        try:
            return await asyncio.wait_for(asyncio.shield(self._port_found), within)
        except TimeoutError:
            await self.stop()
            said = self.last_words()
            raise TunnelProgramError(
                f"doover-tunnel reported no local port within {within:g} s" + (f"; it said: {said}" if said else "")
            ) from None
        except TunnelProgramError:
            await self.stop()
            raise

    async def wait_closed(self) -> int:
        """Wait for the program to exit, however that happens; its exit code."""
        await self._closed.wait()
        return self.process.returncode if self.process.returncode is not None else -1

    def signal_stop(self) -> None:
        """Ask the program to stop now (SIGTERM), without waiting: for when nothing can be awaited."""
        self.stopping = True
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()

    async def stop(self, grace: float = STOP_GRACE) -> int:
        """Stop the program: SIGTERM, then SIGKILL if it is still there after ``grace`` seconds; its exit code."""
        self.signal_stop()
        try:
            await asyncio.wait_for(self._closed.wait(), grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
            # Whatever it left holding the pipe open (a grandchild) must not keep our reader waiting.
            self._reader.cancel()
            await self._closed.wait()
        return self.process.returncode if self.process.returncode is not None else -1


@atexit.register
def _stop_leftovers() -> None:
    """At interpreter exit, no doover-tunnel we started outlives us (the screens normally stop them first)."""
    for pid in list(_running):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    _running.clear()
