"""Words of the tunnels screen: the detail lines, confirmation questions and notes (device text made printable)."""

from __future__ import annotations

from rich.text import Text

from doover_tui.api.models import Agent, Tunnel
from doover_tui.literal import printable
from doover_tui.tunnel_process import LocalTunnel
from doover_tui.tunnel_rules import TunnelState
from doover_tui.widgets.tunnel_table import restriction_words

DEVICE_TYPES = ("device", "")
"""Agent types that can have tunnels (an empty type: the server did not say, so let it decide)."""


def label_of(tunnel: Tunnel) -> str:
    """``name`` on ``device``, printable."""
    return printable(f"{tunnel.name} on {tunnel.device_name or tunnel.device_id}")


def local_words(local: LocalTunnel | None) -> str:
    """The table's Local cell: ``:PORT`` once reported, ``opening`` before."""
    if local is None:
        return ""
    return f":{local.port}" if local.port is not None else "opening"


def detail(tunnel: Tunnel | None, state: TunnelState | None, local: LocalTunnel | None, *, writable: bool) -> Text:
    """Three lines about the highlighted tunnel (its full endpoint, restriction and local end).

    The keys named are the ones that work: a read-only session names no write (nor ``o``, which may activate).
    """
    if tunnel is None or state is None:
        keys = "n new · a all devices / this agent · r reload" if writable else "a all devices / this agent · r reload"
        return Text(f"No tunnel highlighted.  {keys}")
    lines = Text()
    lines.append(printable(tunnel.name), style="bold")
    lines.append(f" · {printable(tunnel.device_name or tunnel.device_id)}")
    lines.append(f" · {printable(tunnel.protocol)} {printable(tunnel.target)} → {printable(tunnel.endpoint) or '–'}\n")
    lines.append(state.value, style="bold")
    timeout = "–" if tunnel.timeout is None else str(tunnel.timeout)
    lines.append(f" · timeout {timeout}")
    if tunnel.ip_restricted:
        lines.append(f" · allowed: {printable(', '.join(tunnel.ip_whitelist) or 'nobody')}")
    else:
        lines.append(f" · {restriction_words(tunnel)}")
    if tunnel.username:
        lines.append(f" · user {printable(tunnel.username)}")
    lines.append("\n")
    if local is None:
        lines.append("o opens it locally through doover-tunnel" if writable else "read-only: c copies the endpoint")
        lines.append(" · ⏎ every field")
    elif local.port is None:
        lines.append("starting doover-tunnel…")
    else:
        lines.append(f"open locally at localhost:{local.port} (o closes it)", style="bold")
    return lines


def activation_question(tunnel: Tunnel) -> str:
    """What activating exposes, to be confirmed (device text made printable, so it stays on its lines)."""
    allowed = printable(", ".join(tunnel.ip_whitelist)) or "no address (restricted with an empty list)"
    who = f"only from {allowed}" if tunnel.ip_restricted else "from ANY IP address"
    return (
        f"Activate {printable(tunnel.name)}?\n"
        f"It exposes {printable(tunnel.protocol)} {printable(tunnel.target)} "
        f"on {printable(tunnel.device_name or tunnel.device_id)}\n"
        f"at the public endpoint {printable(tunnel.endpoint) or '(assigned by the service)'},\n"
        f"reachable {who}."
    )


def delete_question(tunnel: Tunnel) -> str:
    """What deleting removes, to be confirmed."""
    return (
        f"Delete the tunnel {printable(tunnel.name)} ({printable(tunnel.protocol)} {printable(tunnel.target)}) "
        f"on {printable(tunnel.device_name or tunnel.device_id)}?\n"
        "Its endpoint stops working and the tunnel cannot be brought back."
    )


def device_for_new(agent: Agent | None, highlighted: Tunnel | None) -> tuple[str, str] | str:
    """The device (id, label) a new tunnel goes on: the agent's, else the highlighted tunnel's; or why there is none."""
    if agent is not None:
        if agent.type in DEVICE_TYPES:
            return agent.id, agent.label
        return f"{printable(agent.label)} is a {printable(agent.type)} agent: tunnels belong to devices"
    if highlighted is not None:
        return highlighted.device_id, highlighted.device_name or highlighted.device_id
    return "choose a device in the browser first (press 1)"


def gave_up(tunnel: Tunnel, want: bool, seconds: float) -> str:
    """The note when a toggle was not confirmed within the bound."""
    wanted = "ACTIVE" if want else "INACTIVE"
    now = "ACTIVE" if tunnel.is_active else "INACTIVE"
    return (
        f"{label_of(tunnel)} did not become {wanted} within {seconds:g} s; last read, it is {now}. "
        "The device may be offline or busy: r re-reads, t tries again."
    )
