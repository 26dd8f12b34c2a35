"""The new/edit tunnel form: checked before anything is sent, with the server's field errors shown beside the fields."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static
from textual.worker import Worker

from doover_tui.api.errors import BadRequestError, DooverError
from doover_tui.api.models import Tunnel
from doover_tui.literal import printable
from doover_tui.screens.worker_errors import notify_failure, report_failed_worker
from doover_tui.tunnel_rules import (
    FORM_FIELDS,
    PROTOCOLS,
    FormErrors,
    FormInput,
    changes,
    form_field_of,
    form_of,
    validate,
)

Submit = Callable[[dict[str, Any]], Awaitable[Tunnel | None]]
"""Sends the checked body (all fields for a new tunnel, the changed ones for an edit); raises DooverError."""

LABELS = {
    "name": "Name",
    "hostname": "Target hostname or IP (on the device's side)",
    "port": "Target port (1–65535)",
    "protocol": "Protocol",
    "username": "Username (optional; used in the ssh command)",
    "timeout": "Timeout (as the API counts it; 15 is the usual)",
    "ip_whitelist": "Allowed IPs / CIDR ranges (comma or space separated)",
}


class TunnelFormModal(ModalScreen[Tunnel | None]):
    """A new tunnel (``existing`` None) or an existing one's editable fields.

    Closes with the tunnel the server returned, or None when cancelled (or nothing changed).

    | key | action |
    | --- | --- |
    | ctrl+s | check and save |
    | escape | cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="tunnel-form.save"),
        Binding("escape", "cancel", "Cancel", id="tunnel-form.cancel"),
    ]

    DEFAULT_CSS = """
    TunnelFormModal .field-error { color: $text-error; height: auto; }
    TunnelFormModal #tunnel-protocol { width: 24; }
    """

    def __init__(self, title: str, submit: Submit, existing: Tunnel | None = None) -> None:
        super().__init__(classes="modal")
        self.form_title = title
        self.submit = submit
        self.existing = existing
        self.sent = 0
        """Requests sent from this form (a form that fails its checks sends none)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is reported."""
        report_failed_worker(self, event)

    def compose(self) -> ComposeResult:
        """Every field with a line for its error under it, a general error line, the button."""
        start = form_of(self.existing) if self.existing else FormInput()
        with Vertical(classes="modal-body"):
            yield Static(Text(printable(self.form_title), style="bold"), classes="modal-title")
            with VerticalScroll(can_focus=False):
                yield from _text_field("name", start.name)
                yield from _text_field("hostname", start.hostname)
                yield from _text_field("port", start.port)
                yield from self._protocol_field(start.protocol)
                yield from _text_field("username", start.username)
                yield from _text_field("timeout", start.timeout)
                yield Checkbox(
                    "Restrict to the allowed IPs below", value=start.ip_restricted, id="tunnel-ip_restricted"
                )
                yield _error_line("ip_restricted")
                yield from _text_field("ip_whitelist", start.ip_whitelist, placeholder="203.0.113.7, 198.51.100.0/24")
            yield Static("", id="tunnel-form-error", classes="form-error")
            yield Button("Save (ctrl+s)", id="tunnel-form-save", variant="primary")

    def _protocol_field(self, protocol: str) -> ComposeResult:
        yield Label(LABELS["protocol"] + (" (fixed once created)" if self.existing else ""))
        options = [(name, name) for name in PROTOCOLS]
        if protocol not in PROTOCOLS:  # an unknown protocol from the server is still shown as it is
            options.append((printable(protocol), protocol))
        yield Select(options, value=protocol, allow_blank=False, id="tunnel-protocol", disabled=bool(self.existing))
        yield _error_line("protocol")

    def on_mount(self) -> None:
        """Start in the name field."""
        self.query_one("#tunnel-name", Input).focus()

    def form_input(self) -> FormInput:
        """The fields as typed."""
        typed = {field: self.query_one(f"#tunnel-{field}", Input).value for field in LABELS if field != "protocol"}
        protocol = self.query_one("#tunnel-protocol", Select).value
        return FormInput(
            **typed,
            protocol=protocol if isinstance(protocol, str) else "",
            ip_restricted=self.query_one("#tunnel-ip_restricted", Checkbox).value,
        )

    def show_errors(self, errors: Mapping[str, str], general: str = "") -> None:
        """Put each problem beside its field (clearing the others) and ``general`` under the form."""
        for field in FORM_FIELDS:
            line = self.query_one(f"#tunnel-{field}-error", Static)
            line.update(Text(printable(errors.get(field, ""))))
            line.display = field in errors
        self.query_one("#tunnel-form-error", Static).update(Text(printable(general)))
        first = next((field for field in FORM_FIELDS if field in errors), None)
        if first is not None and first != "protocol":
            self.query_one(f"#tunnel-{first}").focus()

    @on(Button.Pressed, "#tunnel-form-save")
    def action_save(self) -> None:
        """Check every field; send when they all pass, else say what is wrong (and send nothing)."""
        try:
            body = validate(self.form_input())
        except FormErrors as exc:
            self.show_errors(exc.errors, "nothing was sent: fix the fields marked above")
            return
        if self.existing is not None:
            body = changes(self.existing, body)
            if not body:
                self.notify("nothing changed", markup=False)
                self.dismiss(None)
                return
        self.show_errors({}, "saving…")
        self.send(body)

    @work(exclusive=True, group="tunnel-form", exit_on_error=False, description="save tunnel")
    async def send(self, body: dict[str, Any]) -> None:
        """Send the body; close with the result, or stay open showing what the server said."""
        self.sent += 1
        try:
            tunnel = await self.submit(body)
        except BadRequestError as exc:
            self.show_server_errors(exc)
            return
        except DooverError as exc:
            self.show_errors({}, f"{exc.title}: {exc.detail}")
            notify_failure(self, exc)
            return
        self.dismiss(tunnel)

    def show_server_errors(self, error: BadRequestError) -> None:
        """DRF field errors beside their fields; the rest (``detail``, other fields) under the form."""
        beside: dict[str, str] = {}
        elsewhere: list[str] = []
        for path, messages in error.field_errors.items():
            field = form_field_of(path)
            if field is None:
                elsewhere.append(f"{path}: {' '.join(messages)}")
            else:
                beside[field] = " ".join([beside[field], *messages]) if field in beside else " ".join(messages)
        if not error.field_errors:
            elsewhere.append(error.detail)
        others = "; ".join(elsewhere)
        if beside:
            general = "the server refused it: see the fields marked above" + (f"; {others}" if others else "")
        else:
            general = f"the server refused it: {others}"
        self.show_errors(beside, general)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)


def _text_field(field: str, value: str, placeholder: str = "") -> ComposeResult:
    yield Label(LABELS[field])
    yield Input(value=value, placeholder=placeholder, id=f"tunnel-{field}")
    yield _error_line(field)


def _error_line(field: str) -> Static:
    line = Static("", id=f"tunnel-{field}-error", classes="field-error")
    line.display = False  # shown when there is something to say
    return line
