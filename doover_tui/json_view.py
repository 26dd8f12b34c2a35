"""Pure helpers for showing a JSON document as a tree: paths, labels, change detection and search.

Paths are tuples of parts: ``str`` for object keys, ``int`` for array indices. As text they
read ``pump.motor.rpm``, ``items[3]`` and ``["odd.key"]``; the root is the empty string.
Nothing here imports Textual or Rich, and no function recurses, so 1,000-level documents are fine.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from typing import Any, TypeAlias

import orjson

from doover_tui.jsonedit import MISSING, escape_invisible, pretty
from doover_tui.literal import printable

PathPart: TypeAlias = str | int
Path: TypeAlias = tuple[PathPart, ...]

__all__ = [
    "MISSING",
    "Path",
    "PathPart",
    "changed_paths",
    "container_label",
    "copy_text",
    "display_key",
    "format_path",
    "kind_of",
    "parse_path",
    "preview",
    "scalar_repr",
    "search",
    "value_at",
]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INDEX = re.compile(r"\[(0|[1-9][0-9]*)\]")
_DECODER = json.JSONDecoder()
_LINE_END = re.compile(r"\r?\n")


def format_path(parts: Sequence[PathPart]) -> str:
    """The path as text: ``pump.motor.rpm``, ``items[3]``, ``["odd.key"]``; the root is ``""``."""
    pieces: list[str] = []
    for part in parts:
        if isinstance(part, int):
            pieces.append(f"[{part}]")
        elif _IDENTIFIER.fullmatch(part):
            pieces.append(f".{part}" if pieces else part)
        else:
            # Escaped so a bidi override or line separator in a key shows as what it is, and still parses.
            pieces.append(f"[{escape_invisible(json.dumps(part, ensure_ascii=False))}]")
    return "".join(pieces)


def parse_path(text: str) -> Path:
    """The parts of a path written by ``format_path`` (a leading ``$`` or ``$.`` is also accepted).

    Raises:
        ValueError: The text is not a path; the message says where.
    """
    rest = text[1:] if text.startswith("$") else text
    offset = len(text) - len(rest)
    parts: list[PathPart] = []
    position = 0
    while position < len(rest):
        dotted = rest.startswith(".", position) and (parts or offset)
        start = position + 1 if dotted else position
        name = _IDENTIFIER.match(rest, start)
        if name and (dotted or not (parts or offset)):
            parts.append(name.group())
            position = name.end()
        elif rest.startswith('["', position):
            try:
                key, end = _DECODER.raw_decode(rest, position + 1)
            except json.JSONDecodeError as exc:
                raise ValueError(f"bad quoted key at character {offset + position + 1} of {text!r}") from exc
            if not rest.startswith("]", end):
                raise ValueError(f"expected ']' at character {offset + end} of {text!r}")
            parts.append(key)
            position = end + 1
        elif index := _INDEX.match(rest, position):
            parts.append(int(index.group(1)))
            position = index.end()
        else:
            raise ValueError(f"unexpected {rest[position]!r} at character {offset + position} of {text!r}")
    return tuple(parts)


def value_at(document: Any, parts: Sequence[PathPart]) -> Any:
    """The value at a path, or ``MISSING`` where the path leads nowhere."""
    value = document
    for part in parts:
        if isinstance(value, dict) and isinstance(part, str):
            value = value.get(part, MISSING)
            if value is MISSING:
                return MISSING
        elif isinstance(value, list) and type(part) is int and 0 <= part < len(value):
            value = value[part]
        else:
            return MISSING
    return value


def kind_of(value: Any) -> str:
    """The JSON type of a value: object, array, string, number, boolean or null.

    Raises:
        TypeError: The value is not something JSON can hold.
    """
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def container_label(value: dict[str, Any] | list[Any]) -> str:
    """The size of a container: ``{} 6 keys``, ``{} 1 key``, ``[] 120 items``, ``[] empty``."""
    brackets, noun = ("{}", "key") if isinstance(value, dict) else ("[]", "item")
    count = len(value)
    if not count:
        return f"{brackets} empty"
    return f"{brackets} {count:,} {noun}{'' if count == 1 else 's'}"


def _scalar_text(value: Any) -> str:
    """JSON text of a non-string scalar (NaN and infinities as Python's json writes them)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return json.dumps(value)
    return str(value)


def scalar_repr(value: Any, max_chars: int = 200) -> str:
    """A scalar as one line of JSON text, control characters visible, cut with ``…`` past ``max_chars``."""
    if isinstance(value, str):
        # Cut before escaping so a megabyte string costs no more than a short one.
        text = printable(json.dumps(value[: max_chars + 1], ensure_ascii=False))
    else:
        text = _scalar_text(value)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def display_key(part: PathPart, max_chars: int = 80) -> str:
    """A key or index as shown on its node: ``pump`` or ``[3]``, control characters visible, cut with ``…``."""
    if isinstance(part, int):
        return f"[{part}]"
    text = printable(part[: max_chars + 1])
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def copy_text(value: Any) -> str:
    """What copying a value gives: a string as-is, other scalars as JSON, containers as indented JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return pretty(value)
    return _scalar_text(value)


def preview(text: str, limit: int = 300, max_lines: int = 8) -> str:
    """The first few lines of ``text``, control characters visible, with `` …`` if cut (for a toast)."""
    # Lines end at newlines only: splitlines() would also break at (and drop) U+0085, U+2028 and others.
    lines = _LINE_END.split(text[:limit].removesuffix("\n"))
    shown = "\n".join(printable(line) for line in lines[:max_lines]) if text else "(empty)"
    return shown + " …" if len(text) > limit or len(lines) > max_lines else shown


def _children(value: Any) -> list[tuple[PathPart, Any]]:
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list):
        return list(enumerate(value))
    return []


def _strictly_equal(old: Any, new: Any) -> bool:
    """Equal including types: ``==`` alone takes ``1``, ``1.0`` and ``true`` for one another."""
    if old is new:
        return True
    if type(old) is not type(new):
        return False
    try:
        if old != new:
            return isinstance(old, float) and math.isnan(old) and math.isnan(new)
    except RecursionError:  # too deep to compare at once: the caller compares level by level
        return False
    if not isinstance(old, dict | list):
        return True
    # Equal containers may still differ in a nested 1 versus true; the bytes tell them apart, fast.
    try:
        return orjson.dumps(old) == orjson.dumps(new)
    except orjson.JSONEncodeError:
        return False


def changed_paths(old: Any, new: Any) -> set[Path]:
    """The deepest paths whose value was added, removed or changed (their ancestors are implied)."""
    changed: set[Path] = set()
    stack: list[tuple[Path, Any, Any]] = [((), old, new)]
    while stack:
        path, before, after = stack.pop()
        if _strictly_equal(before, after):
            continue
        if isinstance(before, dict) and isinstance(after, dict):
            changed.update((*path, key) for key in before.keys() ^ after.keys())
            stack.extend(((*path, key), before[key], after[key]) for key in after if key in before)
        elif isinstance(before, list) and isinstance(after, list):
            common = min(len(before), len(after))
            changed.update((*path, index) for index in range(common, max(len(before), len(after))))
            stack.extend(((*path, index), before[index], after[index]) for index in range(common))
        else:
            changed.add(path)
    return changed


def _walk(path: Path, value: Any) -> Iterator[tuple[Path, Any]]:
    """Every path under ``path`` (itself first) in document order, without recursion."""
    stack: list[tuple[Path, Any]] = [(path, value)]
    while stack:
        here, item = stack.pop()
        yield here, item
        if isinstance(item, dict | list):
            stack.extend(((*here, part), child) for part, child in reversed(_children(item)))


def _walk_after(document: Any, after: Path) -> Iterator[tuple[Path, Any]]:
    """Every path that comes after ``after`` in document order (if it is gone: from its container's start)."""
    following: list[tuple[Path, list[tuple[PathPart, Any]]]] = []
    value = document
    for depth, part in enumerate(after):
        children = _children(value)
        parts = [child_part for child_part, _ in children]
        if part not in parts or type(part) is not type(parts[0]):
            following.append((after[:depth], children))
            break
        index = parts.index(part)
        following.append((after[:depth], children[index + 1 :]))
        value = children[index][1]
    else:
        walker = _walk(after, value)
        next(walker)
        yield from walker
    for prefix, siblings in reversed(following):
        for part, child in siblings:
            yield from _walk((*prefix, part), child)


def _matches(path: Path, value: Any, needle: str) -> bool:
    if path and isinstance(path[-1], str) and needle in path[-1].casefold():
        return True
    if isinstance(value, dict | list):
        return False
    text = value if isinstance(value, str) else _scalar_text(value)
    return needle in text.casefold()


def search(document: Any, query: str, *, start_after: Path | None = None, backward: bool = False) -> Path | None:
    """The next path (document order, wrapping) whose key or scalar value contains ``query``, any case.

    The whole document is searched, not only what is on screen. With ``backward`` the previous
    match is found instead. ``None`` when nothing matches or the query is empty.
    """
    needle = query.casefold()
    if not needle:
        return None
    if backward:
        return _search_backward(document, needle, start_after)
    if start_after is not None:
        for path, value in _walk_after(document, start_after):
            if _matches(path, value, needle):
                return path
    for path, value in _walk((), document):
        if _matches(path, value, needle):
            return path
    return None


def _search_backward(document: Any, needle: str, start_after: Path | None) -> Path | None:
    last: Path | None = None
    for path, value in _walk((), document):
        if path == start_after and last is not None:
            return last
        if _matches(path, value, needle):
            last = path
    return last
