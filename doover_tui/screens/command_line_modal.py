"""The ``:`` command line: one input docked at the bottom of the screen."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input

from doover_tui.command_line import suggestions


class CommandLineModal(ModalScreen[str | None]):
    """Dismisses with the typed command (without the colon), or None on escape.

    | key | action |
    | --- | --- |
    | enter | run |
    | right | accept the completion |
    | escape | cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="command-line.cancel")]

    def compose(self) -> ComposeResult:
        """The input."""
        yield Input(
            placeholder="agent NAME · channel NAME · apps · tunnels · log · theme NAME · q",
            suggester=SuggestFromList(suggestions(), case_sensitive=False),
            id="command-line",
        )

    def on_mount(self) -> None:
        """Show what this is."""
        self.query_one(Input).border_title = ":"

    @on(Input.Submitted)
    def run(self, event: Input.Submitted) -> None:
        """Enter: hand the command to the app."""
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Escape: nothing."""
        self.dismiss(None)
