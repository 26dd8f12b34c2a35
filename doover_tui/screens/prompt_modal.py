"""A modal one-line prompt (field filters, paths): enter answers, escape cancels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from doover_tui.literal import printable


class PromptModal(ModalScreen[str | None]):
    """Asks for one line of text; dismisses with it (possibly empty) or None on escape.

    | key | action |
    | --- | --- |
    | enter | answer |
    | right | accept the suggestion |
    | escape | cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(
        self,
        title: str,
        help_text: str = "",
        *,
        value: str = "",
        placeholder: str = "",
        suggestions: Sequence[str] = (),
    ) -> None:
        super().__init__(classes="modal")
        self.prompt_title = title
        self.help_text = help_text
        self.value = value
        self.placeholder = placeholder
        self.suggestions = list(suggestions)

    def compose(self) -> ComposeResult:
        """Title, help, the input."""
        with Vertical(classes="modal-body -small"):
            yield Static(Text(printable(self.prompt_title), style="bold"), classes="modal-title")
            if self.help_text:
                yield Static(Text(self.help_text), classes="modal-help")
            suggester = SuggestFromList(self.suggestions, case_sensitive=False) if self.suggestions else None
            yield Input(value=self.value, placeholder=self.placeholder, suggester=suggester, id="prompt-input")

    @on(Input.Submitted)
    def answer(self, event: Input.Submitted) -> None:
        """Enter: dismiss with the text."""
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Escape: no answer."""
        self.dismiss(None)
