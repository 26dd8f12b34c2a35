"""Platform directories (platformdirs), each overridable by an environment variable for tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "doover-tui"


@dataclass(frozen=True, slots=True)
class Paths:
    """Every file and directory doover-tui reads or writes. Nothing is created until written.

    Attributes:
        doover_config: the profile file ``doover login`` writes (shared with pydoover and the CLI).
        config_dir: our own configuration directory.
        settings_file: our settings (TOML).
        cache_dir: cached API data for fast and offline starts.
        state_dir: drafts and other state worth keeping across runs.
        data_dir: the emulator's database, by default.
        log_dir: log files.
    """

    doover_config: Path
    config_dir: Path
    cache_dir: Path
    state_dir: Path
    data_dir: Path
    log_dir: Path

    @property
    def settings_file(self) -> Path:
        """``settings.toml`` in the config directory."""
        return self.config_dir / "settings.toml"

    @property
    def log_file(self) -> Path:
        """The current log file."""
        return self.log_dir / "doover-tui.log"


def _dir(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value).expanduser() if value else default


def default_paths() -> Paths:
    """Resolve paths from the environment (``DOOVER_TUI_*_DIR``, ``DOOVER_CONFIG_FILE``) or platformdirs."""
    return Paths(
        doover_config=_dir("DOOVER_CONFIG_FILE", Path.home() / ".doover" / "config"),
        config_dir=_dir("DOOVER_TUI_CONFIG_DIR", platformdirs.user_config_path(APP_NAME)),
        cache_dir=_dir("DOOVER_TUI_CACHE_DIR", platformdirs.user_cache_path(APP_NAME)),
        state_dir=_dir("DOOVER_TUI_STATE_DIR", platformdirs.user_state_path(APP_NAME)),
        data_dir=_dir("DOOVER_TUI_DATA_DIR", platformdirs.user_data_path(APP_NAME)),
        log_dir=_dir("DOOVER_TUI_LOG_DIR", platformdirs.user_log_path(APP_NAME)),
    )
