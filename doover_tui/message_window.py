"""A bounded, newest-first window over a channel's messages: paging, live arrivals, pausing and filtering."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from doover_tui.api.models import Message
from doover_tui.api.snowflake import id_sort_key
from doover_tui.field_values import FieldFilter

__all__ = ["DEFAULT_LIMIT", "FieldFilter", "MessageWindow", "WindowChange"]

DEFAULT_LIMIT = 2000
"""Rows kept on screen: a DataTable stays quick at this size (see product.md, measured facts)."""

SortKey = tuple[int, int, str]


def _key(message: Message) -> SortKey:
    return id_sort_key(message.id)


@dataclass(frozen=True, slots=True)
class WindowChange:
    """What one operation did to the window, so a table can update in place.

    Apply ``dropped`` first (ids of rows that left), then add ``prepended`` at the top,
    ``appended`` at the bottom and ``inserted`` at their id order. With ``reset`` set,
    rebuild from ``MessageWindow.messages`` instead (the other fields are empty).

    Attributes:
        reset: the window was rebuilt; redraw everything.
        reload: the window is away from the live edge with nothing pending: fetch the
            newest page and call ``reset``.
        prepended: new rows at the top, newest first (``messages[:len(prepended)]``).
        appended: new rows at the bottom, newest first.
        inserted: late live arrivals placed between existing rows, newest first.
        dropped: ids of rows removed to keep the window within its limit.
        replaced: rows whose content changed in place (same id).
        pending: messages held back instead (paused, or away from the live edge).
    """

    reset: bool = False
    reload: bool = False
    prepended: tuple[Message, ...] = ()
    appended: tuple[Message, ...] = ()
    inserted: tuple[Message, ...] = ()
    dropped: tuple[str, ...] = ()
    replaced: tuple[Message, ...] = ()
    pending: int = 0

    @property
    def rows_changed(self) -> bool:
        """Whether any row on screen changed (also the truth value of the change)."""
        return bool(self.reset or self.prepended or self.appended or self.inserted or self.dropped or self.replaced)

    def __bool__(self) -> bool:
        return self.rows_changed


_RESET = WindowChange(reset=True)
_NOTHING = WindowChange()


class MessageWindow:
    """A contiguous, newest-first slice of one channel's messages, at most ``limit`` rows.

    Live messages go on top while the window is at the live edge and not paused;
    otherwise they wait in a pending buffer (at most ``limit``, newest kept). Paging
    older rows in past the limit drops rows from the top, leaving the live edge.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 1:
            raise ValueError(f"the message window limit must be at least 1, not {limit}")
        self._limit = limit
        self._rows: deque[Message] = deque()
        self._ids: set[str] = set()
        self._pending: deque[Message] = deque()  # oldest first, so the usual arrival order appends
        self._pending_ids: set[str] = set()
        self._pending_skipped = 0
        self._paused = False
        self._at_live_edge = True
        self._more_older = False
        self._dropped_older = 0
        self._dropped_newer = 0
        self._filter: FieldFilter | None = None
        self._messages: tuple[Message, ...] | None = ()
        self._visible: tuple[Message, ...] | None = ()

    # -- state -----------------------------------------------------------------------------

    @property
    def limit(self) -> int:
        """The most rows the window holds."""
        return self._limit

    @property
    def messages(self) -> tuple[Message, ...]:
        """Every row, newest first (built once per change)."""
        if self._messages is None:
            self._messages = tuple(self._rows)
        return self._messages

    @property
    def visible(self) -> tuple[Message, ...]:
        """The rows that pass the field filter, newest first."""
        if self._visible is None:
            self._visible = self.messages if self._filter is None else self.filtered(self.messages)
        return self._visible

    @property
    def filter(self) -> FieldFilter | None:
        """The field filter in force, if any."""
        return self._filter

    @property
    def newest_id(self) -> str | None:
        """The id of the top row, or None when empty."""
        return self._rows[0].id if self._rows else None

    @property
    def oldest_id(self) -> str | None:
        """The id of the bottom row (page older with ``before`` this), or None when empty."""
        return self._rows[-1].id if self._rows else None

    @property
    def more_older(self) -> bool:
        """Whether older messages exist below the window."""
        return self._more_older

    @property
    def at_live_edge(self) -> bool:
        """Whether the top row is the newest message known (no newer rows were dropped)."""
        return self._at_live_edge

    @property
    def dropped_older(self) -> int:
        """Rows dropped from the bottom to make room for live ones, not yet paged back in."""
        return self._dropped_older

    @property
    def dropped_newer(self) -> int:
        """Rows dropped from the top to make room for older pages."""
        return self._dropped_newer

    @property
    def paused(self) -> bool:
        """Whether the live feed is paused."""
        return self._paused

    @property
    def pending_count(self) -> int:
        """Live messages held back (at most ``limit``)."""
        return len(self._pending)

    @property
    def pending_skipped(self) -> int:
        """Older held-back messages discarded because more than ``limit`` arrived."""
        return self._pending_skipped

    def filtered(self, messages: Iterable[Message]) -> tuple[Message, ...]:
        """Those of ``messages`` that pass the field filter, in the order given."""
        rule = self._filter
        return tuple(messages) if rule is None else tuple(m for m in messages if rule.matches(m.data))

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._ids

    def previous(self, message_id: str) -> Message | None:
        """The row just older than ``message_id`` (for diffing), or None if it is the bottom or absent."""
        found = False
        for message in self._rows:
            if found:
                return message
            found = message.id == message_id
        return None

    # -- operations ------------------------------------------------------------------------

    def reset(self, newest_page: Sequence[Message], *, more_older: bool) -> WindowChange:
        """Show ``newest_page`` (the newest messages) and nothing else; pending messages are forgotten."""
        rows = _sorted_unique(newest_page)
        self._rows = deque(rows[: self._limit])
        self._ids = {m.id for m in self._rows}
        self._more_older = more_older or len(rows) > self._limit
        self._clear_pending()
        self._at_live_edge = True
        self._dropped_older = self._dropped_newer = 0
        self._changed()
        return _RESET

    def add_older(self, page: Sequence[Message], *, more_older: bool) -> WindowChange:
        """Append the next older page at the bottom; overflow drops the newest rows from the top."""
        self._more_older = more_older
        bottom = _key(self._rows[-1]) if self._rows else None
        fresh = [m for m in _sorted_unique(page) if m.id not in self._ids and (bottom is None or _key(m) < bottom)]
        if not fresh:
            return _NOTHING
        old_count = len(self._rows)
        self._rows.extend(fresh)
        self._ids.update(m.id for m in fresh)
        self._dropped_older = max(0, self._dropped_older - len(fresh))
        dropped: list[str] = []
        while len(self._rows) > self._limit:
            gone = self._rows.popleft()
            self._ids.discard(gone.id)
            dropped.append(gone.id)
        if dropped:
            self._at_live_edge = False
            self._dropped_newer += len(dropped)
        self._changed()
        if not old_count or len(dropped) >= old_count:
            return _RESET
        return WindowChange(appended=tuple(fresh), dropped=tuple(dropped))

    def add_live(self, messages: Iterable[Message]) -> WindowChange:
        """Take live messages (any order, duplicates ignored): on top, or held back while paused or away."""
        batch = [m for m in _sorted_unique(messages) if m.id not in self._ids and m.id not in self._pending_ids]
        if not batch:
            return _NOTHING
        if self._paused or not self._at_live_edge:
            self._hold(batch)
            return WindowChange(pending=len(self._pending))
        return self._apply_live(batch)

    def pause(self) -> None:
        """Hold live messages back until :meth:`resume`."""
        self._paused = True

    def resume(self) -> WindowChange:
        """Unpause and apply held-back messages; a gap (skipped or away from the live edge) resets to them."""
        self._paused = False
        if self._pending_skipped or not self._at_live_edge:
            if not self._pending:
                return WindowChange(reload=True)
            newest = list(reversed(self._pending))
            self.reset(newest, more_older=True)
            return _RESET
        batch = list(reversed(self._pending))
        self._clear_pending()
        return self._apply_live(batch) if batch else _NOTHING

    def replace(self, message: Message) -> WindowChange:
        """Swap in an updated message with the same id (in the window or pending)."""
        for rows in (self._rows, self._pending):
            for index, current in enumerate(rows):
                if current.id == message.id:
                    rows[index] = message
                    if rows is self._rows:
                        self._changed()
                        return WindowChange(replaced=(message,))
                    return _NOTHING
        return _NOTHING

    def set_filter(self, rule: FieldFilter | None) -> None:
        """Show only rows passing ``rule`` in :attr:`visible` (None shows all)."""
        self._filter = rule
        self._visible = None

    # -- internals -------------------------------------------------------------------------

    def _apply_live(self, batch: list[Message]) -> WindowChange:
        """Put a newest-first batch of new messages in place, trimming the bottom to the limit."""
        old_count = len(self._rows)
        top = _key(self._rows[0]) if self._rows else None
        fresh = [m for m in batch if top is None or _key(m) > top]
        late = batch[len(fresh) :]
        self._rows.extendleft(reversed(fresh))
        self._ids.update(m.id for m in fresh)
        inserted, appended = self._place_late(late)
        dropped: list[str] = []
        while len(self._rows) > self._limit:
            gone = self._rows.pop()
            self._ids.discard(gone.id)
            dropped.append(gone.id)
        if dropped:
            self._more_older = True
            self._dropped_older += len(dropped)
        new_ids = {m.id for m in (*fresh, *inserted, *appended)}
        gone_new = {gone for gone in dropped if gone in new_ids}
        self._changed()
        if old_count and len(dropped) - len(gone_new) >= old_count:
            return _RESET
        return WindowChange(
            prepended=tuple(m for m in fresh if m.id not in gone_new),
            inserted=tuple(m for m in inserted if m.id not in gone_new),
            appended=tuple(m for m in appended if m.id not in gone_new),
            dropped=tuple(gone for gone in dropped if gone not in gone_new),
        )

    def _place_late(self, late: list[Message]) -> tuple[list[Message], list[Message]]:
        """Put live messages older than the top row at their id order; those beyond the bottom wait for paging."""
        inserted: list[Message] = []
        appended: list[Message] = []
        for message in late:
            key = _key(message)
            if key < _key(self._rows[-1]):
                if self._more_older:
                    continue  # below the window: paging older will fetch it
                self._rows.append(message)
                appended.append(message)
            else:
                index = next((i for i, row in enumerate(self._rows) if _key(row) < key), len(self._rows))
                self._rows.insert(index, message)
                inserted.append(message)
            self._ids.add(message.id)
        return inserted, appended

    def _hold(self, batch: list[Message]) -> None:
        """Add a newest-first batch to the pending buffer, keeping only the newest ``limit``."""
        ordered = True
        for message in reversed(batch):
            if self._pending and _key(message) < _key(self._pending[-1]):
                ordered = False
            self._pending.append(message)
            self._pending_ids.add(message.id)
        if not ordered:
            self._pending = deque(sorted(self._pending, key=_key))
        while len(self._pending) > self._limit:
            self._pending_ids.discard(self._pending.popleft().id)
            self._pending_skipped += 1

    def _clear_pending(self) -> None:
        self._pending.clear()
        self._pending_ids.clear()
        self._pending_skipped = 0

    def _changed(self) -> None:
        self._messages = None
        self._visible = None


def _sorted_unique(messages: Iterable[Message]) -> list[Message]:
    """Newest first, one message per id (the last one given wins)."""
    by_id = {m.id: m for m in messages}
    return sorted(by_id.values(), key=_key, reverse=True)
