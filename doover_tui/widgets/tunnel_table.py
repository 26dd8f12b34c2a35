"""The tunnels table: one row per tunnel with its target, endpoint, state, timeout, IP restriction and local port."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message

from doover_tui.api.models import Tunnel
from doover_tui.literal import printable
from doover_tui.tunnel_rules import TunnelState
from doover_tui.widgets.row_list import Column, RowList

COLUMNS = (
    Column("Name", width=16),
    Column("Device"),
    Column("Target", width=18),
    Column("Proto", width=5),
    Column("Public endpoint"),
    Column("State", width=8),
    Column("Timeout", width=7, justify="right"),
    Column("IP restriction", width=15),
    Column("Local", width=7),
)


@dataclass(frozen=True, slots=True)
class TunnelRow:
    """A tunnel as the table shows it.

    Attributes:
        tunnel: the tunnel as last read.
        state: ACTIVE, INACTIVE, or PENDING while a toggle awaits confirmation.
        local: the local end opened through doover-tunnel (``:PORT``, ``opening``), or "".
    """

    tunnel: Tunnel
    state: TunnelState
    local: str = ""


def restriction_words(tunnel: Tunnel) -> str:
    """Who may connect: ``any IP``, the one allowed address or range, or how many there are."""
    if not tunnel.ip_restricted:
        return "any IP"
    allowed = tunnel.ip_whitelist
    if not allowed:
        return "restricted: none"
    return allowed[0] if len(allowed) == 1 else f"{len(allowed)} ranges"


class TunnelTable(RowList[TunnelRow]):
    """Tunnels in fixed columns; device-supplied text is shown literally.

    | key | action |
    | --- | --- |
    | up/down, g/G | move |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Details", show=False, id="tunnel-table.choose"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "tunnel-table--active",
        "tunnel-table--inactive",
        "tunnel-table--pending",
    }
    DEFAULT_CSS = """
    TunnelTable > .tunnel-table--active { color: $text-success; text-style: bold; }
    TunnelTable > .tunnel-table--inactive { color: $text-muted; }
    TunnelTable > .tunnel-table--pending { color: $text-warning; text-style: bold italic; }
    """

    @dataclass
    class TunnelHighlighted(Message):
        """The cursor moved to a tunnel."""

        tunnel_table: TunnelTable
        """The table that posted this."""
        tunnel: Tunnel
        """The tunnel under the cursor."""

        @property
        def control(self) -> TunnelTable:
            """The table that posted this."""
            return self.tunnel_table

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(COLUMNS, name=name, id=id, classes=classes)

    @property
    def tunnel(self) -> Tunnel | None:
        """The tunnel under the cursor."""
        row = self.cursor_row
        return row.tunnel if row is not None else None

    @property
    def tunnel_rows(self) -> Sequence[TunnelRow]:
        """The rows shown, in order."""
        return self.rows

    def row_of(self, tunnel_id: str) -> TunnelRow | None:
        """The row of a tunnel, if it is shown."""
        index = self.index_of(tunnel_id)
        return self.rows[index] if index is not None else None

    def show(self, rows: Sequence[TunnelRow]) -> None:
        """Show these rows (sorted by device, then name), keeping the cursor on the same tunnel."""
        ordered = sorted(rows, key=lambda row: (row.tunnel.device_name.casefold(), row.tunnel.name.casefold()))
        self.set_rows(ordered)

    def row_key(self, row: TunnelRow) -> Hashable:
        """Tunnels are keyed by id."""
        return row.tunnel.id

    def row_is_heading(self, row: TunnelRow) -> bool:
        """No headings here."""
        return False

    def row_cells(self, row: TunnelRow) -> Sequence[Text]:
        """The cells of a row, every device-supplied string made printable."""
        tunnel = row.tunnel
        state_class = f"tunnel-table--{row.state.value.lower()}"
        timeout = "–" if tunnel.timeout is None else str(tunnel.timeout)
        return [
            Text(printable(tunnel.name)),
            Text(printable(tunnel.device_name or tunnel.device_id)),
            Text(printable(tunnel.target)),
            Text(printable(tunnel.protocol)),
            Text(printable(tunnel.endpoint) or "–"),
            Text(row.state.value, style=self.get_component_rich_style(state_class, partial=True)),
            Text(timeout),
            Text(printable(restriction_words(tunnel))),
            Text(printable(row.local)),
        ]

    def cursor_moved(self, index: int) -> None:
        """Say which tunnel the cursor is on."""
        self.post_message(self.TunnelHighlighted(self, self.rows[index].tunnel))

    def row_chosen(self, index: int) -> None:
        """Enter says the same as a move: the screen shows the tunnel's details either way."""
        self.cursor_moved(index)
