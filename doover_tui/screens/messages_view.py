"""The Messages tab: a bounded, newest-first window of a channel's messages, paged back on demand."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static
from textual.worker import Worker

from doover_tui.api.errors import DooverError
from doover_tui.api.models import ChannelRef, Message
from doover_tui.field_values import leaf_paths
from doover_tui.literal import printable
from doover_tui.message_export import export_messages
from doover_tui.message_window import FieldFilter, MessageWindow, WindowChange
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.diff_modal import DiffModal
from doover_tui.screens.edit_flow import publish_message
from doover_tui.screens.json_modal import JsonModal
from doover_tui.screens.prompt_modal import PromptModal
from doover_tui.screens.restore_flow import restore_aggregate
from doover_tui.screens.worker_errors import notify_failure, report_failed_worker
from doover_tui.store import Store
from doover_tui.widgets.message_table import MessageTable

ExportFormat = Literal["ndjson", "csv"]

NEWEST_PAGE = 100
"""Messages fetched when a channel opens (the store caches this page)."""
OLDER_PAGE = 200
"""Messages fetched per step back in history."""


class MessagesView(Vertical):
    """Newest first; older pages load as the cursor nears the bottom; live messages arrive on top.

    | key | action |
    | --- | --- |
    | enter | the message's full JSON |
    | space | pause / resume the live feed |
    | d | diff with the previous message |
    | f | filter by a field path (``pump.rpm``, ``mode=auto``) |
    | x | export the loaded messages (NDJSON or CSV) |
    | p / P | publish a new message (in the editor / in ``$EDITOR``) |
    | u | restore the aggregate to its state after this (logged) update |
    | G | bottom (loads older messages) |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", "Pause", id="messages.pause"),
        Binding("d", "diff", "Diff", id="messages.diff"),
        Binding("f", "filter", "Filter", id="messages.filter"),
        Binding("x", "export", "Export", id="messages.export"),
        Binding("p", "publish(False)", "Publish", id="messages.publish"),
        Binding("P", "publish(True)", "Publish in $EDITOR", show=False, id="messages.publish-external"),
        Binding("u", "restore", "Undo to here", id="messages.restore"),
    ]

    def __init__(self, store: Store, options: BrowserOptions, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.options = options
        self.ref: ChannelRef | None = None
        self.window = MessageWindow(options.message_window)
        self.export_dir: Path | None = None
        self._reveal: str | None = None
        """A message just published: the cursor goes to it as soon as it is in the table."""
        """Where exports go; None means the current directory at the time of export."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is reported (worker messages do not bubble to the app)."""
        report_failed_worker(self, event)

    def compose(self) -> ComposeResult:
        """Window facts line, then the table."""
        yield Static(" ", id="messages-info")
        yield MessageTable(id="messages")

    def open(self, ref: ChannelRef, *, force: bool = False) -> None:
        """Show this channel's newest messages (cached at once if we have them)."""
        if ref != self.ref:
            self.window = MessageWindow(self.window.limit)
            self.query_one(MessageTable).show(())
            self._info("loading messages…")
        self.ref = ref
        self.load(ref, force)

    def clear(self) -> None:
        """Show nothing (no channel chosen)."""
        self.workers.cancel_group(self, "messages")
        self.workers.cancel_group(self, "older-messages")
        self.ref = None
        self.window = MessageWindow(self.window.limit)
        self.query_one(MessageTable).show(())
        self._info("choose a channel")

    @work(exclusive=True, group="messages", exit_on_error=False, description="load messages")
    async def load(self, ref: ChannelRef, force: bool) -> None:
        """Fetch the newest page and show it."""
        try:
            cached = await self.store.messages(ref, limit=NEWEST_PAGE, force=force)
        except DooverError as exc:
            if ref == self.ref:
                self._info(f"{exc.title}: {exc.detail}")
                notify_failure(self, exc)
            return
        if ref != self.ref:
            return
        self._apply(self.window.reset(cached.value, more_older=len(cached.value) >= NEWEST_PAGE))

    @on(MessageTable.OlderWanted)
    def _older_wanted(self) -> None:
        if self.ref is not None and self.window.more_older:
            self.load_older(self.ref)

    @work(exclusive=True, group="older-messages", exit_on_error=False, description="load older messages")
    async def load_older(self, ref: ChannelRef) -> None:
        """Fetch the page before the oldest loaded message and add it at the bottom."""
        before = self.window.oldest_id
        if before is None:
            return
        self._info("loading older messages…")
        try:
            page = await self.store.older_messages(ref, before, limit=OLDER_PAGE)
        except DooverError as exc:
            notify_failure(self, exc)
            self._refresh_info()
            return
        if ref != self.ref or before != self.window.oldest_id:
            return
        self._apply(self.window.add_older(page, more_older=len(page) >= OLDER_PAGE))

    def add_live(self, messages: Sequence[Message]) -> None:
        """New messages from the gateway or a poll (the pane coalesces them first)."""
        self._apply(self.window.add_live(messages))

    def replace(self, message: Message) -> None:
        """A message changed on the server."""
        self._apply(self.window.replace(message))

    def _apply(self, change: WindowChange) -> None:
        """Bring the table in line with the window: rows added at either end, or everything redrawn."""
        table = self.query_one(MessageTable)
        if change.reset or change.dropped or change.inserted or change.replaced:
            table.show(self.window.visible)
        else:
            if change.prepended:
                table.prepend(self.window.filtered(change.prepended))
            if change.appended:
                table.append(self.window.filtered(change.appended))
        if change.reload and self.ref is not None:
            self.load(self.ref, True)
        self._reveal_published()
        self._refresh_info()

    def _refill(self) -> None:
        self.query_one(MessageTable).show(self.window.visible)
        self._refresh_info()

    def _refresh_info(self) -> None:
        window = self.window
        parts = [f"{len(window.messages):,} loaded"]
        if window.filter is not None:
            parts.append(f"filter {window.filter.text}: {len(window.visible):,} shown")
        if window.dropped_older:
            parts.append(f"older rows dropped (window {window.limit:,})")
        if window.dropped_newer:
            parts.append(f"{window.dropped_newer:,} newer rows dropped: r reloads the newest")
        parts.append("more below" if window.more_older else "start of history")
        if window.paused:
            parts.append("PAUSED (space resumes)")
        if window.pending_count:
            parts.append(f"{window.pending_count:,} new")
        self._info(" · ".join(parts))

    def _info(self, text: str) -> None:
        # One line of fixed size (app.tcss): skipping the layout pass matters at 10 live updates a second.
        self.query_one("#messages-info", Static).update(Text(printable(text)), layout=False)

    def action_toggle_pause(self) -> None:
        """Hold live messages (counting them) or apply the held ones."""
        if self.window.paused:
            self._apply(self.window.resume())
        else:
            self.window.pause()
            self._refresh_info()

    @on(MessageTable.MessageChosen)
    def _show_message(self, event: MessageTable.MessageChosen) -> None:
        message = event.message
        when = message.created_at.isoformat(sep=" ", timespec="seconds") if message.created_at else "unknown time"
        self.app.push_screen(JsonModal(f"message {message.id} · {when} · by {message.author_id}", message.data))

    def action_diff(self) -> None:
        """Compare the message under the cursor with the one before it."""
        table = self.query_one(MessageTable)
        newer = table.selected_message
        older = table.message_after(newer) if newer is not None else None
        if newer is None or older is None:
            self.notify("no earlier message loaded to compare with", severity="warning")
            return
        self.app.push_screen(DiffModal(f"message {older.id} → {newer.id}", older.data, newer.data))

    def action_filter(self) -> None:
        """Ask for a field filter (blank clears it)."""
        current = self.window.filter.text if self.window.filter is not None else ""
        newest = next(iter(self.window.messages), None)
        prompt = PromptModal(
            "Filter messages",
            "a full dotted field path, optionally =value or !=value (pump.rpm, mode=auto); blank clears",
            value=current,
            suggestions=leaf_paths(newest.data) if newest is not None else (),
        )
        self.app.push_screen(prompt, self._apply_filter)

    def _apply_filter(self, text: str | None) -> None:
        if text is None:
            return
        try:
            self.window.set_filter(FieldFilter.parse(text) if text.strip() else None)
        except ValueError as exc:
            self.notify(str(exc), title="Bad filter", severity="error", markup=False)
            return
        self._refill()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Publishing and restoring write: they need a channel and a writable session."""
        if action in ("publish", "restore"):
            return self.ref is not None and not self.store.read_only
        return True

    def action_publish(self, external: bool) -> None:
        """Write a new message, starting from the newest one's data."""
        if self.ref is not None:
            newest = next(iter(self.window.messages), None)
            self.publish(self.ref, newest.data if newest is not None else {}, external)

    @work(exclusive=True, group="write", exit_on_error=False, description="publish message")
    async def publish(self, ref: ChannelRef, template: Any, external: bool) -> None:
        """Run the editor; the message shows in the table when the store hands it back."""
        try:
            message = await publish_message(self.app, self.store, self.options, ref, template, external=external)
        except DooverError as exc:
            notify_failure(self, exc)
            return
        if message is not None:
            self._reveal = message.id
            self._reveal_published()

    def _reveal_published(self) -> None:
        if self._reveal is not None and self.query_one(MessageTable).select_key(self._reveal):
            self._reveal = None

    def action_restore(self) -> None:
        """Offer to put the aggregate back as it was after the message under the cursor."""
        message = self.query_one(MessageTable).selected_message
        if self.ref is None or message is None:
            self.notify("choose a message (a logged aggregate update) first", severity="warning")
            return
        self.restore(self.ref, message)

    @work(exclusive=True, group="write", exit_on_error=False, description="restore aggregate")
    async def restore(self, ref: ChannelRef, message: Message) -> None:
        """Rebuild, ask, preview, PUT; the Aggregate tab shows the result through the store's event."""
        try:
            await restore_aggregate(self.app, self.store, self.options, ref, message)
        except DooverError as exc:
            notify_failure(self, exc)

    def action_export(self) -> None:
        """Ask for a format, then write the loaded messages to a file."""
        count = len(self.window.messages)
        if not count or self.ref is None:
            self.notify("no messages loaded to export", severity="warning")
            return
        where = self.export_dir or Path.cwd()
        question = f"Export {count:,} loaded messages of {self.ref.name} to {where}"
        choices = [("n", "NDJSON"), ("c", "CSV")]
        self.app.push_screen(ChoiceModal("Export messages", question, choices), self._export_chosen)

    def _export_chosen(self, key: str | None) -> None:
        if key is not None and self.ref is not None:
            fmt: ExportFormat = "csv" if key == "c" else "ndjson"
            self.export(self.ref.name, self.window.messages, fmt)

    @work(exclusive=True, group="export", exit_on_error=False, description="export messages")
    async def export(self, channel: str, messages: Sequence[Message], fmt: ExportFormat) -> None:
        """Write the file off the event loop, then say where it went."""
        where = self.export_dir or Path.cwd()
        try:
            path = await asyncio.to_thread(export_messages, messages, where, channel_name=channel, fmt=fmt)
        except OSError as exc:
            self.notify(f"{where}: {exc.strerror or exc}", title="Export failed", severity="error", markup=False)
            return
        self.notify(f"{len(messages):,} messages written to {path}", title="Exported", markup=False)
