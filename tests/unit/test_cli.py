"""The command line: --version, info (never the token), and clean exits for bad configuration."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from doover_tui import __version__
from doover_tui.cli import main
from tests.conftest import make_jwt

SENTINEL = "SENTINEL-TOKEN-d41d8cd98f00b204"


def write_with_pydoover(home: Path, monkeypatch: pytest.MonkeyPatch, **profiles: dict[str, object]) -> Path:
    from pydoover.api.auth import AuthProfile, ConfigManager

    directory = home / ".doover"
    monkeypatch.setattr(ConfigManager, "directory", str(directory))
    monkeypatch.setattr(ConfigManager, "filepath", str(directory / "config"))
    manager = ConfigManager()
    for name, fields in profiles.items():
        manager.create(AuthProfile(profile=name, **fields))  # type: ignore[arg-type]
    manager.write()
    return directory / "config"


def test_info_against_a_pydoover_config_never_prints_the_token(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    expires = datetime.fromtimestamp(time.time() + 3600, tz=UTC)
    config = write_with_pydoover(
        isolated_env,
        monkeypatch,
        staging={
            "token": SENTINEL,
            "token_expires": expires,
            "control_base_url": "https://api.staging.udoover.com",
            "data_base_url": "https://data.staging.udoover.com/api",
            "refresh_token": SENTINEL + "-refresh",
            "auth_server_client_id": "cid",
        },
    )
    assert main(["info", "--profile", "staging"]) == 0
    out = capsys.readouterr().out
    assert SENTINEL not in out
    assert "source        profile 'staging'" in out
    assert "data API      https://data.staging.udoover.com/api" in out
    assert "control API   https://api.staging.udoover.com" in out
    assert "gateway       wss://data.staging.udoover.com/ws  (derived from the data URL)" in out
    assert f"expires {expires.strftime('%Y-%m-%d %H:%M:%S')} UTC (in 59 min)" in out
    assert "; refreshable" in out
    assert f"profile file  {config}" in out
    for name in ("settings", "cache", "state", "log"):
        assert f"\n{name}" in out


def test_flags_before_the_subcommand_are_kept(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_with_pydoover(isolated_env, monkeypatch, default={"token": "a"}, other={"token": "b"})
    assert main(["--profile", "other", "--org", "77", "info"]) == 0
    out = capsys.readouterr().out
    assert "profile 'other'" in out
    assert "organisation  77" in out


def test_unknown_profile_exits_2_listing_profiles(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_with_pydoover(isolated_env, monkeypatch, default={"token": "a"}, staging={"token": "b"})
    assert main(["info", "--profile", "prod"]) == 2
    assert capsys.readouterr().err == f"doover-tui: no profile 'prod' in {config}; available: default, staging\n"


def test_no_config_exits_2_saying_how_to_get_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 2
    err = capsys.readouterr().err
    assert "no Doover profile file at" in err
    assert "doover login" in err


def test_env_token_mode_info(capsys: pytest.CaptureFixture[str]) -> None:
    token = make_jwt(exp=time.time() - 120)
    env = {"DOOVER_API_TOKEN": token, "DOOVER_DATA_API_BASE_URL": "http://127.0.0.1:8765/api"}
    assert main(["info"], env=env) == 0
    out = capsys.readouterr().out
    assert token not in out
    assert "environment (DOOVER_API_TOKEN)" in out
    assert "token         present, no expiry known; not refreshable" in out


def test_malformed_settings_exit_2_naming_the_key(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Path(os.environ["DOOVER_TUI_CONFIG_DIR"]) / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text("[network]\ntimeot = 3\n")
    assert main(["info"]) == 2
    assert f"{settings}: unknown key 'network.timeot'" in capsys.readouterr().err


def test_running_without_a_token_exits_2(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_with_pydoover(isolated_env, monkeypatch, default={})
    assert main([]) == 2
    assert "profile 'default' has no TOKEN; log in with `doover login`" in capsys.readouterr().err


def test_version_and_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "doover_tui", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"doover-tui {__version__}"
