"""A modal for an error the user must read: a title, the full text (scrollable), and a copy key."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from doover_tui.literal import printable


class ErrorModal(ModalScreen[None]):
    """Shows ``title`` and ``detail`` literally until dismissed.

    | key | action |
    | --- | --- |
    | escape / enter | close |
    | c | copy the text |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "dismiss", "Close", id="error.close"),
        Binding("c", "copy", "Copy", id="error.copy"),
    ]

    def __init__(self, title: str, detail: str) -> None:
        super().__init__(classes="modal")
        self.error_title = title
        self.detail = detail

    def compose(self) -> ComposeResult:
        """Title, scrollable text, keys."""
        with Vertical(classes="modal-body -error"):
            yield Static(Text(printable(self.error_title), style="bold"), classes="modal-title")
            with VerticalScroll():
                lines = [printable(line) for line in self.detail.splitlines()] or [""]
                yield Static(Text("\n".join(lines)))
            yield Footer()

    def action_copy(self) -> None:
        """Copy the title and text (and say so, for terminals without clipboard support)."""
        self.app.copy_to_clipboard(f"{self.error_title}\n{self.detail}")
        self.notify("error text copied", markup=False)
