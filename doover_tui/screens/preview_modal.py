"""The preview shown before anything is written: mode, what changes, and the exact body to send."""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from doover_tui.edit_preview import Preview
from doover_tui.literal import printable
from doover_tui.screens.diff_modal import diff_text

PreviewAnswer = Literal["send", "toggle-mode", "drop-nulls"]
MODE_WORDS = {"patch": "PATCH (merge)", "put": "PUT (replace)"}


class PreviewModal(ModalScreen[PreviewAnswer | None]):
    """What will be sent, confirmed with ``y`` (never the key that opened it).

    | key | action |
    | --- | --- |
    | y | send |
    | m | switch between PATCH (merge) and PUT (replace) |
    | n | drop the nulls (PATCH cannot store them) |
    | escape | back to editing |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer('send')", "Send", id="preview.send"),
        Binding("m", "answer('toggle-mode')", "PATCH/PUT", id="preview.toggle-mode"),
        Binding("n", "answer('drop-nulls')", "Drop nulls", id="preview.drop-nulls"),
        Binding("escape", "answer('')", "Back to editing", id="preview.back"),
    ]

    def __init__(self, title: str, preview: Preview) -> None:
        super().__init__(classes="modal")
        self.preview_title = title
        self.preview = preview

    def compose(self) -> ComposeResult:
        """Mode, summary, null warning, the diff."""
        preview = self.preview
        with Vertical(classes="modal-body"):
            yield Static(Text(printable(self.preview_title), style="bold"), classes="modal-title")
            mode = Text(f" {MODE_WORDS[preview.mode]} ", style="bold reverse")
            yield Static(Text.assemble(mode, "  ", printable(preview.summary)), id="preview-mode")
            if preview.null_paths:
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
                yield Static(self._diff(), id="preview-diff")
            yield Footer()

    def _diff(self) -> Text:
        if self.preview.unchanged:
            return Text("Nothing changes: the edited document equals the current one.")
        return diff_text(self.app, self.preview.diff, changes_only=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dropping nulls only means something when there are some; sending needs a change."""
        if action == "answer" and parameters == ("drop-nulls",):
            return bool(self.preview.null_paths)
        if action == "answer" and parameters == ("send",):
            return not self.preview.unchanged
        return True

    def action_answer(self, answer: str) -> None:
        """Close with the answer ('' is back to editing)."""
        self.dismiss(answer or None)  # type: ignore[arg-type]

    def on_key(self, event: events.Key) -> None:
        """Keys that mean nothing here must not reach the editor underneath."""
        if event.key not in ("y", "m", "n", "escape", "up", "down", "pageup", "pagedown"):
            event.stop()
