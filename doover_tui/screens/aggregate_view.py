"""The Aggregate tab: the channel's aggregate as a lazily built JSON tree, with a path breadcrumb and find."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static
from textual.worker import Worker

from doover_tui.api.errors import DooverError
from doover_tui.api.models import Aggregate, ChannelRef
from doover_tui.json_view import format_path
from doover_tui.literal import printable
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.screens.edit_flow import edit_aggregate
from doover_tui.screens.worker_errors import notify_failure, report_failed_worker
from doover_tui.store import Store
from doover_tui.widgets.json_tree import JsonTree


class AggregateView(Vertical):
    """Loads a channel's aggregate through the store and shows it; live values come in via ``show``.

    | key | action |
    | --- | --- |
    | / | find a key or value (enter: next match, escape: close) |
    | y / Y | copy the value / the path (on the tree) |
    | e | edit the aggregate (on the root) or the subtree under the cursor |
    | E | the same in ``$EDITOR`` |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("/", "find", "Find", id="aggregate.find"),
        Binding("e", "edit(False)", "Edit", id="aggregate.edit"),
        Binding("E", "edit(True)", "Edit in $EDITOR", show=False, id="aggregate.edit-external"),
    ]

    def __init__(self, store: Store, options: BrowserOptions, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.options = options
        self.ref: ChannelRef | None = None
        self.aggregate: Aggregate | None = None
        """The aggregate on screen."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is reported (worker messages do not bubble to the app)."""
        report_failed_worker(self, event)

    def compose(self) -> ComposeResult:
        """Breadcrumb, find bar (hidden), tree."""
        yield Static(" ", id="breadcrumb")
        yield Input(placeholder="find a key or value; enter for the next match", id="tree-find")
        yield JsonTree("aggregate", id="tree")

    def open(self, ref: ChannelRef, *, force: bool = False) -> None:
        """Show this channel's aggregate (cached at once if we have it)."""
        if ref != self.ref:
            self.aggregate = None
            self.query_one("#breadcrumb", Static).update(Text("loading…"))
        self.ref = ref
        self.load(ref, force)

    def clear(self) -> None:
        """Show nothing (no channel chosen)."""
        self.workers.cancel_group(self, "aggregate")
        self.ref, self.aggregate = None, None
        self.query_one(JsonTree).clear()
        self.query_one("#breadcrumb", Static).update(Text("choose a channel"))

    @work(exclusive=True, group="aggregate", exit_on_error=False, description="load aggregate")
    async def load(self, ref: ChannelRef, force: bool) -> None:
        """Fetch the aggregate and show it, unless the user has moved on meanwhile."""
        try:
            cached = await self.store.aggregate(ref, force=force)
        except DooverError as exc:
            if ref == self.ref:
                self.query_one("#breadcrumb", Static).update(Text(printable(f"{exc.title}: {exc.detail}")))
                notify_failure(self, exc)
            return
        if ref == self.ref:
            self.show(cached.value)

    def show(self, aggregate: Aggregate) -> None:
        """Show an aggregate (a load, our write, or a live update: the tree keeps its expansion)."""
        first = self.aggregate is None
        self.aggregate = aggregate
        # A different channel starts a fresh tree: nothing in it "changed".
        self.query_one(JsonTree).show(aggregate.data, keep_state=not first)
        if first:
            self._breadcrumb(())

    @on(JsonTree.PathHighlighted)
    def _path_moved(self, event: JsonTree.PathHighlighted) -> None:
        self._breadcrumb(event.path)

    def _breadcrumb(self, path: tuple[str | int, ...]) -> None:
        name = self.ref.name if self.ref else ""
        where = format_path(path)
        self.query_one("#breadcrumb", Static).update(Text(printable(f"{name} › {where}" if where else name)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Editing needs an aggregate on screen and a writable session."""
        if action == "edit":
            return self.aggregate is not None and not self.store.read_only
        return True

    def action_edit(self, external: bool) -> None:
        """Edit the whole aggregate (cursor on the root) or the subtree under the cursor."""
        if self.ref is not None:
            self.edit(self.ref, self.query_one(JsonTree).cursor_path or (), external)

    @work(exclusive=True, group="edit", exit_on_error=False, description="edit aggregate")
    async def edit(self, ref: ChannelRef, path: tuple[str | int, ...], external: bool) -> None:
        """Run the editor; the tree shows the server's result (changes highlighted)."""
        try:
            result = await edit_aggregate(self.app, self.store, self.options, ref, path, external=external)
        except DooverError as exc:
            notify_failure(self, exc)
            return
        if result is not None and ref == self.ref:
            self.show(result)

    def action_find(self) -> None:
        """Open the find bar."""
        find = self.query_one("#tree-find", Input)
        find.add_class("-open")
        # Focus after this key is done with: focused at once, the box would also receive the "/".
        self.call_after_refresh(find.focus)

    @on(Input.Submitted, "#tree-find")
    def _find_next(self, event: Input.Submitted) -> None:
        event.stop()
        query = event.value.strip()
        if query and not self.query_one(JsonTree).find(query):
            self.notify(f"no key or value contains '{printable(query)}'", severity="warning", markup=False)

    def on_key(self, event: Any) -> None:
        """Escape in the find bar closes it and returns to the tree."""
        find = self.query_one("#tree-find", Input)
        if event.key == "escape" and find.has_focus:
            event.stop()
            find.remove_class("-open")
            self.query_one(JsonTree).focus()
