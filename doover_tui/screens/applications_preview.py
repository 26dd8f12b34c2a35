"""The preview shown before an application is created or changed: each field old → new, and the server's errors."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from doover_tui.json_diff import diff_lines
from doover_tui.jsonedit import pretty
from doover_tui.literal import printable

ABSENT: Any = object()
"""The old value of a field that is being created."""
MAX_LINES = 60
"""Lines shown per value; the rest is counted."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of the request: its name, the value it had (``ABSENT`` on create) and the value sent."""

    name: str
    old: Any
    new: Any


def _lines(value: Any) -> list[str]:
    text = value if isinstance(value, str) else pretty(value)
    return text.splitlines() or [""]


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_LINES:
        return lines
    return [*lines[:MAX_LINES], f"… {len(lines) - MAX_LINES:,} more lines"]


def _short(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def path_changes(path: str, old: Any, new: Any) -> list[tuple[str, str]]:
    """Each leaf that differs between two JSON values, with its dotted path: ``~ a.b: 30 → 45``, ``+``, ``-``."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[tuple[str, str]] = []
        for key in [*old, *(key for key in new if key not in old)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in new:
                out.append(("-", f"{where}: {_short(old[key])}"))
            elif key not in old:
                out.append(("+", f"{where}: {_short(new[key])}"))
            else:
                out.extend(path_changes(where, old[key], new[key]))
        return out
    if old == new and type(old) is type(new):
        return []
    return [("~", f"{path}: {_short(old)} → {_short(new)}")]


def change_lines(change: FieldChange) -> list[tuple[str, str]]:
    """The change as tagged lines: ``-`` the old value, ``+`` the new; JSON objects as one line per changed path."""
    if change.old is ABSENT:
        return [("+", line) for line in _capped(_lines(change.new))]
    if isinstance(change.old, dict) and isinstance(change.new, dict):
        changed = path_changes(change.name, change.old, change.new)
        more = [(" ", f"… {len(changed) - MAX_LINES:,} more")] if len(changed) > MAX_LINES else []
        return changed[:MAX_LINES] + more
    if isinstance(change.old, dict | list) or isinstance(change.new, dict | list):
        changed = [(tag, line) for tag, line in diff_lines(change.old, change.new) if tag != " "]
        return changed[:MAX_LINES] + ([(" ", "…")] if len(changed) > MAX_LINES else [])
    return [("-", line) for line in _capped(_lines(change.old))] + [("+", line) for line in _capped(_lines(change.new))]


SEND = "send"
"""The preview's answer when the user confirmed."""
SWITCH = "switch"
"""The preview's answer when the user asked for the other set of values (main ↔ staging)."""


class ApplicationPreviewModal(ModalScreen[str | None]):
    """What will be sent, field by field, confirmed with ``y`` (never the key that asked): answers ``SEND`` or None.

    After the server refused the request, its errors show under the fields they name. When
    ``switch`` names the other set of values (an import's main or staging values), ``s`` answers ``SWITCH``.

    | key | action |
    | --- | --- |
    | y | send |
    | s | switch between main and staging values (imports of an entry with staging_config) |
    | escape | back |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "send", "Send", id="apps-preview.send"),
        Binding("s", "switch", "Other values", id="apps-preview.switch"),
        Binding("escape", "back", "Back", id="apps-preview.back"),
    ]

    def __init__(
        self,
        title: str,
        request: str,
        changes: Sequence[FieldChange],
        *,
        errors: Mapping[str, Sequence[str]] | None = None,
        note: str = "",
        switch: str = "",
    ) -> None:
        """``errors`` are the server's field errors from an earlier attempt: sending again is then off.

        ``switch`` describes what ``s`` switches to (empty: no switch).
        """
        super().__init__(classes="modal")
        self.preview_title = title
        self.request = request
        self.changes = list(changes)
        self.errors = {name: list(messages) for name, messages in (errors or {}).items()}
        self.note = note
        self.switch = switch

    def compose(self) -> ComposeResult:
        """Title, request line, note, the fields."""
        with Vertical(classes="modal-body"):
            yield Static(Text(printable(self.preview_title), style="bold"), classes="modal-title")
            yield Static(Text(printable(self.request), style="dim"), id="apps-preview-request")
            unnamed = self._unnamed_errors()
            if unnamed:
                yield Static(Text(unnamed), id="apps-preview-errors", classes="form-error")
            if self.note:
                yield Static(Text(printable(self.note)), classes="modal-help")
            if self.switch:
                yield Static(Text(f"s: {self.switch}", style="bold"), id="apps-preview-switch", classes="modal-help")
            with VerticalScroll(id="apps-preview-body"):
                yield Static(self._body(), id="apps-preview-fields")
            yield Footer()

    def on_mount(self) -> None:
        """The body has the keyboard, so up/down, page keys, home and end scroll it at once."""
        self.query_one("#apps-preview-body", VerticalScroll).focus()

    def _field_of(self, error_key: str) -> str | None:
        """The field an error belongs to: its own name, or the top of a nested path (``config_schema.type``)."""
        top = error_key.split(".", 1)[0]
        return top if any(change.name == top for change in self.changes) else None

    def _unnamed_errors(self) -> str:
        lines = [
            f"{printable(name) + ': ' if name else ''}{printable(message)}"
            for name, messages in self.errors.items()
            if self._field_of(name) is None
            for message in messages
        ]
        if self.errors:
            lines.append("The server refused this. Fix the source and try again (escape goes back).")
        return "\n".join(lines)

    def _body(self) -> Text:
        variables = self.app.theme_variables
        styles = {
            "+": variables.get("text-success", ""),
            "-": variables.get("text-error", ""),
            "~": variables.get("text-warning", ""),
        }
        error_style = variables.get("text-error", "")
        body = Text()
        for change in self.changes:
            body.append(printable(change.name), style="bold")
            body.append("  (new)\n" if change.old is ABSENT else "\n")
            for tag, line in change_lines(change):
                body.append(f"  {tag} {printable(line)}\n", style=styles.get(tag, ""))
            for key, messages in self.errors.items():
                if self._field_of(key) != change.name:
                    continue
                where = f"{printable(key)}: " if key != change.name else ""
                for message in messages:
                    body.append(f"  ✗ {where}{printable(message)}\n", style=f"bold {error_style}".strip())
        return body

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Sending is off once the server has refused (the source must change first)."""
        if action == "send":
            return not self.errors and bool(self.changes)
        if action == "switch":
            return bool(self.switch) and not self.errors
        return True

    def action_send(self) -> None:
        """Send."""
        self.dismiss(SEND)

    def action_switch(self) -> None:
        """Show the other set of values instead (the flow builds that preview)."""
        self.dismiss(SWITCH)

    def action_back(self) -> None:
        """Do not send."""
        self.dismiss(None)

    def on_key(self, event: events.Key) -> None:
        """Keys that mean nothing here must not reach the screen underneath."""
        passed = ("y", "escape", "up", "down", "pageup", "pagedown", "home", "end", "tab", "shift+tab")
        if event.key not in passed and not (event.key == "s" and self.switch):
            event.stop()
