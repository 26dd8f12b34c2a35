"""Decide where to connect and with which credentials: flags > environment > profile (product.md)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from doover_tui.config.errors import ConfigError
from doover_tui.config.paths import Paths
from doover_tui.config.profiles import (
    DEFAULT_AUTH_URL,
    DEFAULT_CONTROL_URL,
    DEFAULT_DATA_URL,
    Profile,
    load_profiles,
)
from doover_tui.config.settings import Settings

DEFAULT_PROFILE = "default"


@dataclass(frozen=True, slots=True)
class ConnectOptions:
    """What the command line said; None means the user did not say."""

    profile: str | None = None
    data_url: str | None = None
    control_url: str | None = None
    gateway_url: str | None = None
    organisation: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    read_only: bool = False


@dataclass(frozen=True, slots=True)
class UserCredentials:
    """A bearer token, refreshable when the profile holds a refresh token.

    Attributes:
        persist_to: the profile to write a refreshed token back to (None: do not persist).
    """

    token: str | None = field(repr=False)
    expires_at: float | None
    refresh_token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    persist_to: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceCredentials:
    """A service account's client id and secret (client-credentials flow)."""

    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Connection:
    """A fully resolved connection: endpoints, credentials, and where each came from.

    Attributes:
        source: in words, where the credentials came from.
        profile_name: the profile used, if any (also the key into per-profile settings).
        gateway_url: None means "derive it from the data URL".
        warnings: things the user should know before connecting (e.g. a token sent unencrypted),
            one line each, for the command line to print and the app to show.
    """

    source: str
    profile_name: str | None
    profile_path: Path
    data_url: str
    control_url: str
    gateway_url: str | None
    auth_server_url: str
    organisation_id: str | None
    credentials: UserCredentials | ServiceCredentials
    read_only: bool
    warnings: tuple[str, ...] = ()


def resolve_connection(options: ConnectOptions, env: Mapping[str, str], paths: Paths, settings: Settings) -> Connection:
    """Combine flags, environment, profile file and settings into one :class:`Connection`.

    Raises:
        ConfigError: a needed value is missing, the profile is unknown or malformed.
    """
    client_id = options.client_id or env.get("DOOVER_CLIENT_ID") or None
    client_secret = options.client_secret or env.get("DOOVER_CLIENT_SECRET") or None
    if bool(client_id) != bool(client_secret):
        raise ConfigError(
            "a service account needs both --client-id and --client-secret "
            "(or DOOVER_CLIENT_ID and DOOVER_CLIENT_SECRET)"
        )
    env_token = env.get("DOOVER_API_TOKEN") or None
    env_data_url = env.get("DOOVER_DATA_API_BASE_URL") or None

    profile: Profile | None = None
    if options.profile is not None or not (env_token or client_id):
        profile = load_profiles(paths.doover_config).get(options.profile or DEFAULT_PROFILE)

    credentials: UserCredentials | ServiceCredentials
    if client_id and client_secret:
        credentials, source = (
            ServiceCredentials(client_id, client_secret),
            f"service account {client_id}",
        )
    elif profile is not None:
        credentials = UserCredentials(
            profile.token,
            profile.token_expires,
            profile.get("REFRESH_TOKEN"),
            profile.get("AUTH_SERVER_CLIENT_ID"),
            persist_to=profile.name,
        )
        source = f"profile '{profile.name}'"
    else:
        if env_data_url is None and options.data_url is None:
            raise ConfigError("DOOVER_API_TOKEN is set but DOOVER_DATA_API_BASE_URL is not; doover-cli needs both")
        credentials, source = UserCredentials(env_token, None), "environment (DOOVER_API_TOKEN)"

    data_url = _pick_url(
        ("--data-url", options.data_url),
        (_profile_key(paths, profile, "BASE_DATA_URL"), profile.data_url if profile else None),
        ("DOOVER_DATA_API_BASE_URL", env_data_url),
        ("the default", DEFAULT_DATA_URL),
    )
    control_url = _pick_url(
        ("--control-url", options.control_url),
        (_profile_key(paths, profile, "BASE_URL"), profile.control_url if profile else None),
        ("the default", DEFAULT_CONTROL_URL),
    )
    per_profile = settings.for_profile(profile.name) if profile else None
    gateway_url = options.gateway_url or (per_profile.gateway_url if per_profile else None)
    if gateway_url is not None:
        _check_url("the gateway URL", gateway_url, ("ws", "wss"))
    auth_server_url = profile.auth_server_url if profile else DEFAULT_AUTH_URL
    refreshing = isinstance(credentials, UserCredentials) and bool(credentials.refresh_token)
    return Connection(
        source=source,
        profile_name=profile.name if profile else None,
        profile_path=paths.doover_config,
        data_url=data_url,
        control_url=control_url,
        gateway_url=gateway_url,
        auth_server_url=auth_server_url,
        organisation_id=options.organisation or (per_profile.organisation if per_profile else None),
        credentials=credentials,
        read_only=options.read_only or (per_profile.read_only if per_profile else False),
        warnings=_plaintext_warnings(data_url, control_url, gateway_url, auth_server_url if refreshing else None),
    )


def _profile_key(paths: Paths, profile: Profile | None, key: str) -> str:
    """A profile key as errors name it: ``FILE:LINE: KEY of profile 'NAME'`` (as other profile errors start)."""
    if profile is None:
        return ""
    line = profile.key_lines.get(key)
    where = f"{paths.doover_config}:{line}: " if line is not None else ""
    return f"{where}{key} of profile '{profile.name}'"


def _plaintext_warnings(data: str, control: str, gateway: str | None, auth: str | None) -> tuple[str, ...]:
    urls = {"data API": data, "control API": control, "gateway": gateway, "auth server": auth}
    return tuple(plaintext_warning(what, url) for what, url in urls.items() if url and is_plaintext(url))


def is_plaintext(url: str) -> bool:
    """Whether ``url`` is unencrypted (``http://``, ``ws://``) to a host other than this machine.

    Loopback is fine: that is the emulator. The real service is only served over TLS.
    """
    parts = urlsplit(url)
    return parts.scheme in ("http", "ws") and not is_loopback_host(parts.hostname or "")


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is ``localhost`` (or a name under it) or a loopback address (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plaintext_warning(what: str, url: str) -> str:
    """The one-line warning for an unencrypted URL to another machine."""
    parts = urlsplit(url)
    secure = "wss" if parts.scheme == "ws" else "https"
    return (
        f"the {what} URL {url} is not encrypted: the token would reach {parts.hostname} in clear text; use {secure}://"
    )


def _pick_url(*candidates: tuple[str, str | None]) -> str:
    """The first URL given, checked, without a trailing slash; errors name where it came from."""
    for origin, value in candidates:
        if value:
            _check_url(origin, value, ("http", "https"))
            return value.rstrip("/")
    raise AssertionError("the last candidate is always a default")


def _check_url(origin: str, value: str, schemes: tuple[str, ...]) -> None:
    expected = " or ".join(f"{scheme}://" for scheme in schemes)
    # Messages are printed and logged: never repeat a user name or password given in the URL.
    shown = re.sub(r"(?<=://)[^/?#]*@", "", value)
    if shown != value:
        raise ConfigError(f"{origin} holds a user name or password; remove them (the token goes in a header): {shown}")
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or 0 < parts.port < 65536  # .port raises on "8O00"
    except ValueError:
        port_ok = False
    if not port_ok or parts.scheme not in schemes or not parts.hostname or not value.isascii():
        raise ConfigError(f"{origin} is {value!r}, which is not a valid {expected} URL")
