"""The form for an application's display name and description, with the server's errors beside each field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from doover_tui.api.models import Application
from doover_tui.literal import printable

EDITABLE = ("display_name", "description")
"""The fields the form changes."""
REQUIRED_WORDS = "A display name is required."


class ApplicationFormModal(ModalScreen[dict[str, str] | None]):
    """Edit an application's display name and description; closes with both values, or None.

    | key | action |
    | --- | --- |
    | ctrl+s | preview the change |
    | escape | cancel |
    """

    DEFAULT_CSS = """
    ApplicationFormModal #app-form-description { height: 6; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Preview", id="apps-form.save"),
        Binding("escape", "cancel", "Cancel", id="apps-form.cancel"),
    ]

    def __init__(
        self,
        application: Application,
        values: Mapping[str, str] | None = None,
        errors: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """``values`` restore what was typed before; ``errors`` are the server's, by field name ("" for none)."""
        super().__init__(classes="modal")
        self.application = application
        self.values = dict(values or {"display_name": application.display_name, "description": application.description})
        self.errors = {name: list(messages) for name, messages in (errors or {}).items()}

    def compose(self) -> ComposeResult:
        """Title, the two fields each with its error line, errors for no field, the button."""
        title = f"Edit application: {self.application.display_name or self.application.name}"
        with Vertical(classes="modal-body"):
            yield Static(Text(printable(title), style="bold"), classes="modal-title")
            with VerticalScroll(can_focus=False):
                yield Label("Display name")
                yield Input(self.values.get("display_name", ""), id="app-form-display_name")
                yield Static(self._error_text("display_name"), id="app-form-display_name-error", classes="form-error")
                yield Label("Description")
                yield TextArea(self.values.get("description", ""), id="app-form-description", soft_wrap=True)
                yield Static(self._error_text("description"), id="app-form-description-error", classes="form-error")
            yield Static(self._other_errors(), id="app-form-error", classes="form-error")
            yield Button("Preview (ctrl+s)", id="app-form-save", variant="primary")

    def on_mount(self) -> None:
        """Start in the first field that has an error, else the display name."""
        field = next((name for name in EDITABLE if self.errors.get(name)), "display_name")
        self.query_one(f"#app-form-{field}").focus()

    def _error_text(self, field: str) -> Text:
        return Text("\n".join(printable(message) for message in self.errors.get(field, [])))

    def _other_errors(self) -> Text:
        lines = [
            f"{printable(name) + ': ' if name else ''}{printable(message)}"
            for name, messages in self.errors.items()
            if name not in EDITABLE
            for message in messages
        ]
        return Text("\n".join(lines))

    @on(Input.Submitted)
    @on(Button.Pressed, "#app-form-save")
    def action_save(self) -> None:
        """Close with the values typed (the screen previews them before anything is sent)."""
        display_name = self.query_one("#app-form-display_name", Input).value
        description = self.query_one("#app-form-description", TextArea).text
        if not display_name.strip():  # checked here: the server would only refuse it after the preview
            self.query_one("#app-form-display_name-error", Static).update(Text(REQUIRED_WORDS))
            self.query_one("#app-form-display_name", Input).focus()
            return
        self.dismiss({"display_name": display_name, "description": description})

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)
