"""``doover-tui emulator`` as a user runs it: prints its URLs (the token only on request), writes a profile, stops."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from doover_tui.cli import main


def start(home: Path, *args: str) -> tuple[subprocess.Popen[str], list[str]]:
    env = os.environ | {"HOME": str(home)}
    command = [sys.executable, "-m", "doover_tui", "emulator", "--port", "0", "--no-simulate", *args]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines: list[str] = []
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("Press Ctrl+C"):
            break
    return proc, lines


def stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGINT)
    return proc.wait(timeout=20)


def test_emulator_writes_a_profile_that_info_and_pydoover_use(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proc, lines = start(
        isolated_env,
        "--data-dir",
        ":memory:",
        "--token",
        "cli-token",
        "--write-profile",
        "emu",
        "--activation-delay",
        "0",
    )
    try:
        text = "\n".join(lines)
        assert "Doover emulator ready" in text
        data_url = re.search(r"data API\s+(\S+)", text)
        assert data_url is not None, text
        assert "cli-token" not in text, "the token is printed only with --show-token"
        assert re.search(r"token\s+\*\*\* \(in \[profile=emu\]; --show-token prints it\)", text), text
        assert "[emu] written to" in text
        assert main(["info", "--profile", "emu"]) == 0
        info = capsys.readouterr().out
        assert f"data API      {data_url.group(1)}" in info
        assert "cli-token" not in info
        from pydoover.api import DataClient
        from pydoover.api.auth import ConfigManager

        ConfigManager.directory = str(isolated_env / ".doover")
        ConfigManager.filepath = str(isolated_env / ".doover" / "config")
        profile = ConfigManager().get("emu")
        assert profile is not None
        assert profile.data_base_url == data_url.group(1)
        with DataClient(data_url.group(1), token=profile.token, max_retries=1) as client:
            assert client.list_connections(_a_device(data_url.group(1))) == []
        _activation_is_immediate(data_url.group(1))
    finally:
        assert stop(proc) == 0
    assert oct((isolated_env / ".doover" / "config").stat().st_mode & 0o777) == "0o600"


def _a_device(data_url: str) -> int:
    import httpx

    root = data_url.removesuffix("/api")
    agents = httpx.get(f"{root}/agents/", headers={"Authorization": "Bearer cli-token"}).json()["agents"]
    return int(next(a["id"] for a in agents if a["type"] == "device"))


def _activation_is_immediate(data_url: str) -> None:
    import httpx

    root, auth = data_url.removesuffix("/api"), {"Authorization": "Bearer cli-token"}
    tunnel = httpx.get(f"{root}/tunnels/", headers=auth).json()["results"][0]
    httpx.post(f"{root}/tunnels/{tunnel['id']}/{'deactivate' if tunnel['is_active'] else 'activate'}/", headers=auth)
    assert httpx.get(f"{root}/tunnels/{tunnel['id']}/", headers=auth).json()["is_active"] is not tunnel["is_active"]


def test_data_persists_between_runs(isolated_env: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "emu-data"
    proc, first = start(isolated_env, "--data-dir", str(data_dir), "--show-token")
    assert stop(proc) == 0
    proc, second = start(isolated_env, "--data-dir", str(data_dir), "--show-token")
    assert stop(proc) == 0
    token_of = [re.search(r"token\s+(\S+)", "\n".join(lines)) for lines in (first, second)]
    assert token_of[0] is not None
    assert token_of[1] is not None
    assert token_of[0].group(1) == token_of[1].group(1), "the generated token is kept with the data"
    assert (data_dir / "emulator-small.sqlite3").exists()


def test_injected_faults_are_announced(isolated_env: Path) -> None:
    proc, lines = start(isolated_env, "--data-dir", ":memory:", "--faults", "latency=10ms,seed=3")
    assert stop(proc) == 0
    assert "  faults       latency=10ms,seed=3 (injected on purpose)" in lines
    proc, lines = start(isolated_env, "--data-dir", ":memory:")
    assert stop(proc) == 0
    assert not any("faults" in line for line in lines)


def test_bad_faults_exit_2_with_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "--data-dir", ":memory:", "--faults", "latency=fast"]) == 2
    assert "expected a duration" in capsys.readouterr().err


def test_a_port_in_use_exits_2_with_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["emulator", "--data-dir", ":memory:", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_listening_socket_disables_nagle() -> None:
    """Without TCP_NODELAY every reply waited ~40 ms for a delayed ACK (asyncio does not set it on a given socket)."""
    from doover_tui.emulator.server import bind

    with bind("127.0.0.1", 0) as sock:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
