"""Servers for benchmarks, each in its own process (sharing one with the client would measure the GIL)."""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
import threading
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
            # Keep reading what the server prints, so a long run never fills the pipe and blocks it.
            threading.Thread(target=proc.stdout.read, name="drain", daemon=True).start()
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
        _stop(proc)


def _stop(proc: subprocess.Popen[str]) -> None:
    """Ctrl+C first (a clean stop); a process started with SIGINT ignored (``nohup … &``) is terminated."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.wait(timeout=30)


def emulator(*args: str) -> contextlib.AbstractContextManager[str]:
    """``doover-tui emulator`` on a free port; yields its root URL."""
    command = [sys.executable, "-m", "doover_tui", "emulator", "--port", "0", "--token", TOKEN, *args]
    return _serving(command, re.compile(r"control API\s+(\S+)"))


def bare(body_file: Path | None = None) -> contextlib.AbstractContextManager[str]:
    """A bare Starlette server answering ``body_file``'s bytes; yields its root URL."""
    command = [sys.executable, "-m", "bench.bare_server", *(["--body-file", str(body_file)] if body_file else [])]
    return _serving(command, re.compile(r"(http://\S+)"))


def app_params(root: str, device_name: str) -> dict[str, str]:
    """What an app scenario needs to reach an emulator at ``root``, and the id of the device named so."""
    agents = httpx.get(f"{root}/agents/", headers=AUTH, timeout=30).json()["agents"]
    agent_id = next(str(a["id"]) for a in agents if a.get("name") == device_name)
    return {"control": root, "data": f"{root}/api", "token": TOKEN, "agent_id": agent_id}
