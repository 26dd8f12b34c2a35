"""The API log: method, path, status and latency of recent requests (never a token)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from urllib.parse import urlsplit

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from doover_tui.literal import printable
from doover_tui.request_log import RequestLog

PATH_WIDTH = 70
"""Longer paths are cut in the middle, so both the resource and the query stay readable."""


def path_of(url: str) -> str:
    """The path and query of a URL (the host is the same for every row and shown in the status bar)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis in the middle."""
    if len(text) <= width:
        return text
    keep = width - 1
    return text[: keep - keep // 3] + "…" + text[len(text) - keep // 3 :]


class ApiLogModal(ModalScreen[None]):
    """The request log, newest first; failed attempts are marked.

    | key | action |
    | --- | --- |
    | r | reload the list |
    | escape / q / L | close |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,L", "dismiss", "Close", id="api-log.close"),
        Binding("r", "reload", "Reload", id="api-log.reload"),
    ]

    def __init__(self, request_log: RequestLog) -> None:
        super().__init__(classes="modal")
        self.request_log = request_log

    def compose(self) -> ComposeResult:
        """Title, table, keys."""
        with Vertical(classes="modal-body"):
            yield Static("API log", classes="modal-title", id="api-log-title")
            yield DataTable(id="api-log", cursor_type="row", zebra_stripes=True)
            yield Footer()

    def on_mount(self) -> None:
        """Fill the table."""
        table = self.query_one(DataTable)
        table.add_columns("time", "method", "status", "latency", "try", "path", "error")
        self.action_reload()

    def action_reload(self) -> None:
        """Show the log as it is now."""
        table = self.query_one(DataTable)
        table.clear()
        entries = self.request_log.entries()
        error_style = self.app.theme_variables.get("text-error", "")
        for entry in reversed(entries):
            failed = entry.error is not None or (entry.status or 0) >= 400
            style = error_style if failed else ""
            table.add_row(
                datetime.fromtimestamp(entry.at).strftime("%H:%M:%S"),
                entry.method,
                Text(str(entry.status) if entry.status is not None else "—", style=style),
                Text(f"{entry.latency_ms:,.0f} ms", justify="right"),
                str(entry.attempt),
                Text(shorten(printable(path_of(entry.url)), PATH_WIDTH)),
                Text(printable(entry.error or ""), style=style),
            )
        count = self.request_log.error_count
        self.query_one("#api-log-title", Static).update(
            f"API log · {len(entries)} recent requests · {count} failed attempt{'s' if count != 1 else ''}"
        )
