"""The new/edit tunnel form: checked before anything is sent, with the server's field errors shown beside the fields."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
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
    "hostname": "Target host",
    "port": "Target port",
    "protocol": "Protocol",
    "username": "Username",
    "timeout": "Timeout",
    "ip_whitelist": "Allowed IPs",
}

HINTS = {
    "hostname": "hostname or IP on the device's side",
    "port": "1–65535",
    "username": "optional; used in the ssh command",
    "timeout": "as the API counts it; 15 is the usual",
    "ip_whitelist": "203.0.113.7, 198.51.100.0/24 (comma or space separated)",
}
"""Shown in an empty field (the labels stay short so each field takes one line)."""


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
    TunnelFormModal .field-box { height: auto; }
    TunnelFormModal .field-row { height: auto; }
    TunnelFormModal .field-label { width: 14; }
    TunnelFormModal .field-row Input { width: 1fr; background: $boost; }
    TunnelFormModal .field-error { color: $text-error; height: auto; padding-left: 14; }
    TunnelFormModal #tunnel-protocol { width: 24; }
    TunnelFormModal #tunnel-ip_restricted { margin-left: 14; }
    TunnelFormModal #tunnel-form-body { height: 1fr; }
    TunnelFormModal .field-hint { color: $text-muted; }
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
        """Every field on one line with a line for its error under it, a general error line, the button."""
        start = form_of(self.existing) if self.existing else FormInput()
        with Vertical(classes="modal-body"):
            yield Static(Text(printable(self.form_title), style="bold"), classes="modal-title")
            with VerticalScroll(can_focus=False, id="tunnel-form-body"):
                for field in ("name", "hostname", "port"):
                    yield _text_field(field, getattr(start, field))
                yield self._protocol_field(start.protocol)
                yield _text_field("username", start.username)
                yield _text_field("timeout", start.timeout)
                with Vertical(id="tunnel-ip_restricted-box", classes="field-box"):
                    yield Checkbox(
                        "Restrict to the allowed IPs below",
                        value=start.ip_restricted,
                        id="tunnel-ip_restricted",
                        compact=True,
                    )
                    yield _error_line("ip_restricted")
                yield _text_field("ip_whitelist", start.ip_whitelist)
            yield Static("", id="tunnel-form-error", classes="form-error")
            yield Button("Save (ctrl+s)", id="tunnel-form-save", variant="primary", compact=True)

    def _protocol_field(self, protocol: str) -> Vertical:
        options = [(name, name) for name in PROTOCOLS]
        if protocol not in PROTOCOLS:  # an unknown protocol from the server is still shown as it is
            options.append((printable(protocol), protocol))
        fixed = bool(self.existing)
        select = Select(options, value=protocol, allow_blank=False, id="tunnel-protocol", disabled=fixed, compact=True)
        hint = Label(" fixed once created" if fixed else "", classes="field-hint")
        row = Horizontal(Label(LABELS["protocol"], classes="field-label"), select, hint, classes="field-row")
        return Vertical(row, _error_line("protocol"), id="tunnel-protocol-box", classes="field-box")

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
        if first is not None:
            if first != "protocol":
                self.query_one(f"#tunnel-{first}").focus(scroll_visible=False)
            # after the layout that shows the error lines, so the field and its error line come into view together
            box = self.query_one(f"#tunnel-{first}-box")
            self.call_after_refresh(box.scroll_visible, animate=False, immediate=True)

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


def _text_field(field: str, value: str) -> Vertical:
    """A labelled one-line field and its (hidden) error line, in a box scrolled into view as one."""
    label = Label(LABELS[field], classes="field-label")
    box = Input(value=value, placeholder=HINTS.get(field, ""), id=f"tunnel-{field}", compact=True)
    row = Horizontal(label, box, classes="field-row")
    return Vertical(row, _error_line(field), id=f"tunnel-{field}-box", classes="field-box")


def _error_line(field: str) -> Static:
    line = Static("", id=f"tunnel-{field}-error", classes="field-error")
    line.display = False  # shown when there is something to say
    return line
