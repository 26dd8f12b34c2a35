"""The JSON editor for an aggregate (or a subtree of it) or a new message: validate, preview, check, send.

Nothing typed is ever lost: the text is saved as a draft while typing, failures keep the
editor open with the text intact, and a conflict with a remote change is shown, not overwritten.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Static, TextArea
from textual.worker import Worker

from doover_tui.api.data import channel_path
from doover_tui.api.errors import DooverError
from doover_tui.api.models import Aggregate, ChannelRef, Message
from doover_tui.drafts import DraftKey, Drafts
from doover_tui.edit_preview import Mode, Preview, make_preview
from doover_tui.json_view import format_path, value_at
from doover_tui.jsonedit import (
    MAX_EDIT_DEPTH,
    JsonSyntaxError,
    drop_nulls,
    parse_document,
    schema_problems,
    set_path,
)
from doover_tui.literal import printable
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.conflict import resolve_conflict
from doover_tui.screens.external_editor import edit_externally, too_big_for_the_text_box
from doover_tui.screens.preview_modal import MODE_WORDS, PreviewAnswer, PreviewModal
from doover_tui.screens.worker_errors import report_failed_worker
from doover_tui.store import Store
from doover_tui.store_events import AggregateChanged, StoreEvent

VALIDATE_AFTER_SECONDS = 0.3
"""Typing pauses this long before the document is checked."""
DRAFT_AFTER_SECONDS = 1.0
"""Typing pauses this long before the draft is saved."""

BIG_HEAD_LINES = 60
"""How much of a too-big document the modal shows."""

Purpose = Literal["aggregate", "message"]
"""``aggregate``: PATCH or PUT the channel's aggregate. ``message``: publish the document as a message."""


@dataclass(frozen=True, slots=True)
class EditTarget:
    """What is being edited.

    Attributes:
        ref: the channel.
        base: the whole aggregate data when the editor opened (what conflicts are judged against).
        path: the subtree edited; () is the whole aggregate.
        schema: the channel's aggregate_schema (message_schema when publishing), if it has one.
        draft_key: where the draft of this edit is kept.
        purpose: what sending does.
        title: the heading, when the default ("Edit …", "Publish to …") does not say enough.
    """

    ref: ChannelRef
    base: Any
    path: tuple[str | int, ...]
    schema: dict[str, Any] | None
    draft_key: DraftKey
    purpose: Purpose = "aggregate"
    title: str | None = None


