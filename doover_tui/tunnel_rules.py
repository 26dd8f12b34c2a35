"""Pure rules of the tunnels screen: form checks, state words, the ssh command, the poll schedule, column fitting."""

from __future__ import annotations

import enum
import ipaddress
import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from doover_tui.api.models import Tunnel

PROTOCOLS = ("tcp", "http", "https", "rtsp")
"""The protocols the API accepts (reference §5.6)."""

EDITABLE_FIELDS = ("name", "hostname", "port", "username", "timeout", "ip_restricted", "ip_whitelist")
"""Fields the form may change on an existing tunnel: the protocol and the device are fixed at creation."""

FORM_FIELDS = ("name", "hostname", "port", "protocol", "username", "timeout", "ip_restricted", "ip_whitelist")
"""Every field the form shows, in order; server errors naming one of them are shown next to it."""

MAX_TEXT = 200
"""The API's longest name, hostname and username (maxLength in the OpenAPI request schema)."""
MAX_INT = 2_147_483_647
"""The API's largest integer field value."""
DEFAULT_TIMEOUT = 15
"""The timeout a new tunnel starts with (the Doover 1 CLI's default; the unit is the API's)."""

_HOSTNAME = re.compile(r"[A-Za-z0-9_.:\[\]-]+")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


class TunnelState(enum.Enum):
    """What a row's state column says."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    PENDING = "PENDING"
    """Toggled: waiting for a re-read to show the new state."""


def state_of(tunnel: Tunnel, *, pending: bool = False) -> TunnelState:
    """The state word of ``tunnel`` (PENDING while a toggle awaits confirmation)."""
    if pending:
        return TunnelState.PENDING
    return TunnelState.ACTIVE if tunnel.is_active else TunnelState.INACTIVE


@dataclass(frozen=True, slots=True)
class FormInput:
    """The form's fields as typed."""

    name: str = ""
    hostname: str = "127.0.0.1"
    port: str = ""
    protocol: str = "tcp"
    username: str = ""
    timeout: str = str(DEFAULT_TIMEOUT)
    ip_restricted: bool = False
    ip_whitelist: str = ""


class FormErrors(ValueError):
    """The form cannot be sent; ``errors`` maps form fields to what is wrong with them."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in errors.items()))
        self.errors = dict(errors)


def form_of(tunnel: Tunnel) -> FormInput:
    """The form filled in with an existing tunnel's values."""
    return FormInput(
        name=tunnel.name,
        hostname=tunnel.hostname,
        port=str(tunnel.port),
        protocol=tunnel.protocol,
        username=tunnel.username,
        timeout="" if tunnel.timeout is None else str(tunnel.timeout),
        ip_restricted=tunnel.ip_restricted,
        ip_whitelist=", ".join(tunnel.ip_whitelist),
    )


def validate(form: FormInput) -> dict[str, Any]:
    """The request body for ``form``: every field checked, blank username left out.

    Raises:
        FormErrors: one problem per bad field (nothing should be sent).
    """
    errors: dict[str, str] = {}
    body: dict[str, Any] = {}
    checks: dict[str, Callable[[], Any]] = {
        "name": lambda: _text(form.name, "a name", required=True, spaces=True),
        "hostname": lambda: _hostname(form.hostname),
        "port": lambda: _integer(form.port, "port", 1, 65535),
        "protocol": lambda: _protocol(form.protocol),
        "username": lambda: _text(form.username, "a username", required=False, spaces=False) or None,
        "timeout": lambda: _integer(form.timeout, "timeout", 0, MAX_INT),
        "ip_whitelist": lambda: parse_allow_list(form.ip_whitelist),
    }
    for field, check in checks.items():
        try:
            body[field] = check()
        except ValueError as exc:
            errors[field] = str(exc)
    body["ip_restricted"] = form.ip_restricted
    if form.ip_restricted and "ip_whitelist" not in errors and not body["ip_whitelist"]:
        errors["ip_whitelist"] = "an IP-restricted tunnel needs at least one allowed address or range"
    if errors:
        raise FormErrors(errors)
    if body["username"] is None:
        del body["username"]
    return body


def _text(value: str, what: str, *, required: bool, spaces: bool) -> str:
    value = value.strip()
    if required and not value:
        raise ValueError(f"{what} is required")
    if len(value) > MAX_TEXT:
        raise ValueError(f"at most {MAX_TEXT} characters ({len(value)} typed)")
    if any(not char.isprintable() or (char.isspace() and not spaces) for char in value):
        raise ValueError(f"{what} has no {'' if spaces else 'spaces or '}control characters")
    return value


def _hostname(value: str) -> str:
    value = _text(value, "a hostname", required=True, spaces=False)
    if not _HOSTNAME.fullmatch(value):
        raise ValueError("a hostname or IP address, such as 127.0.0.1 or camera.local")
    return value


def _integer(value: str, what: str, lowest: int, highest: int) -> int:
    text = value.strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError(f"{what} is a whole number from {lowest} to {highest}")
    number = int(text)
    if not lowest <= number <= highest:
        raise ValueError(f"{what} must be from {lowest} to {highest} ({number} typed)")
    return number


def _protocol(value: str) -> str:
    if value not in PROTOCOLS:
        raise ValueError(f"one of {', '.join(PROTOCOLS)}")
    return value


