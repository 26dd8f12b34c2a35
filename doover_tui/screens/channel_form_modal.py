"""A form for a channel's settings: name, privacy and optional JSON schemas (create or replace)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import orjson
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static, TextArea

from doover_tui.api.models import Channel
from doover_tui.jsonedit import pretty
from doover_tui.literal import printable


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """What the form produces."""

    name: str
    is_private: bool
    message_schema: dict[str, Any] | None
    aggregate_schema: dict[str, Any] | None


def parse_schema(text: str, what: str) -> dict[str, Any] | None:
    """An optional JSON Schema typed into the form (blank means none).

    Raises:
        ValueError: not JSON, not an object, or not a valid JSON Schema; the message says where.
    """
    if not text.strip():
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{what}: not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ValueError(f"{what}: a schema is a JSON object")
    import jsonschema  # only when a schema is typed: it is slow to import

    try:
        jsonschema.validators.validator_for(value).check_schema(value)
    except jsonschema.SchemaError as exc:
        location = "/".join(str(part) for part in exc.path) or "(top)"
        raise ValueError(f"{what}: not a valid JSON Schema at {location}: {exc.message}") from None
    return value


def validate_name(name: str) -> str | None:
    """Why a channel name cannot be used, or None when it can."""
    if not name:
        return "a channel needs a name"
    if "/" in name or any(char.isspace() for char in name):
        return "a channel name has no spaces or slashes"
    return None


class ChannelFormModal(ModalScreen[ChannelSettings | None]):
    """New channel (``existing`` None) or a channel's settings to replace; checked before it closes.

    | key | action |
    | --- | --- |
    | ctrl+s | save |
    | escape | cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="channel-form.save"),
        Binding("escape", "cancel", "Cancel", id="channel-form.cancel"),
    ]

    def __init__(self, agent_label: str, existing: Channel | None = None) -> None:
        super().__init__(classes="modal")
        self.agent_label = agent_label
        self.existing = existing

    def on_mount(self) -> None:
        """Start in the first field that can change (the name of an existing channel cannot)."""
        self.query_one("#channel-private" if self.existing else "#channel-name").focus()

    def compose(self) -> ComposeResult:
        """The fields, an error line and the buttons."""
        existing = self.existing
        title = f"Channel settings: {existing.name}" if existing else f"New channel on {self.agent_label}"
        with Vertical(classes="modal-body"):
            yield Static(Text(printable(title), style="bold"), classes="modal-title")
            with VerticalScroll(can_focus=False):
                yield Label("Name")
                yield Input(value=existing.name if existing else "", id="channel-name", disabled=existing is not None)
                yield Checkbox("Private", value=bool(existing and existing.is_private), id="channel-private")
                yield Label("Message schema (JSON, optional)")
                yield TextArea(_schema_text(existing.message_schema if existing else None), id="message-schema")
                yield Label("Aggregate schema (JSON, optional)")
                yield TextArea(_schema_text(existing.aggregate_schema if existing else None), id="aggregate-schema")
            yield Static("", id="channel-form-error", classes="form-error")
            yield Button("Save (ctrl+s)", id="channel-form-save", variant="primary")

    @on(Button.Pressed, "#channel-form-save")
    def action_save(self) -> None:
        """Check every field; close with the settings, or say what is wrong and stay open."""
        name = self.query_one("#channel-name", Input).value.strip()
        try:
            problem = validate_name(name)
            if problem:
                raise ValueError(problem)
            message_schema = parse_schema(self.query_one("#message-schema", TextArea).text, "message schema")
            aggregate_schema = parse_schema(self.query_one("#aggregate-schema", TextArea).text, "aggregate schema")
        except ValueError as exc:
            self.query_one("#channel-form-error", Static).update(Text(printable(str(exc))))
            return
        private = self.query_one("#channel-private", Checkbox).value
        self.dismiss(ChannelSettings(name, private, message_schema, aggregate_schema))

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)


def _schema_text(schema: dict[str, Any] | None) -> str:
    return pretty(schema) if schema is not None else ""
