"""Rebuilding an earlier aggregate from the channel's log of updates (``log_update``), for undo.

A logged update stores the request body (a merge patch) as a message, not the aggregate
that resulted. The state after message M therefore cannot be read anywhere; it is rebuilt:

* Everything no later update touched is the same now as it was after M: it comes from
  the current aggregate.
* What later updates touched is rolled back by replaying the logged updates up to M.
  The replay starts from an *unknown* document, so it only knows what those updates set.
* A path a later update touched that no earlier update set cannot be rebuilt: it keeps
  its current value and is reported, so the user sees exactly what undo cannot restore.

When every write went through logged merge updates and nothing is reported, the result is
exactly the aggregate as it stood after M (property-tested against ``merge.apply``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from doover_tui.api import merge


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_UNKNOWN: Any = _Marker("UNKNOWN")
"""A value the replay knows nothing about (it may be absent, an object, or anything else)."""
_ABSENT: Any = _Marker("ABSENT")
"""A key the replay knows is not there."""
_WHOLE: Any = _Marker("WHOLE")
"""In the tree of what later updates touched: the value here was replaced whole."""


@dataclass(slots=True)
class _Open:
    """An object some of whose keys the replay knows; any other keys are unknown."""

    known: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Restoration:
    """The aggregate as it was after a logged update, as far as the log can tell.

    Attributes:
        document: the rebuilt aggregate, ready to PUT.
        unknown_paths: dotted paths later updates changed that no earlier logged update set;
            they keep their current values. Empty means the rebuild is exact (given that
            every write was logged).
        replayed: how many logged updates up to and including the chosen one were replayed.
        undone: how many later updates were rolled back.
    """

    document: Any
    unknown_paths: tuple[str, ...]
    replayed: int
    undone: int

    @property
    def exact(self) -> bool:
        """Every path later updates touched was rebuilt from the log."""
        return not self.unknown_paths


def restore_after(current: Any, earlier: Sequence[Any], later: Sequence[Any]) -> Restoration:
    """Rebuild the aggregate as it was right after the last of ``earlier``.

    Args:
        current: the aggregate now.
        earlier: the logged update bodies up to and including the chosen one, oldest first.
            More history makes more paths rebuildable; none makes every touched path unknown.
        later: every logged update body after the chosen one, oldest first (all of them:
            a gap would leave changes neither undone nor reported).
    """
    replay: Any = _UNKNOWN
    for patch in earlier:
        replay = _apply_partial(replay, patch)
    touched: Any = None
    for patch in later:
        touched = _touch(touched, patch)
    unknown: list[str] = []
    document = _overlay(current, replay, touched, (), unknown)
    return Restoration(
        document=None if document is _ABSENT else document,
        unknown_paths=tuple(unknown),
        replayed=len(earlier),
        undone=len(later),
    )


def _apply_partial(node: Any, patch: Any) -> Any:
    """``merge.apply`` on a partly known document: the result is as known as the inputs allow."""
    if not isinstance(patch, dict):
        return merge.apply(None, patch)  # a non-object patch replaces whatever was there
    if node is _ABSENT:
        return merge.apply({}, patch)  # the server merges into an empty object
    if not isinstance(node, _Open) and node is not _UNKNOWN:
        return merge.apply(node, patch)  # fully known: the real merge
    # An object results either way; keys the patch does not name stay as unknown as they were.
    known = dict(node.known) if isinstance(node, _Open) else {}
    for key, value in patch.items():
        if value is None:
            # Deleted from an object; but over an unknown (maybe non-object) value the server
            # keeps the patch whole, nulls included.
            known[key] = _ABSENT if isinstance(node, _Open) else _UNKNOWN
        elif isinstance(value, dict):
            known[key] = _apply_partial(known.get(key, _UNKNOWN), value)
        else:
            known[key] = merge.apply(None, value)
    return _Open(known)


def _touch(tree: Any, patch: Any) -> Any:
    """Add what ``patch`` writes to the tree of touched paths (nested dicts, ``_WHOLE`` leaves)."""
    if tree is _WHOLE or not isinstance(patch, dict):
        return _WHOLE
    tree = dict(tree) if isinstance(tree, dict) else {}
    for key, value in patch.items():
        tree[key] = _touch(tree.get(key), value)
    return tree


def _overlay(now: Any, replay: Any, touched: Any, path: tuple[str, ...], unknown: list[str]) -> Any:
    """The value at ``path`` after the chosen update, from the current value and the replay."""
    if touched is None:
        return now  # nothing later changed it (or anything below it)
    if replay is _UNKNOWN:
        unknown.append(_dotted(path))
        return now
    if not isinstance(replay, _Open):
        return replay  # the replay knows it exactly (a value or _ABSENT)
    if not isinstance(now, dict) or touched is _WHOLE:
        # It was an object then, since replaced whole: its keys the replay does not know are lost to us.
        unknown.append(_dotted(path))
        now = now if isinstance(now, dict) else {}
    kept = _keys_the_replay_missed(now, replay, touched, path, unknown)
    rebuilt: dict[str, Any] = {}
    for key, known in replay.known.items():
        below = touched if touched is _WHOLE else touched.get(key)
        value = _overlay(now.get(key, _ABSENT), known, below, (*path, key), unknown)
        if value is not _ABSENT:
            rebuilt[key] = value
    # Keys in their current order (the editor and the diff read better), new ones after.
    ordered = {key: kept[key] if key in kept else rebuilt[key] for key in now if key in kept or key in rebuilt}
    return ordered | rebuilt


def _keys_the_replay_missed(
    now: dict[str, Any], replay: _Open, touched: Any, path: tuple[str, ...], unknown: list[str]
) -> dict[str, Any]:
    """Current members the replay knows nothing of: kept, and reported where a later update touched them."""
    kept: dict[str, Any] = {}
    for key, value in now.items():
        if key in replay.known:
            continue
        if touched is not _WHOLE and key in touched:
            unknown.append(_dotted((*path, key)))
        kept[key] = value
    if isinstance(touched, dict):
        # Keys a later update deleted: whether they existed after the chosen update is unknown.
        unknown.extend(_dotted((*path, key)) for key in touched if key not in now and key not in replay.known)
    return kept


def _dotted(path: Iterable[str]) -> str:
    return ".".join(path) or "(root)"
