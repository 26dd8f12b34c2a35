"""doover-tui's own settings: a TOML file in the platform config directory, validated strictly.

An unknown key or a value of the wrong type is an error naming the file, the key and
what was expected, so a typo never silently does nothing.
"""

from __future__ import annotations

import math
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar

from doover_tui.config.errors import SettingsError
from doover_tui.literal import printable

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class NetworkSettings:
    """How patiently to talk to Doover."""

    timeout: float = field(default=30.0, metadata={"min": 0.1})
    """Seconds before one HTTP request is abandoned."""
    retries: int = field(default=3, metadata={"min": 0})
    """Retries after a failed request (network error, 5xx, 429), with backoff."""


@dataclass(frozen=True, slots=True)
class CacheSettings:
    """How old cached data may be before it is refreshed (seconds)."""

    agents: float = field(default=60.0, metadata={"min": 0})
    """The agent list."""
    channels: float = field(default=30.0, metadata={"min": 0})
    """An agent's channel list."""
    aggregate: float = field(default=10.0, metadata={"min": 0})
    """A channel's aggregate (live updates keep it current while subscribed)."""
    messages: float = field(default=10.0, metadata={"min": 0})
    """A channel's newest messages."""
    applications: float = field(default=300.0, metadata={"min": 0})
    """The application list."""
    tunnels: float = field(default=15.0, metadata={"min": 0})
    """Tunnel lists."""


@dataclass(frozen=True, slots=True)
class ProfileSettings:
    """Per-profile choices, under ``[profiles.NAME]``."""

    read_only: bool = False
    """Refuse every write for this profile."""
    gateway_url: str | None = None
    """The live gateway's WebSocket URL, when it cannot be derived from the data URL."""
    organisation: str | None = None
    """Organisation id sent as ``X-Doover-Organisation``."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything in ``settings.toml``; every field has a default."""

    theme: str = "textual-dark"
    """A Textual theme name."""
    message_window: int = field(default=2000, metadata={"min": 50})
    """The most messages held on screen for one channel; older ones are dropped."""
    log_update: bool = True
    """Record aggregate edits in the channel's message log (allows undo)."""
    poll_interval: float = field(default=3.0, metadata={"min": 0.5})
    """Seconds between polls of the channel on screen while the live gateway is unavailable."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id → keys, e.g. ``"browser.refresh" = "ctrl+r"``."""
    network: NetworkSettings = field(default_factory=NetworkSettings)
    """Timeouts and retries."""
    cache: CacheSettings = field(default_factory=CacheSettings)
    """Cache ages."""
    profiles: dict[str, ProfileSettings] = field(default_factory=dict)
    """Per-profile settings by profile name."""

    def for_profile(self, name: str) -> ProfileSettings:
        """The settings of one profile (defaults when it has none)."""
        return self.profiles.get(name, ProfileSettings())


def load_settings(path: Path) -> Settings:
    """Read the settings file; a missing file gives the defaults.

    Raises:
        SettingsError: the file is not valid TOML, or holds an unknown key or a wrong type.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        # utf-8-sig: Windows editors may start the file with a byte-order mark.
        table = tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    return _build(Settings, table, path, "")


def _build(cls: type[T], table: dict[str, Any], path: Path, prefix: str) -> T:
    assert is_dataclass(cls)
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    for key in table:
        if key not in known:
            names = ", ".join(sorted(known))
            raise SettingsError(f"{path}: unknown key '{printable(prefix + key)}' (known here: {names})")
    values: dict[str, Any] = {}
    for name, spec in known.items():
        if name not in table:
            continue
        key = f"{prefix}{name}"
        value = _convert(hints[name], table[name], path, key)
        minimum = spec.metadata.get("min")
        if minimum is not None and value < minimum:
            raise SettingsError(f"{path}: '{key}' must be at least {minimum}, got {value!r}")
        values[name] = value
    result: T = cls(**values)
    return result


def _convert(hint: Any, value: Any, path: Path, key: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _convert(options[0], value, path, key)
    if origin is dict:
        value_hint = typing.get_args(hint)[1]
        table = _expect(value, dict, path, key, "a table")
        return {str(k): _convert(value_hint, v, path, f"{key}.{printable(k)}") for k, v in table.items()}
    if is_dataclass(hint):
        return _build(hint, _expect(value, dict, path, key, "a table"), path, f"{key}.")  # type: ignore[arg-type]
    if hint is bool:
        return _expect(value, bool, path, key, "true or false")
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(path, key, "a whole number", value)
        return value
    if hint is float:
        return _finite(value, path, key)
    if hint is str:
        return _expect(value, str, path, key, "a string")
    raise AssertionError(f"unsupported settings type {hint!r}")


def _finite(value: Any, path: Path, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong(path, key, "a number", value)
    if not math.isfinite(value):  # TOML has nan and inf, which no timeout or interval can be
        raise _wrong(path, key, "a finite number", value)
    return float(value)


def _expect(value: Any, kind: type[T], path: Path, key: str, expected: str) -> T:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise _wrong(path, key, expected, value)
    return value


def _wrong(path: Path, key: str, expected: str, value: Any) -> SettingsError:
    return SettingsError(f"{path}: '{key}' must be {expected}, got {type(value).__name__} {printable(repr(value))}")
