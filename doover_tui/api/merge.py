"""JSON merge patch as the Doover data API applies it (reference §2.4), and its inverse, at any depth (no recursion)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

JsonValue = Any
"""Any value orjson produces: dict, list, str, int, float, bool or None."""


def apply(doc: JsonValue, patch: JsonValue, replace_paths: Iterable[str] = ()) -> JsonValue:
    """Return ``doc`` merged with ``patch``; neither argument is modified.

    Objects merge key by key and recursively; a ``null`` deletes the key; arrays and
    scalars replace. A non-object patch, or a patch object over a stored non-object,
    replaces the stored value whole (nulls inside it included, as the server keeps
    them). Each dotted path in ``replace_paths`` is replaced whole by the patch's
    subtree instead of being merged. Any depth works (no recursion).
    """
    replace = {tuple(path.split(".")) for path in replace_paths if path}
    if not isinstance(patch, dict) or not isinstance(doc, dict):
        return _copy(patch)
    merged = dict(doc)
    # Each object still to merge: the copy being filled, the patch object for it, and its path.
    pending: list[tuple[dict[str, JsonValue], dict[str, JsonValue], tuple[str, ...]]] = [(merged, patch, ())]
    while pending:
        target, patch_object, path = pending.pop()
        for key, value in patch_object.items():
            child_path = (*path, key)
            old = target.get(key, {})  # a patch object over a missing key merges into an empty object
            if value is None:
                target.pop(key, None)
            elif isinstance(value, dict) and isinstance(old, dict) and child_path not in replace:
                target[key] = child = dict(old)
                pending.append((child, value, child_path))
            else:
                target[key] = _copy(value)
    return merged


def _copy(value: JsonValue) -> JsonValue:
    """A deep copy of a JSON value, at any depth (no recursion)."""
    if not isinstance(value, dict | list):
        return value
    root: dict[str, JsonValue] | list[JsonValue] = {} if isinstance(value, dict) else []
    pending: list[tuple[Any, Any]] = [(value, root)]
    while pending:
        source, target = pending.pop()
        for key, item in source.items() if isinstance(source, dict) else enumerate(source):
            child = item
            if isinstance(item, dict | list):
                child = {} if isinstance(item, dict) else []
                pending.append((item, child))  # filled later: the copy is placed in order now
            if isinstance(target, dict):
                target[key] = child
            else:
                target.append(child)
    return root


@dataclass(frozen=True, slots=True)
class MergeDiff:
    """The minimal merge patch taking one document to another.

    Attributes:
        patch: send this as the PATCH body; ``apply(a, patch) == b`` unless ``has_nulls``.
        has_nulls: ``b`` holds a null that a PATCH cannot store (null deletes); use PUT.
        null_paths: dotted paths of those nulls, for telling the user where they are.
        unchanged: the two documents are equal, so there is nothing to send.
    """

    patch: JsonValue
    has_nulls: bool
    null_paths: tuple[str, ...]
    unchanged: bool


def diff(a: JsonValue, b: JsonValue) -> MergeDiff:
    """Return the minimal merge patch taking ``a`` to ``b``.

    Unchanged keys are left out, removed keys become ``null``, changed objects become
    nested patches, and arrays and scalars are sent whole.
    """
    null_paths = tuple(_null_paths(b))
    if not isinstance(a, dict) or not isinstance(b, dict):
        # A merge patch can only express a non-object document by replacing it whole.
        return MergeDiff(_copy(b), bool(null_paths), null_paths, _same(a, b))
    patch = _diff_objects(a, b)
    return MergeDiff(patch, bool(null_paths), null_paths, not patch)


def _diff_objects(a: Mapping[str, JsonValue], b: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    root: dict[str, JsonValue] = {}
    pending: list[tuple[Mapping[str, JsonValue], Mapping[str, JsonValue], dict[str, JsonValue]]] = [(a, b, root)]
    # Nested patches in the order they were made (each after its parent's), to drop the empty ones at the end.
    nested_patches: list[tuple[dict[str, JsonValue], str, dict[str, JsonValue]]] = []
    while pending:
        old_object, new_object, patch = pending.pop()
        patch.update({key: None for key in old_object if key not in new_object})
        for key, new in new_object.items():
            old = old_object.get(key, _ABSENT)
            if old is new:
                continue  # a shared subtree (set_path shares what it leaves alone) is unchanged
            if old is _ABSENT:
                patch[key] = _copy(new)
            elif isinstance(old, dict) and isinstance(new, dict):
                nested: dict[str, JsonValue] = {}
                patch[key] = nested  # a placeholder, so the patch keeps the document's key order
                nested_patches.append((patch, key, nested))
                pending.append((old, new, nested))
            elif not _same(old, new):
                patch[key] = _copy(new)
    # Reversed, every nested patch is checked after the ones inside it, so emptiness propagates upward.
    for parent, key, nested in reversed(nested_patches):
        if not nested:
            del parent[key]
    return root


_ABSENT: Any = object()
"""A key not in an object (``None`` is a stored ``null``)."""


def _same(old: JsonValue, new: JsonValue) -> bool:
    """Equality that tells ``1`` from ``1.0`` and ``true`` from ``1``, as JSON does (at any depth)."""
    pending = [(old, new)]
    while pending:
        a, b = pending.pop()
        if type(a) is not type(b):
            return False
        if isinstance(a, dict | list) and a is b:
            continue
        if isinstance(a, dict):
            if a.keys() != b.keys():
                return False
            pending.extend((a[key], b[key]) for key in a)
        elif isinstance(a, list):
            if len(a) != len(b):
                return False
            pending.extend(zip(a, b, strict=True))
        elif a != b:
            return False
    return True


def _null_paths(value: JsonValue) -> list[str]:
    """Nulls a PATCH would read as "delete", in document order. Arrays are sent whole, so nulls in them are kept."""
    found: list[str] = []
    pending: list[tuple[JsonValue, tuple[str, ...]]] = [(value, ())]
    while pending:
        item, path = pending.pop()
        if item is None:
            found.append(".".join(path) or "(root)")
        elif isinstance(item, dict):
            pending.extend((child, (*path, key)) for key, child in reversed(item.items()))
    return found


def changed_keys(a: JsonValue, b: JsonValue) -> tuple[list[str], list[str], list[str]]:
    """Return the dotted paths added, changed and removed between two documents (leaf level)."""
    added: list[str] = []
    changed: list[str] = []
    removed: list[str] = []
    # Open object pairs: the old object, the new one's members still to compare, and their path.
    # A stack of iterators walks in document order, as recursion would, but at any depth.
    stack: list[tuple[Mapping[str, JsonValue], Iterator[tuple[str, JsonValue]], tuple[str, ...]]] = []

    def compare(old: JsonValue, new: JsonValue, path: tuple[str, ...]) -> None:
        if isinstance(old, dict) and isinstance(new, dict):
            removed.extend(".".join((*path, key)) for key in old if key not in new)
            stack.append((old, iter(new.items()), path))
        elif not _same(old, new):
            changed.append(".".join(path) or "(root)")

    compare(a, b, ())
    while stack:
        old_object, members, path = stack[-1]
        member = next(members, None)
        if member is None:
            stack.pop()
        elif member[0] not in old_object:
            added.append(".".join((*path, member[0])))
        elif old_object[member[0]] is not member[1]:  # a shared subtree is unchanged
            compare(old_object[member[0]], member[1], (*path, member[0]))
    return added, changed, removed
