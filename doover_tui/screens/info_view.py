"""The Info tab: a channel's id, owner, privacy, alarms and schemas."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import Worker

from doover_tui.api.errors import DooverError
from doover_tui.api.models import Channel, ChannelRef
from doover_tui.literal import printable
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.json_modal import pretty_json
from doover_tui.screens.worker_errors import notify_failure, report_failed_worker
from doover_tui.store import Store

if TYPE_CHECKING:
    from doover_tui.screens.channel_form_modal import ChannelSettings


class InfoView(VerticalScroll):
    """Loads the channel's settings through the store.

    | key | action |
    | --- | --- |
    | e | edit the settings (replaces the whole configuration) |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit_channel", "Edit settings", id="info.edit-channel"),
    ]

    def __init__(self, store: Store, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.ref: ChannelRef | None = None
        self.channel: Channel | None = None
        """The settings on screen."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is reported (worker messages do not bubble to the app)."""
        report_failed_worker(self, event)

    def compose(self) -> ComposeResult:
        """One text block."""
        yield Static(" ", id="channel-info")

    def open(self, ref: ChannelRef, *, force: bool = False) -> None:
        """Show this channel's settings."""
        if ref != self.ref:
            self.channel = None
            self.query_one("#channel-info", Static).update(Text("loading…"))
        self.ref = ref
        self.load(ref, force)

    def clear(self) -> None:
        """Show nothing (no channel chosen)."""
        self.workers.cancel_group(self, "channel-info")
        self.ref, self.channel = None, None
        self.query_one("#channel-info", Static).update(Text("choose a channel"))

    @work(exclusive=True, group="channel-info", exit_on_error=False, description="load channel settings")
    async def load(self, ref: ChannelRef, force: bool) -> None:
        """Fetch and show the settings."""
        try:
            cached = await self.store.channel(ref, force=force)
        except DooverError as exc:
            if ref == self.ref:
                self.query_one("#channel-info", Static).update(Text(printable(f"{exc.title}: {exc.detail}")))
            return
        if ref == self.ref:
            self.show(cached.value)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Editing needs loaded settings and a writable session."""
        if action == "edit_channel":
            return self.channel is not None and not self.store.read_only
        return True

    def action_edit_channel(self) -> None:
        """Edit the settings in a form, then confirm that they replace the whole configuration."""
        if self.ref is not None and self.channel is not None:
            ref = self.ref
            from doover_tui.screens.channel_form_modal import ChannelFormModal  # first use only: off the start

            self.app.push_screen(ChannelFormModal("", self.channel), lambda form: self._confirm(ref, form))

    def _confirm(self, ref: ChannelRef, form: ChannelSettings | None) -> None:
        if form is None:
            return
        question = (
            f"This replaces the whole configuration of {form.name}: privacy and both schemas.\n"
            "Anything left blank is removed."
        )

        def answered(key: str | None) -> None:
            if key == "y":
                self.save_settings(ref, form)

        self.app.push_screen(ChoiceModal("Replace channel settings?", question, [("y", "replace it")]), answered)

    @work(exclusive=True, group="channel-write", exit_on_error=False, description="save channel settings")
    async def save_settings(self, ref: ChannelRef, form: ChannelSettings) -> None:
        """Replace the channel's settings (PUT) and show what the server kept."""
        schemas = {"message_schema": form.message_schema, "aggregate_schema": form.aggregate_schema}
        try:
            channel = await self.store.put_channel(ref, is_private=form.is_private, **schemas)
        except DooverError as exc:
            notify_failure(self, exc)
            return
        self.notify(f"channel {ref.name} saved", markup=False)
        if ref == self.ref:
            self.show(channel)

    def show(self, channel: Channel) -> None:
        """Render the settings; every value goes in as plain text."""
        self.channel = channel
        text = Text()
        rows = [
            ("name", channel.name),
            ("id", channel.id or "—"),
            ("agent", channel.owner_id),
            ("private", "yes" if channel.is_private else "no"),
            ("alarms", "enabled" if channel.alarms_enabled else "off"),
        ]
        for label, value in rows:
            text.append(f"{label:<10}", style="bold")
            text.append(f"{printable(value)}\n")
        for label, schema in (
            ("message schema", channel.message_schema),
            ("aggregate schema", channel.aggregate_schema),
        ):
            text.append(f"\n{label}\n", style="bold")
            text.append(pretty_json(schema) + "\n" if schema is not None else "none\n")
        self.query_one("#channel-info", Static).update(text)
