"""Errors in the user's configuration: each names the file, the line or key, and what was expected."""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """A configuration problem the user must fix; ``str()`` is the whole message."""

    title = "Configuration error"


class ProfileFileError(ConfigError):
    """``~/.doover/config`` could not be read or is malformed at a line."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


class UnknownProfileError(ConfigError):
    """The named profile is not in the profile file."""

    def __init__(self, path: Path, name: str, available: list[str]) -> None:
        choices = ", ".join(available) if available else "none"
        super().__init__(f"no profile '{name}' in {path}; available: {choices}")
        self.name = name
        self.available = available


class NoProfileFileError(ConfigError):
    """There is no profile file at all."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"no Doover profile file at {path}. Run `doover login` (from doover-cli) to create one, "
            "set DOOVER_API_TOKEN and DOOVER_DATA_API_BASE_URL, or try `doover-tui --demo`."
        )
        self.path = path


class SettingsError(ConfigError):
    """Our settings file has an unknown key, a wrong type or invalid TOML."""
