"""A modal question answered with one key: confirmations and small choices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from doover_tui.literal import printable


class ChoiceModal(ModalScreen[str | None]):
    """Asks ``question`` and dismisses with the key of the choice pressed, or None on escape.

    The keys are the caller's: a confirmation is built with a key that differs from the one
    that asked, so a double press never confirms by accident.

    | key | action |
    | --- | --- |
    | (each choice's key) | answer |
    | escape | cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="choice.cancel")]

    def __init__(self, title: str, question: str, choices: Sequence[tuple[str, str]]) -> None:
        super().__init__(classes="modal")
        self.question_title = title
        self.question = question
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        """Title, question, one line per choice."""
        with Vertical(classes="modal-body -small"):
            yield Static(Text(printable(self.question_title), style="bold"), classes="modal-title")
            yield Static(Text("\n".join(printable(line) for line in self.question.splitlines())))
            keys = Text()
            for key, label in self.choices:
                keys.append(f" {key} ", style="reverse")
                keys.append(f" {label}   ")
            keys.append(" esc ", style="reverse")
            keys.append(" cancel")
            yield Static(keys, classes="modal-keys")

    def on_key(self, event: events.Key) -> None:
        """Answer with the choice whose key was pressed."""
        event.stop()
        for key, _label in self.choices:
            if event.key == key or event.character == key:
                self.dismiss(key)
                return
        if event.key == "escape":
            self.dismiss(None)
            return
        # Any other key is neither an answer nor a way out: it must not reach the screens behind.
        event.prevent_default()
        self.app.bell()

    def action_cancel(self) -> None:
        """No answer."""
        self.dismiss(None)
