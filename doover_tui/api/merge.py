"""JSON merge patch as the Doover data API applies it (reference §2.4), and its inverse."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    subtree instead of being merged.
    """
    replace = {tuple(path.split(".")) for path in replace_paths if path}
    return _apply(doc, patch, (), replace)


def _apply(doc: JsonValue, patch: JsonValue, path: tuple[str, ...], replace: set[tuple[str, ...]]) -> JsonValue:
    if not isinstance(patch, dict) or not isinstance(doc, dict):
        return _copy(patch)
    merged = dict(doc)
    for key, value in patch.items():
        child_path = (*path, key)
        if value is None:
            merged.pop(key, None)
        elif child_path in replace:
            merged[key] = _copy(value)
        elif isinstance(value, dict):
            merged[key] = _apply(merged.get(key, {}), value, child_path, replace)
        else:
            merged[key] = _copy(value)
    return merged


def _copy(value: JsonValue) -> JsonValue:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


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
    null_paths = tuple(_null_paths(b, ()))
    if not isinstance(a, dict) or not isinstance(b, dict):
        # A merge patch can only express a non-object document by replacing it whole.
        return MergeDiff(_copy(b), bool(null_paths), null_paths, _same(a, b))
    patch = _diff_objects(a, b)
    return MergeDiff(patch, bool(null_paths), null_paths, not patch)


def _diff_objects(a: Mapping[str, JsonValue], b: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    patch: dict[str, JsonValue] = {key: None for key in a if key not in b}
    for key, new in b.items():
        if key not in a:
            patch[key] = _copy(new)
            continue
        old = a[key]
        if isinstance(old, dict) and isinstance(new, dict):
            nested = _diff_objects(old, new)
            if nested:
                patch[key] = nested
        elif not _same(old, new):
            patch[key] = _copy(new)
    return patch


def _same(old: JsonValue, new: JsonValue) -> bool:
    """Equality that tells ``1`` from ``1.0`` and ``true`` from ``1``, as JSON does."""
    if type(old) is not type(new):
        return False
    if isinstance(old, dict):
        return old.keys() == new.keys() and all(_same(old[key], new[key]) for key in old)
    if isinstance(old, list):
        return len(old) == len(new) and all(_same(x, y) for x, y in zip(old, new, strict=True))
    return bool(old == new)


def _null_paths(value: JsonValue, path: tuple[str, ...]) -> Iterable[str]:
    """Nulls a PATCH would read as "delete". Arrays are sent whole, so nulls inside them are kept."""
    if value is None:
        yield ".".join(path) or "(root)"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _null_paths(item, (*path, key))


def changed_keys(a: JsonValue, b: JsonValue) -> tuple[list[str], list[str], list[str]]:
    """Return the dotted paths added, changed and removed between two documents (leaf level)."""
    added: list[str] = []
    changed: list[str] = []
    removed: list[str] = []
    _walk_changes(a, b, (), added, changed, removed)
    return added, changed, removed


def _walk_changes(
    a: JsonValue,
    b: JsonValue,
    path: tuple[str, ...],
    added: list[str],
    changed: list[str],
    removed: list[str],
) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in a:
            if key not in b:
                removed.append(".".join((*path, key)))
        for key, new in b.items():
            if key not in a:
                added.append(".".join((*path, key)))
            else:
                _walk_changes(a[key], new, (*path, key), added, changed, removed)
    elif not _same(a, b):
        changed.append(".".join(path) or "(root)")
