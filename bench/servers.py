"""Servers for benchmarks, each in its own process (sharing one with the client would measure the GIL)."""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

TOKEN = "bench-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _start(command: list[str], ready: re.Pattern[str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        match = ready.search(line)
        if match:
            return proc, match.group(1)
    raise RuntimeError(f"{command[2:4]} exited before it was ready (code {proc.wait()})")


def wait_answering(url: str) -> None:
    """Return once ``url`` answers (the server accepts connections)."""
    while True:
        try:
            httpx.get(url, headers=AUTH, timeout=5)
            return
        except httpx.TransportError:
            continue


@contextlib.contextmanager
def _serving(command: list[str], ready: re.Pattern[str]) -> Iterator[str]:
    proc, root = _start(command, ready)
    try:
        yield root
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def emulator(*args: str) -> contextlib.AbstractContextManager[str]:
    """``doover-tui emulator`` on a free port; yields its root URL."""
    command = [sys.executable, "-m", "doover_tui", "emulator", "--port", "0", "--token", TOKEN, *args]
    return _serving(command, re.compile(r"control API\s+(\S+)"))


def bare(body_file: Path | None = None) -> contextlib.AbstractContextManager[str]:
    """A bare Starlette server answering ``body_file``'s bytes; yields its root URL."""
    command = [sys.executable, "-m", "bench.bare_server", *(["--body-file", str(body_file)] if body_file else [])]
    return _serving(command, re.compile(r"(http://\S+)"))
