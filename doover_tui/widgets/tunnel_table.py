"""The tunnels table: one row per tunnel with its target, endpoint, state, timeout, IP restriction and local port."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message

from doover_tui.api.models import Tunnel
from doover_tui.literal import printable
from doover_tui.tunnel_rules import ColumnFit, TunnelState, fit_columns
from doover_tui.widgets.row_list import Column, RowList

COLUMNS = (
    Column("Name"),
    Column("Device"),
    Column("Target"),
    Column("Proto"),
    Column("Public endpoint"),
    Column("State"),
    Column("Timeout", justify="right"),
    Column("IP restriction"),
    Column("Local"),
)
"""Widths come from ``fits``: Name, State, Target and Endpoint stay; Timeout, IP restriction, Device go first."""


def fits(needs: Sequence[int]) -> list[ColumnFit]:
    """How each column gives way, given the widest cell of each (Local is left out while nothing is open)."""
    name, device, target, _, endpoint, _, _, allowed, local = needs
    return [
        ColumnFit(least=min(10, name), most=_clamp(name, 4, 24), grow=1),
        ColumnFit(least=8, most=_clamp(device, 6, 24), drop=3, grow=3, yields=True),
        ColumnFit(least=_clamp(target, 6, 21), most=_clamp(target, 6, 24), grow=2),
        ColumnFit(least=5, most=5, drop=4),
        ColumnFit(least=16, most=_clamp(endpoint, 15, 80), grow=0, favoured=True),
        ColumnFit(least=8, most=8),
        ColumnFit(least=7, most=7, drop=1, yields=True),
        ColumnFit(least=10, most=_clamp(allowed, 14, 20), drop=2, grow=4, yields=True),
        ColumnFit(least=7 if local else 0, most=7 if local else 0, drop=5),
    ]


def _clamp(value: int, lowest: int, highest: int) -> int:
    return max(lowest, min(highest, value))


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
    | enter | every field of the tunnel (``TunnelChosen``) |
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

    @dataclass
    class TunnelChosen(TunnelHighlighted):
        """Enter or a click chose a tunnel."""

    CLICK_CHOOSES: ClassVar[bool] = False
    """A click only moves the cursor; a double click shows every field, as enter does."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(COLUMNS, name=name, id=id, classes=classes)
        self._needs: list[int] = [0] * len(COLUMNS)
        self._widths: dict[int, list[int]] = {}

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
        """Show these rows (sorted by device, then name), keeping the cursor on the same tunnel, or its place."""
        ordered = sorted(rows, key=lambda row: (row.tunnel.device_name.casefold(), row.tunnel.name.casefold()))
        needs = [0] * len(COLUMNS)
        for row in ordered:
            needs = [max(need, cell_len(cell.plain)) for need, cell in zip(needs, self.row_cells(row), strict=True)]
        self._needs, self._widths = needs, {}
        old_index, old = self.cursor_index, self.tunnel
        self.set_rows(ordered)
        if old is not None and ordered and self.index_of(old.id) is None:
            # the tunnel under the cursor went (deleted): stay at its place, on the one that took it
            self.select_key(ordered[min(old_index, len(ordered) - 1)].tunnel.id)

    def column_widths(self, total: int) -> list[int]:
        """The columns that fit ``total`` cells, the most important kept and widened first (0: left out)."""
        widths = self._widths.get(total)
        if widths is None:
            widths = self._widths[total] = fit_columns(total, fits(self._needs))
        return widths

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
        """Say which tunnel was chosen."""
        self.post_message(self.TunnelChosen(self, self.rows[index].tunnel))