class EditModal(ModalScreen[Aggregate | Message | None]):
    """Edits JSON text and sends it as a PATCH (merge) or a PUT (replace), or publishes it, after a preview.

    Dismissed with the server's new aggregate (or the published message), or None if nothing was sent.

    | key | action |
    | --- | --- |
    | ctrl+s | preview (then y sends) |
    | ctrl+t | switch PATCH (merge) / PUT (replace) |
    | ctrl+o | edit the text in ``$EDITOR`` |
    | escape | close (the draft is kept) |

    A document too big for the text box (over about 100 KB) is edited only in ``$EDITOR``;
    the modal then shows its start, the checks and the keys.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "preview", "Preview", priority=True, id="editor.preview"),
        Binding("ctrl+t", "toggle_mode", "PATCH/PUT", priority=True, id="editor.toggle-mode"),
        Binding("ctrl+o", "external", "In $EDITOR", priority=True, id="editor.external"),
        # Priority: the code editor would otherwise take escape to leave the text box.
        Binding("escape", "close", "Close", priority=True, id="editor.close"),
    ]

    def __init__(
        self,
        store: Store,
        drafts: Drafts,
        target: EditTarget,
        text: str,
        *,
        log_update: bool,
        mode: Mode = "patch",
        preview_at_once: bool = False,
    ) -> None:
        """``preview_at_once`` opens the preview as soon as the editor shows (escape returns to the text)."""
        super().__init__(classes="modal")
        self.store = store
        self.drafts = drafts
        self.target = target
        self.initial_text = text
        self.log_update = log_update
        self.mode: Mode = mode
        self.preview_at_once = preview_at_once
        self.remote: Any = None
        """The aggregate as a live update last showed it, when it differs from the base."""
        self._document: Any = None
        self._valid = False
        self._sent = False
        self._last_text = text
        self.big = too_big_for_the_text_box(text)
        """Too big for the text box: the text lives in ``_last_text`` and is edited in ``$EDITOR``."""
        self._schema_problem_count = 0
        self._debounce: dict[str, Timer] = {}
        self._stop_listening = self.store.listen(self._on_store_event)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is reported."""
        report_failed_worker(self, event)

    def compose(self) -> ComposeResult:
        """Title, mode, the text, problems, keys."""
        title = self.target.title or self._default_title()
        with Vertical(classes="modal-body"):
            yield Static(Text(printable(title), style="bold"), id="edit-title", classes="modal-title")
            yield Static(id="edit-mode")
            if self.big:
                with VerticalScroll(id="edit-big"):
                    yield Static(self._big_summary(), id="edit-big-text")
            else:
                yield TextArea.code_editor(self.initial_text, language="json", id="edit-text")
            yield Static(" ", id="edit-problems")
            yield Footer()

    def _default_title(self) -> str:
        if self.publishing:
            return f"Publish a message to {self.target.ref.name}"
        where = format_path(self.target.path)
        return f"Edit {self.target.ref.name}" + (f" › {where}" if where else " (whole aggregate)")

    @property
    def publishing(self) -> bool:
        """The text becomes a new message rather than the aggregate."""
        return self.target.purpose == "message"

    def on_mount(self) -> None:
        """Show the mode and check the text once."""
        self._show_mode()
        self.validate()
        if self.preview_at_once:
            self.call_after_refresh(self.action_preview)

    def on_unmount(self) -> None:
        """Stop hearing live updates; an unsent change is kept as a draft (also when the app quits)."""
        self._stop_listening()
        self.keep_draft()

    def keep_draft(self) -> None:
        """Save an unsent change now (on the event loop: this runs when there is no time left for a worker)."""
        if not self._sent and self._editor_text() != self.initial_text:
            self.drafts.save(self.target.draft_key, self._editor_text(), self.target.base)

    def _editor_text(self) -> str:
        try:
            return self.text
        except NoMatches:  # the text box is already gone
            return self._last_text

    @property
    def text(self) -> str:
        """The text in the editor."""
        if self.big:
            return self._last_text
        return self.query_one("#edit-text", TextArea).text

    def _big_summary(self) -> Text:
        """The start of a big document and where to edit it (painting all of it would stall the screen)."""
        text = self._last_text
        head = "\n".join(text.splitlines()[:BIG_HEAD_LINES])
        size = f"{len(text.encode()) / 1_000_000:.1f} MB, {text.count(chr(10)) + 1:,} lines"
        note = Text(f"Too big for the text box ({size}): ctrl+o edits it in $EDITOR.\n\n", style="bold")
        return note.append(printable(head)).append("\n…" if text.count("\n") >= BIG_HEAD_LINES else "")

    def action_external(self) -> None:
        """Hand the text to ``$EDITOR`` (the app is suspended meanwhile) and take back what it saved."""
        edited = edit_externally(self.app, self.text, f"{self.target.ref.name}.json")
        if edited is None or edited == self.text:
            return
        self._last_text = edited
        if self.big:
            self.query_one("#edit-big-text", Static).update(self._big_summary())
        else:
            self.query_one("#edit-text", TextArea).text = edited
        self.validate()
        self.save_draft()

    def _later(self, name: str, delay: float, callback: Any) -> None:
        previous = self._debounce.pop(name, None)
        if previous is not None:
            previous.stop()
        self._debounce[name] = self.set_timer(delay, callback)

    @on(TextArea.Changed, "#edit-text")
    def _typed(self) -> None:
        self._last_text = self.text
        self._later("validate", VALIDATE_AFTER_SECONDS, self.validate)
        self._later("draft", DRAFT_AFTER_SECONDS, self.save_draft)

    def validate(self) -> None:
        """Check the JSON (with line:column and a marker) and, when the channel has one, the schema."""
        problems = self.query_one("#edit-problems", Static)
        try:
            self._document = self._parse()
        except JsonSyntaxError as exc:
            self._valid = False
            problems.update(self._syntax_report(exc))
            problems.set_class(True, "-invalid")
            return
        self._valid = True
        found = []
        if self.target.schema is not None:
            found = schema_problems(self._full_document(), self.target.schema)
        self._schema_problem_count = len(found)
        problems.set_class(bool(found), "-invalid")
        if not found:
            matches = ", matches the channel's schema" if self.target.schema else ""
            problems.update(Text(f"valid JSON{matches}"))
            return
        lines = [f"schema: {printable(p.path or '(top)')}: {printable(p.message)}" for p in found[:6]]
        more = f"\n… {len(found) - 6} more" if len(found) > 6 else ""
        problems.update(Text("\n".join(lines) + more))

    def _parse(self) -> Any:
        """The text as a document, refused when it would nest the aggregate over ``MAX_EDIT_DEPTH`` levels.

        Raises:
            JsonSyntaxError: Not one JSON document, a repeated key, or too deep where it goes.
        """
        # A subtree's depth counts from the aggregate's root: the preview and the write walk the whole path.
        above = len(self.target.path)
        too_deep = f"nested more than {MAX_EDIT_DEPTH} levels deep (this value is {above} levels down)"
        if above > MAX_EDIT_DEPTH:  # even a number here would be too deep
            raise JsonSyntaxError(f"{too_deep}: doover-tui cannot send it", line=1, column=1, offset=0)
        try:
            return parse_document(self.text, max_depth=MAX_EDIT_DEPTH - above)
        except JsonSyntaxError as exc:
            if not above or not exc.message.startswith("nested more than"):
                raise
            # The parser counts levels from the subtree; say how deep that is in the aggregate.
            message = f"{too_deep}: doover-tui cannot send a document this deep"
            raise JsonSyntaxError(message, line=exc.line, column=exc.column, offset=exc.offset) from None

    def _syntax_report(self, error: JsonSyntaxError) -> Text:
        """The error with its place, the line, and a caret under the column."""
        # Lines as the parser counts them (at "\n" only: splitlines also breaks at U+2028, U+0085…).
        lines = self.text.split("\n")
        line = lines[min(error.line, len(lines)) - 1]
        report = Text(f"line {error.line}, column {error.column}: {printable(error.message)}\n", style="bold")
        # The line is shown escaped, and wide characters take two cells: measure what is shown before the error.
        indent = cell_len(printable(line[: error.column - 1]))
        report.append(f"  {printable(line)}\n  {' ' * indent}^")
        return report

    def _full_document(self) -> Any:
        """The whole aggregate as it would be with the edit in place."""
        return set_path(self.target.base, self.target.path, self._document) if self.target.path else self._document

    def _show_mode(self) -> None:
        if self.publishing:
            mode = Text(" POST (new message) ", style="bold reverse")
            hint = "  ctrl+s previews · f7 selects all"
        else:
            mode = Text(f" {MODE_WORDS[self.mode]} ", style="bold reverse")
            hint = "  ctrl+t switches · ctrl+s previews · f7 selects all"
        remote = "  · CHANGED REMOTELY since you opened it" if self.remote is not None else ""
        self.query_one("#edit-mode", Static).update(Text.assemble(mode, hint, (remote, "bold")))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A message has no PATCH/PUT mode."""
        return not (action == "toggle_mode" and self.publishing)

    def action_toggle_mode(self) -> None:
        """PATCH (merge) ↔ PUT (replace)."""
        self.mode = "put" if self.mode == "patch" else "patch"
        self._show_mode()

    def action_preview(self) -> None:
        """Check, then show exactly what would be sent."""
        self.validate()
        if not self._valid:
            self.notify("fix the JSON first: nothing is sent while it is invalid", severity="error")
            return
        if self._schema_problem_count:
            question = f"The document breaks the channel's schema in {self._schema_problem_count} place(s)."
            choices = [("o", "preview anyway (override the schema)")]
            self.app.push_screen(ChoiceModal("Schema errors", question, choices), self._schema_answered)
            return
        self._open_preview(self._full_document())

    def _schema_answered(self, key: str | None) -> None:
        if key == "o":
            self._open_preview(self._full_document())

    def _open_preview(self, edited: Any) -> None:
        ref = self.target.ref
        if self.publishing:
            modal = PreviewModal(
                f"Publish to {ref.name}?", f"POST {channel_path(ref.agent_id, ref.name)}/messages", {"data": edited}
            )
            self.app.push_screen(modal, lambda answer: self._previewed(answer, edited, None))
            return
        preview = make_preview(self.target.base, edited, self.mode)
        query = "?log_update=true" if self.log_update else ""
        request = f"{'PUT' if self.mode == 'put' else 'PATCH'} {channel_path(ref.agent_id, ref.name)}/aggregate{query}"
        modal = PreviewModal(f"Send to {ref.name}?", request, preview.body, preview)
        self.app.push_screen(modal, lambda answer: self._previewed(answer, edited, preview))

    def _previewed(self, answer: PreviewAnswer | None, edited: Any, preview: Preview | None) -> None:
        if answer == "toggle-mode":
            self.action_toggle_mode()
            self._open_preview(edited)
        elif answer == "drop-nulls":
            self._open_preview(drop_nulls(edited))
        elif answer == "send" and preview is None:
            self.publish(edited)
        elif answer == "send" and preview is not None:
            self.send(edited, preview)

    @work(exclusive=True, group="send", exit_on_error=False, description="send aggregate")
    async def send(self, edited: Any, preview: Preview) -> None:
        """Re-read, settle any conflict, write, and close with the server's result (or stay, saying why)."""
        ref = self.target.ref
        try:
            current = (await self.store.aggregate(ref, force=True)).value.data
            plan = await resolve_conflict(self.app, self.target.base, edited, current, preview)
            if plan is None:
                return  # back to editing
            result = await self.store.update_aggregate(
                ref, plan.body, replace=plan.mode == "put", log_update=self.log_update
            )
        except DooverError as exc:
            self._not_sent(exc)
            return
        note = f" ({plan.note})" if plan.note else ""
        await self._done(result, f"{ref.name}: {MODE_WORDS[plan.mode]} sent{note}")

    @work(exclusive=True, group="send", exit_on_error=False, description="publish message")
    async def publish(self, data: Any) -> None:
        """Post the document as a new message and close (or stay, saying why)."""
        try:
            message = await self.store.create_message(self.target.ref, data)
        except DooverError as exc:
            self._not_sent(exc)
            return
        await self._done(message, f"{self.target.ref.name}: message {message.id} published")

    def _not_sent(self, error: DooverError) -> None:
        """The editor stays open with the text as it was; the reason is shown in it and as a toast."""
        problems = self.query_one("#edit-problems", Static)
        problems.update(Text(printable(f"not sent: {error.title}: {error.detail}"), style="bold"))
        self.notify(printable(error.detail), title=f"Not sent: {error.title}", severity="error", markup=False)

    async def _done(self, result: Aggregate | Message, summary: str) -> None:
        self._sent = True
        await asyncio.to_thread(self.drafts.delete, self.target.draft_key)
        self.notify(summary, title="Sent", markup=False)
        self.dismiss(result)

    @work(exclusive=True, group="draft", exit_on_error=False, description="save draft")
    async def save_draft(self) -> None:
        """Keep the text on disk (state directory) so a crash or quit loses nothing."""
        text = self.text
        if text != self.initial_text:
            await asyncio.to_thread(self.drafts.save, self.target.draft_key, text, self.target.base)

    def action_close(self) -> None:
        """Close; an unsent change stays as a draft (saved on unmount) that the next edit offers back."""
        if self.text != self.initial_text:
            self.notify("draft kept: editing this channel again offers it back", markup=False)
        self.dismiss(None)

    def _on_store_event(self, event: StoreEvent) -> None:
        if self.publishing:
            return  # a message does not conflict with anything
        if isinstance(event, AggregateChanged) and event.channel == self.target.ref and event.source != "write":
            changed = value_at(event.aggregate.data, self.target.path) != value_at(self.target.base, self.target.path)
            self.remote = event.aggregate.data if changed else None
            self._show_mode()
