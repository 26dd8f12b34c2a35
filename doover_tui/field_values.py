"""Field paths into message data (``pump.rpm``, ``sensors[0].temp``): parsing, lookup, filters and numeric series."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import orjson

from doover_tui.api.models import Message
from doover_tui.api.snowflake import id_sort_key
from doover_tui.json_view import PathPart, value_at
from doover_tui.jsonedit import MISSING

"""One step of a field path: an object key or an array index."""

NUMERIC_PATH_LIMIT = 200
"""How many numeric paths :func:`numeric_paths` lists at most: enough to pick from, cheap on huge documents."""

_KEY = re.compile(r"[^.\[\]]+")
_INDEX = re.compile(r"\[([0-9]+)\]")
_RESERVED = frozenset(".[]")


def parse_field_path(text: str) -> tuple[PathPart, ...]:
    """Parse ``a.b[0].c`` into ``("a", "b", 0, "c")``: dots before object keys, ``[n]`` for array indices.

    Raises:
        ValueError: the path is empty or malformed; the message says where.
    """
    source = text.strip()
    if not source:
        raise ValueError("empty field path: give one such as pump.rpm or sensors[0].temp")
    parts: list[PathPart] = []
    pos = 0
    while pos < len(source):
        if source[pos] == "[":
            match = _INDEX.match(source, pos)
            if match is None:
                raise ValueError(f"bad array index at character {pos + 1} of {source!r}: use [n], e.g. sensors[0]")
            parts.append(int(match.group(1)))
        else:
            if parts:
                if source[pos] != ".":
                    raise ValueError(f"expected '.' or '[' at character {pos + 1} of {source!r}")
                pos += 1
            match = _KEY.match(source, pos)
            if match is None:
                raise ValueError(f"empty key at character {pos + 1} of {source!r}")
            parts.append(match.group())
        pos = match.end()
    return tuple(parts)


def format_field_path(parts: Iterable[PathPart]) -> str:
    """Format path parts back into the text :func:`parse_field_path` reads."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append(f".{part}" if out else part)
    return "".join(out)


def is_number(value: Any) -> bool:
    """Whether ``value`` is a JSON number (an int or float, but not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def numeric_paths(data: Any, *, limit: int = NUMERIC_PATH_LIMIT) -> list[str]:
    """Return the paths of number leaves in ``data``, in document order, at most ``limit`` of them.

    Keys that a path cannot spell (empty, or holding ``.``, ``[`` or ``]``) are skipped.
    """
    return _paths(data, is_number, limit)


def leaf_paths(data: Any, *, limit: int = NUMERIC_PATH_LIMIT) -> list[str]:
    """Return the paths of every scalar leaf (numbers, strings, booleans, nulls), as ``numeric_paths`` does."""
    return _paths(data, lambda value: not isinstance(value, dict | list), limit)


def _paths(data: Any, wanted: Callable[[Any], bool], limit: int) -> list[str]:
    found: list[str] = []
    # An explicit stack, children pushed in reverse, walks in document order without recursion limits.
    stack: list[tuple[Any, tuple[PathPart, ...]]] = [(data, ())]
    while stack and len(found) < limit:
        value, path = stack.pop()
        if wanted(value):
            if path:
                found.append(format_field_path(path))
        elif isinstance(value, dict):
            children = [(item, (*path, key)) for key, item in value.items() if _spellable(key)]
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend((value[index], (*path, index)) for index in range(len(value) - 1, -1, -1))
    return found


def _spellable(key: Any) -> bool:
    return isinstance(key, str) and bool(key) and key.strip() == key and not _RESERVED.intersection(key)


def series(messages: Iterable[Message], path: str | Sequence[PathPart]) -> list[tuple[datetime, float]]:
    """Return ``(created_at, value)`` for each message with a number at ``path``, oldest first.

    Messages without a number there (absent, bool, numeric string, …) or without a
    snowflake time are skipped.
    """
    parts = parse_field_path(path) if isinstance(path, str) else tuple(path)
    keyed: list[tuple[tuple[int, int, str], datetime, float]] = []
    for message in messages:
        value = value_at(message.data, parts)
        if not is_number(value):
            continue
        created = message.created_at
        if created is not None:
            keyed.append((id_sort_key(message.id), created, float(value)))
    keyed.sort(key=lambda item: item[0])
    return [(created, value) for _, created, value in keyed]


def suggest_field(messages: Iterable[Message]) -> str | None:
    """Return the first numeric path of the newest message that has one, or None."""
    for message in sorted(messages, key=lambda m: id_sort_key(m.id), reverse=True):
        paths = numeric_paths(message.data, limit=1)
        if paths:
            return paths[0]
    return None


FilterOp = Literal["present", "==", "!="]


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """A message filter on one field: present, equal to a value, or not equal to it.

    Attributes:
        path: the field path as typed (stripped).
        parts: the parsed path.
        op: ``present`` (the field exists, null included), ``==`` or ``!=``.
        value: the value compared with; a missing field counts as not equal.
    """

    path: str
    parts: tuple[PathPart, ...]
    op: FilterOp = "present"
    value: Any = None

    @classmethod
    def parse(cls, text: str) -> FieldFilter:
        """Parse ``pump.rpm``, ``pump.rpm=1200``, ``pump.mode=auto`` or ``online!=true``.

        The value is read as JSON when it parses as JSON, otherwise as a plain string.

        Raises:
            ValueError: the path is empty or malformed.
        """
        op: FilterOp = "present"
        path, value_text = text, ""
        equals = text.find("=")
        if equals >= 0:
            negated = equals > 0 and text[equals - 1] == "!"
            op = "!=" if negated else "=="
            path, value_text = text[: equals - 1 if negated else equals], text[equals + 1 :]
        path = path.strip()
        if not path:
            raise ValueError("the filter needs a field path, e.g. pump.rpm or pump.mode=auto")
        parts = parse_field_path(path)
        return cls(path, parts, op, _read_value(value_text.strip()) if op != "present" else None)

    def matches(self, data: Any) -> bool:
        """Whether a message's data passes this filter."""
        found = value_at(data, self.parts)
        if self.op == "present":
            return found is not MISSING
        equal = found is not MISSING and json_equal(found, self.value)
        return equal if self.op == "==" else not equal

    @property
    def text(self) -> str:
        """The filter written back as :meth:`parse` reads it."""
        return str(self)

    def __str__(self) -> str:
        if self.op == "present":
            return self.path
        plain = isinstance(self.value, str) and _read_value(self.value) == self.value
        value = self.value if plain else orjson.dumps(self.value).decode()
        return f"{self.path}{'=' if self.op == '==' else '!='}{value}"


def _read_value(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON means it: ``1 == 1.0`` but ``true != 1``, recursively."""
    if is_number(a) and is_number(b):
        return bool(a == b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