def parse_allow_list(text: str) -> list[str]:
    """IP addresses and CIDR ranges separated by commas or spaces, each checked and written canonically.

    Raises:
        ValueError: an entry is neither; the message names it.
    """
    allowed: list[str] = []
    for entry in re.split(r"[\s,;]+", text.strip()):
        if not entry:
            continue
        try:
            if "/" not in entry:
                allowed.append(str(ipaddress.ip_address(entry)))
                continue
            allowed.append(str(ipaddress.ip_network(entry, strict=True)))
        except ValueError:
            raise ValueError(_entry_problem(entry)) from None
    return allowed


def _entry_problem(entry: str) -> str:
    try:
        loose = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return f"{entry!r} is not an IP address or CIDR range (e.g. 203.0.113.7 or 203.0.113.0/24)"
    return f"{entry!r} has host bits set: did you mean {loose}?"


def changes(tunnel: Tunnel, body: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields of ``body`` that differ from ``tunnel`` (a minimal PATCH; empty when nothing changed).

    A username cleared in the form is sent as null.
    """
    current: dict[str, Any] = {
        "name": tunnel.name,
        "hostname": tunnel.hostname,
        "port": tunnel.port,
        "username": tunnel.username or None,
        "timeout": tunnel.timeout,
        "ip_restricted": tunnel.ip_restricted,
        "ip_whitelist": list(tunnel.ip_whitelist),
    }
    wanted = {field: body.get(field) for field in EDITABLE_FIELDS}
    return {field: value for field, value in wanted.items() if value != current[field]}


def form_field_of(path: str) -> str | None:
    """The form field a server error path (``ip_whitelist.0``) belongs to, or None for the general line."""
    field = path.split(".", 1)[0]
    return field if field in FORM_FIELDS else None


def endpoint_address(endpoint: str) -> tuple[str, int] | None:
    """The public host and port of an endpoint (``host:port``, maybe with a scheme or brackets), or None."""
    text = _SCHEME.sub("", endpoint.strip()).split("/", 1)[0]
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host or not 1 <= int(port) <= 65535:
        return None
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    return (host, int(port)) if _HOSTNAME.fullmatch(host) else None


def ssh_command(tunnel: Tunnel) -> str:
    """A shell command that logs in through a tcp tunnel to port 22 (every part shell-quoted).

    Raises:
        ValueError: the tunnel is not an ssh tunnel, or its endpoint cannot be read; says which.
    """
    if tunnel.protocol != "tcp" or tunnel.port != 22:
        raise ValueError(f"only a tcp tunnel to port 22 carries ssh (this one is {tunnel.protocol} to {tunnel.port})")
    address = endpoint_address(tunnel.endpoint)
    if address is None:
        raise ValueError(f"the endpoint {tunnel.endpoint!r} is not host:port")
    host, port = address
    target = f"{tunnel.username}@{host}" if tunnel.username else host
    return shlex.join(["ssh", "-p", str(port), target])


@dataclass(frozen=True, slots=True)
class PollSchedule:
    """How a toggled tunnel is re-read: waits growing by ``factor`` up to ``longest``, until ``give_up_after``."""

    first: float = 0.5
    factor: float = 1.5
    longest: float = 5.0
    give_up_after: float = 60.0

    def __post_init__(self) -> None:
        if self.first <= 0 or self.factor < 1 or self.longest < self.first or self.give_up_after <= 0:
            raise ValueError(f"a poll schedule needs 0 < first <= longest, factor >= 1 and a bound > 0: {self}")

    def delays(self) -> Iterator[float]:
        """The waits before each re-read; they add up to at most ``give_up_after``."""
        waited, delay = 0.0, self.first
        while waited + delay <= self.give_up_after + 1e-9:
            yield delay
            waited += delay
            delay = min(self.longest, delay * self.factor)
        if waited < self.give_up_after:
            yield self.give_up_after - waited  # a last look at the bound itself


@dataclass(frozen=True, slots=True)
class ColumnFit:
    """How a table column gives way on a narrow screen.

    Attributes:
        least: the narrowest it is shown at.
        most: the widest it needs (0: nothing to show, so it is left out).
        drop: the order in which it is left out when the line is too narrow (1 first); 0 never.
        grow: the order in which it widens from ``least`` towards ``most`` with the room left (0 first).
        favoured: it is widened to ``most`` before any column that ``yields`` is shown.
        yields: it is left out rather than keep a ``favoured`` column short.
    """

    least: int
    most: int
    drop: int = 0
    grow: int = 9
    favoured: bool = False
    yields: bool = False


def fit_columns(total: int, fits: list[ColumnFit]) -> list[int]:
    """Column widths (0: left out) that fit ``total`` cells with one space between shown columns."""
    shown = [fit.most > 0 or not fit.drop for fit in fits]

    def needed(favour: bool) -> int:
        widths = [fit.most if favour and fit.favoured else fit.least for fit in fits]
        return sum(w for w, on in zip(widths, shown, strict=True) if on) + max(0, sum(shown) - 1)

    for index in sorted((i for i, fit in enumerate(fits) if fit.drop), key=lambda i: fits[i].drop):
        if shown[index] and needed(fits[index].yields) > total:
            shown[index] = False
    widths = [fit.least if on else 0 for fit, on in zip(fits, shown, strict=True)]
    spare = max(0, total - needed(False))
    for index in sorted(range(len(fits)), key=lambda i: fits[i].grow):
        if shown[index]:
            extra = min(spare, max(0, fits[index].most - widths[index]))
            widths[index] += extra
            spare -= extra
    return widths
