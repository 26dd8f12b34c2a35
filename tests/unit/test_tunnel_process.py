"""doover-tunnel as a managed subprocess: found on PATH, its port read, stopped (terminate, then kill)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from doover_tui.tunnel_process import (
    INSTALL_HINT,
    LocalTunnel,
    TunnelProgramError,
    find_program,
    local_port,
    open_command,
)


def fake_program(directory: Path, body: str) -> str:
    """A ``doover-tunnel`` in ``directory``: a Python script running ``body`` (argv is in ``sys.argv``)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "doover-tunnel"
    path.write_text(f"#!{sys.executable}\nimport signal, sys, time\n{body}\n")
    path.chmod(0o755)
    return str(path)


SERVES = """
print("Connecting to device", sys.argv[2], "tunnel", sys.argv[3], flush=True)
print("Forwarding localhost:43210 -> device port 22", flush=True)
time.sleep(60)
"""


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize(
    ("line", "port"),
    [
        ("Listening on 127.0.0.1:5432", 5432),
        ("open http://localhost:8080/ in a browser", 8080),
        ("bound [::1]:2222", 2222),
        ("\x1b[32mlocalhost:7000\x1b[0m ready", 7000),
        ("Local port: 40000", 40000),
        ("listening on port 2222", 2222),
        ("connecting to device 1234567", None),
        ("localhost:70000", None),
        ("", None),
    ],
)
def test_local_port_from_a_line(line: str, port: int | None) -> None:
    assert local_port(line) == port


def test_missing_program_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(TunnelProgramError) as caught:
        find_program(str(tmp_path))
    assert "pipx install doover-cli" in str(caught.value)
    assert str(caught.value) == INSTALL_HINT


def test_program_is_found_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = fake_program(tmp_path / "bin", SERVES)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    assert find_program() == program
    assert open_command(program, "11", "22") == [program, "open", "11", "22"]


async def test_reads_the_port_then_stops_on_terminate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_program(tmp_path / "bin", SERVES)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    local = await LocalTunnel.start("111", "222")
    assert await local.wait_for_port(10) == 43210
    assert local.port == 43210
    assert local.output[0] == "Connecting to device 111 tunnel 222"
    assert local.running
    pid = local.process.pid
    code = await local.stop()
    assert code == -signal.SIGTERM
    assert not local.running
    assert gone(pid)


async def test_early_exit_is_reported_with_its_last_words(tmp_path: Path) -> None:
    program = fake_program(tmp_path, 'print("error: not logged in; run doover login", flush=True)\nsys.exit(3)')
    local = await LocalTunnel.start("1", "2", program=program)
    with pytest.raises(TunnelProgramError, match=r"exit code 3\): error: not logged in"):
        await local.wait_for_port(10)
    assert await local.wait_closed() == 3


async def test_silence_is_bounded_and_the_program_stopped(tmp_path: Path) -> None:
    program = fake_program(tmp_path, 'print("thinking", flush=True)\ntime.sleep(60)')
    local = await LocalTunnel.start("1", "2", program=program)
    with pytest.raises(TunnelProgramError, match=r"no local port within 0.5 s; it said: thinking"):
        await local.wait_for_port(0.5)
    assert not local.running


async def test_a_program_ignoring_terminate_is_killed_after_the_grace(tmp_path: Path) -> None:
    body = 'signal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint("port 6000", flush=True)\ntime.sleep(60)'
    local = await LocalTunnel.start("1", "2", program=fake_program(tmp_path, body))
    assert await local.wait_for_port(10) == 6000
    assert await local.stop(grace=0.3) == -signal.SIGKILL
    assert gone(local.process.pid)


async def test_plenty_of_output_never_blocks_the_program(tmp_path: Path) -> None:
    body = 'print("localhost:5555", flush=True)\nfor n in range(100_000): print("chatter", n)\nsys.exit(0)'
    local = await LocalTunnel.start("1", "2", program=fake_program(tmp_path, body))
    assert await local.wait_for_port(10) == 5555
    assert await asyncio.wait_for(local.wait_closed(), 20) == 0
    assert local.output[-1] == "chatter 99999"
    assert len(local.output) == 50


async def test_an_unstartable_program_is_an_error(tmp_path: Path) -> None:
    program = tmp_path / "doover-tunnel"
    program.write_text("not a program")
    program.chmod(0o644)
    with pytest.raises(TunnelProgramError, match="cannot start"):
        await LocalTunnel.start("1", "2", program=str(program))
