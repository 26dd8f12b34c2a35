"""A modal showing how one message's data differs from the message before it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from doover_tui.json_diff import diff_lines, summary_of_changes
from doover_tui.literal import printable

LINE_STYLES = {"+": "text-success", "-": "text-error"}
"""Theme variables for added and removed lines (unchanged lines keep the default style)."""


def diff_text(app: App[Any], lines: Iterable[tuple[str, str]], *, changes_only: bool = False) -> Text:
    """Diff lines as ``+``/``-`` coloured text; with ``changes_only``, the unchanged lines are left out."""
    variables = app.theme_variables
    body = Text()
    for tag, line in lines:
        if changes_only and tag == " ":
            continue
        style = LINE_STYLES.get(tag)
        body.append(f"{tag} {printable(line)}\n", style=variables.get(style, "") if style else "")
    return body


class DiffModal(ModalScreen[None]):
    """A line diff of two JSON documents (older → newer), with a one-line summary.

    | key | action |
    | --- | --- |
    | escape / q | close |
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "dismiss", "Close", id="diff.close")]

    def __init__(self, title: str, old: Any, new: Any) -> None:
        super().__init__(classes="modal")
        self.diff_title = title
        self.old = old
        self.new = new

    def compose(self) -> ComposeResult:
        """Title, summary, the diff."""
        body = diff_text(self.app, diff_lines(self.old, self.new))
        with Vertical(classes="modal-body"):
            yield Static(Text(printable(self.diff_title), style="bold"), classes="modal-title")
            yield Static(Text(summary_of_changes(self.old, self.new)), classes="modal-help")
            with VerticalScroll():
                yield Static(body, id="diff-text")
            yield Footer()
