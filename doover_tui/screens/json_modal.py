"""A modal that shows one JSON document in full (a message's data), read-only and scrollable."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea

from doover_tui.jsonedit import pretty
from doover_tui.literal import printable

WRAP_MAX_LINE = 10_000
"""Lines up to this long are wrapped; a longer one turns wrapping off (horizontal scroll reaches its end)."""


def pretty_json(value: Any) -> str:
    """Indented JSON with every line made safe to show (escape sequences and bidi controls visible)."""
    return "\n".join(printable(line) for line in pretty(value).splitlines())


class JsonModal(ModalScreen[None]):
    """The whole of a document, with line numbers; `c` copies it.

    | key | action |
    | --- | --- |
    | escape / q | close |
    | c | copy the JSON |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close", id="json.close"),
        Binding("c", "copy", "Copy", id="json.copy"),
    ]

    def __init__(self, title: str, value: Any) -> None:
        super().__init__(classes="modal")
        self.document_title = title
        self.value = value

    def compose(self) -> ComposeResult:
        """Title, the text, keys."""
        with Vertical(classes="modal-body"):
            yield Static(Text(printable(self.document_title), style="bold"), classes="modal-title")
            text = pretty_json(self.value)
            # Soft-wrapping a megabyte-long line takes seconds; wrap only documents whose lines are all short.
            wrap = max(map(len, text.split("\n"))) <= WRAP_MAX_LINE
            yield TextArea(text, read_only=True, show_line_numbers=True, soft_wrap=wrap, id="json-text")
            yield Footer()

    def action_copy(self) -> None:
        """Copy the document as JSON."""
        text = pretty(self.value)
        self.app.copy_to_clipboard(text)
        self.notify(f"copied {len(text):,} characters of JSON", markup=False)
