"""What saving an edited aggregate would send and do, and how to rebase it onto a newer server state."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from doover_tui.api import merge
from doover_tui.json_diff import DiffTag, diff_lines

Mode = Literal["patch", "put"]
"""``patch`` merges into the stored aggregate (§2.4); ``put`` replaces it whole."""

MODE_LABELS: dict[Mode, str] = {"patch": "PATCH (merge)", "put": "PUT (replace)"}
"""How each mode is named to the user, always spelled out."""


def _counts(added: list[str], changed: list[str], removed: list[str]) -> str:
    if not (added or changed or removed):
        return "no changes"
    return f"{len(changed)} changed, {len(added)} added, {len(removed)} removed"


@dataclass(frozen=True, slots=True)
class Preview:
    """What a save would send and how the stored aggregate would change.

    Attributes:
        mode: ``patch`` or ``put``.
        body: the request body: the minimal merge patch for PATCH, the whole document for PUT.
        added: dotted paths the write adds (leaf level, as ``merge.changed_keys`` reports them).
        changed: dotted paths whose value the write changes.
        removed: dotted paths the write deletes (for PATCH, keys removed in the editor or set to null).
        null_paths: nulls in the edited document that a PATCH would read as "delete" and so
            cannot store; the UI offers PUT or dropping them. Always empty for PUT.
        unchanged: the write would leave the stored aggregate exactly as it is.
        diff: pretty-printed lines of the aggregate before → after the write, tagged.
    """

    mode: Mode
    body: Any
    added: list[str]
    changed: list[str]
    removed: list[str]
    null_paths: list[str]
    unchanged: bool
    diff: list[tuple[DiffTag, str]]

    @property
    def changes(self) -> str:
        """How many paths change, e.g. ``"2 changed, 1 added, 0 removed"``."""
        return _counts(self.added, self.changed, self.removed)

    @property
    def summary(self) -> str:
        """One line for the preview's title, e.g. ``"PATCH (merge): 2 changed, 1 added, 0 removed"``."""
        return f"{MODE_LABELS[self.mode]}: {self.changes}"


def make_preview(original: Any, edited: Any, mode: Mode) -> Preview:
    """Describe saving ``edited`` over ``original`` (the aggregate the editor opened) with ``mode``."""
    if mode == "put":
        body = edited
        after = edited
        null_paths: list[str] = []
    else:
        body = merge.diff(original, edited).patch
        after = merge.apply(original, body)
        null_paths = list(_lost_nulls(edited, after, ()))
    added, changed, removed = merge.changed_keys(original, after)
    return Preview(
        mode=mode,
        body=body,
        added=added,
        changed=changed,
        removed=removed,
        null_paths=null_paths,
        unchanged=not (added or changed or removed),
        diff=diff_lines(original, after),
    )


def _lost_nulls(edited: Any, after: Any, path: tuple[str, ...]) -> Iterator[str]:
    """Null object members of ``edited`` that are absent from ``after``: the PATCH deleted them.

    Comparing with the result (rather than listing every null) leaves out nulls the merge
    does keep: inside arrays, and inside an object sent over a stored non-object.
    """
    if not isinstance(edited, dict) or not isinstance(after, dict):
        return
    # A stack of member iterators rather than recursion (documents may nest deeper than Python's
    # recursion limit), visiting members in the same order as a recursive walk would.
    stack = [(iter(edited.items()), after, path)]
    while stack:
        members, after_here, where = stack[-1]
        member = next(members, None)
        if member is None:
            stack.pop()
            continue
        key, value = member
        if value is None and key not in after_here:
            yield ".".join((*where, key))
        elif isinstance(value, dict) and isinstance(after_here.get(key), dict):
            stack.append((iter(value.items()), after_here[key], (*where, key)))


@dataclass(frozen=True, slots=True)
class RemoteChanges:
    """What changed on the server between the aggregate the editor opened and the one there now.

    Attributes:
        added: dotted paths added remotely.
        changed: dotted paths changed remotely.
        removed: dotted paths removed remotely.
        diff: pretty-printed lines of the opened aggregate → the current one, tagged;
            empty when nothing changed.
    """

    added: list[str]
    changed: list[str]
    removed: list[str]
    diff: list[tuple[DiffTag, str]]

    @property
    def unchanged(self) -> bool:
        """Nothing changed remotely, so saving needs no question."""
        return not (self.added or self.changed or self.removed)

    @property
    def summary(self) -> str:
        """One line, e.g. ``"changed on the server: 1 changed, 0 added, 0 removed"``."""
        return f"changed on the server: {_counts(self.added, self.changed, self.removed)}"


def remote_changes(base: Any, current: Any) -> RemoteChanges:
    """Describe how the server's aggregate moved from ``base`` (when the editor opened) to ``current``."""
    added, changed, removed = merge.changed_keys(base, current)
    diff = diff_lines(base, current) if added or changed or removed else []
    return RemoteChanges(added=added, changed=changed, removed=removed, diff=diff)


def overlapping(mine: Preview, theirs: RemoteChanges) -> list[str]:
    """Paths where my write and the remote changes meet (the same path, or one inside the other).

    A PATCH that meets none of them changes only what the remote writer left alone, so
    sending it keeps both sides' changes: no question needs asking.
    """
    remote = [tuple(path.split(".")) for path in (*theirs.added, *theirs.changed, *theirs.removed)]
    meets: list[str] = []
    for path in (*mine.added, *mine.changed, *mine.removed):
        parts = tuple(path.split("."))
        if path == "(root)" or any(_nested(parts, other) or _nested(other, parts) for other in remote):
            meets.append(path)
    return meets


def _nested(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    return inner[: len(outer)] == outer or outer == ("(root)",)


def rebase(base: Any, edited: Any, current: Any) -> Any:
    """Re-apply my edits (``base`` → ``edited``) as a merge patch onto the server's ``current`` state.

    Where both sides changed the same key my value wins; keys only the server changed keep its
    value. Nulls in ``edited`` act as deletions, as they would in a PATCH.
    """
    return merge.apply(current, merge.diff(base, edited).patch)
