"""The preview shown before anything is written: the request, what changes, and the exact body to send."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from doover_tui.edit_preview import Preview
from doover_tui.jsonedit import pretty
from doover_tui.literal import printable
from doover_tui.screens.diff_modal import diff_text

PreviewAnswer = Literal["send", "toggle-mode", "drop-nulls"]
MODE_WORDS = {"patch": "PATCH (merge)", "put": "PUT (replace)"}


class PreviewModal(ModalScreen[PreviewAnswer | None]):
    """What will be sent, confirmed with ``y`` (never the key that opened it).

    An aggregate write shows how the aggregate changes, a message only its body; ``b``
    shows the exact request body either way.

    | key | action |
    | --- | --- |
    | y | send |
    | b | the request body / the changes |
    | m | switch between PATCH (merge) and PUT (replace) |
    | n | drop the nulls (PATCH cannot store them) |
    | escape | back to editing |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer('send')", "Send", id="preview.send"),
        Binding("b", "toggle_body", "Body/changes", id="preview.body"),
        Binding("m", "answer('toggle-mode')", "PATCH/PUT", id="preview.toggle-mode"),
        Binding("n", "answer('drop-nulls')", "Drop nulls", id="preview.drop-nulls"),
        Binding("escape", "answer('')", "Back to editing", id="preview.back"),
    ]

    def __init__(self, title: str, request: str, body: Any, preview: Preview | None = None) -> None:
        """``request`` is the method and path with query; ``preview`` is None for a message."""
        super().__init__(classes="modal")
        self.preview_title = title
        self.request = request
        self.body = body
        self.preview = preview
        self.showing_body = preview is None

    def compose(self) -> ComposeResult:
        """Mode and summary, the request line, null warning, the diff or the body."""
        preview = self.preview
        with Vertical(classes="modal-body"):
            yield Static(Text(printable(self.preview_title), style="bold"), classes="modal-title")
            if preview is not None:
                mode = Text(f" {MODE_WORDS[preview.mode]} ", style="bold reverse")
                yield Static(Text.assemble(mode, "  ", preview.changes), id="preview-mode")
            yield Static(Text(printable(self.request), style="dim"), id="preview-request")
            if preview is not None and preview.null_paths:
                paths = ", ".join(printable(path) for path in preview.null_paths[:8])
                yield Static(
                    Text(
                        f"A PATCH cannot store null (null deletes the key): {paths}. "
                        "Press m to send a PUT instead, or n to drop the nulls.",
                    ),
                    id="preview-nulls",
                    classes="form-error",
                )
            with VerticalScroll():
                yield Static(self._shown(), id="preview-diff")
            yield Footer()

    def _shown(self) -> Text:
        if self.showing_body or self.preview is None:
            lines = "\n".join(printable(line) for line in pretty(self.body).splitlines())
            return Text.assemble(("request body:\n", "bold"), lines)
        if self.preview.unchanged:
            return Text("Nothing changes: the edited document equals the current one.")
        return diff_text(self.app, self.preview.diff, changes_only=True)

    def action_toggle_body(self) -> None:
        """Show the exact request body, or how the aggregate changes."""
        self.showing_body = not self.showing_body
        self.query_one("#preview-diff", Static).update(self._shown())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dropping nulls only means something when there are some; sending needs a change."""
        preview = self.preview
        if action == "toggle_body":
            return preview is not None
        if action == "answer" and parameters in (("drop-nulls",), ("toggle-mode",)) and preview is None:
            return False  # a message has no mode and no merge
        if action == "answer" and parameters == ("drop-nulls",):
            return preview is not None and bool(preview.null_paths)
        if action == "answer" and parameters == ("send",):
            return preview is None or not preview.unchanged
        return True

    def action_answer(self, answer: str) -> None:
        """Close with the answer ('' is back to editing)."""
        self.dismiss(answer or None)  # type: ignore[arg-type]

    def on_key(self, event: events.Key) -> None:
        """Keys that mean nothing here must not reach the editor underneath."""
        if event.key not in ("y", "b", "m", "n", "escape", "up", "down", "pageup", "pagedown"):
            event.stop()
