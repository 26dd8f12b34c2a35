"""The Chart tab: one numeric field of the loaded messages over time; follows live data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Input

from doover_tui.api.models import Message
from doover_tui.field_values import numeric_paths, parse_field_path, series, suggest_field
from doover_tui.literal import printable
from doover_tui.widgets.field_chart import FieldChart


class ChartView(Vertical, can_focus=True):
    """A field path box (suggesting the numeric fields of the newest message) and the chart.

    The view itself takes the keyboard, so tab keys keep working; ``f`` goes to the field box.

    | key | action |
    | --- | --- |
    | f | choose the field (enter charts it, escape comes back) |
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("f", "choose_field", "Field", id="chart.field")]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.field: str | None = None
        """The dotted path charted; None until one is chosen or suggested."""
        self._messages: Sequence[Message] = ()
        self._spelled: dict[str, str] = {}
        """Known field paths by the text the box shows for them (device keys may hold controls or bidi overrides,
        so the box shows them escaped, and choosing that text charts the real key)."""

    def compose(self) -> ComposeResult:
        """Field box, chart."""
        yield Input(placeholder="numeric field path, e.g. pump.rpm (enter to chart)", id="chart-field")
        yield FieldChart(id="chart")

    def reset(self) -> None:
        """A different channel: forget the field so one is suggested from its messages."""
        self.field = None
        self._messages = ()
        self.query_one("#chart-field", Input).value = ""

    def show_messages(self, messages: Sequence[Message]) -> None:
        """Chart the current field over these messages (newest first), suggesting a field if none is set."""
        self._messages = messages
        if self.field is None:
            self.field = suggest_field(messages)
            if self.field is not None:
                self.query_one("#chart-field", Input).value = printable(self.field)
        field_box = self.query_one("#chart-field", Input)
        newest = next(iter(messages), None)
        suggestions = numeric_paths(newest.data) if newest is not None else []
        self._spelled = {printable(path): path for path in suggestions}
        if self.field is not None:
            self._spelled.setdefault(printable(self.field), self.field)
        field_box.suggester = SuggestFromList(list(self._spelled), case_sensitive=False)
        self._draw()

    def action_choose_field(self) -> None:
        """Put the keyboard in the field box."""
        # After this key is handled: focused at once, the box would also receive the "f".
        self.call_after_refresh(self.query_one("#chart-field", Input).focus)

    def on_key(self, event: events.Key) -> None:
        """Escape in the field box returns the keyboard to the chart."""
        if event.key == "escape" and self.query_one("#chart-field", Input).has_focus:
            event.stop()
            self.focus()

    @on(Input.Submitted, "#chart-field")
    def _field_chosen(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        text = self._spelled.get(text, text)
        try:
            parse_field_path(text)
        except ValueError as exc:
            self.notify(str(exc), title="Bad field path", severity="error", markup=False)
            return
        self.field = text
        self._draw()
        self.focus()

    def _draw(self) -> None:
        chart = self.query_one(FieldChart)
        if self.field is None:
            chart.show("", [])
            return
        chart.show(self.field, series(self._messages, parse_field_path(self.field)))
