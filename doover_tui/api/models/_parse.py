"""Tolerant field readers shared by the models: absent optional fields default, extras are ignored."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from doover_tui.api.errors import ProtocolError

JsonObject = Mapping[str, Any]

# ASCII digits only: str.isdigit() also accepts "²" and other characters int() refuses.
_INTEGER = re.compile(r"-?[0-9]+")


def expect_object(value: Any, what: str) -> JsonObject:
    """Return ``value`` if it is a JSON object, else raise a ProtocolError naming ``what``."""
    # A parsed body's objects are plain dicts: skip the (slow) abstract Mapping check for them.
    if type(value) is not dict and not isinstance(value, Mapping):
        raise ProtocolError(f"expected {what} to be a JSON object, got {_kind(value)}")
    return value


def expect_list(value: Any, what: str) -> list[Any]:
    """Return ``value`` if it is a JSON array, else raise a ProtocolError naming ``what``."""
    if not isinstance(value, list):
        raise ProtocolError(f"expected {what} to be a JSON array, got {_kind(value)}")
    return value


def req_id(obj: JsonObject, key: str, what: str) -> str:
    """Read a required id, given as a string or a number, as a string."""
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ProtocolError(f"{what} has no usable {key!r} (got {_kind(value)})")
    return str(value)


def opt_id(obj: JsonObject, key: str) -> str | None:
    """Read an optional id (string or number) as a string, or None."""
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)


def req_str(obj: JsonObject, key: str, what: str) -> str:
    """Read a required string."""
    value = obj.get(key)
    if not isinstance(value, str):
        raise ProtocolError(f"{what} has no string {key!r} (got {_kind(value)})")
    return value


def opt_str(obj: JsonObject, key: str, default: str = "") -> str:
    """Read an optional string; numbers are rendered, anything else gives ``default``."""
    value = obj.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return default


def nullable_str(obj: JsonObject, key: str) -> str | None:
    """Read an optional string that may be null."""
    value = obj.get(key)
    return value if isinstance(value, str) else None


def opt_int(obj: JsonObject, key: str) -> int | None:
    """Read an optional integer (a float is truncated; a numeric string is accepted)."""
    value = obj.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    return None


def opt_float(obj: JsonObject, key: str) -> float | None:
    """Read an optional number as a float."""
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def opt_bool(obj: JsonObject, key: str, default: bool = False) -> bool:
    """Read an optional boolean."""
    value = obj.get(key)
    return value if isinstance(value, bool) else default


def opt_object(obj: JsonObject, key: str) -> dict[str, Any] | None:
    """Read an optional JSON object (returned as a plain dict), or None."""
    value = obj.get(key)
    return dict(value) if isinstance(value, Mapping) else None


def opt_list(obj: JsonObject, key: str) -> list[Any]:
    """Read an optional JSON array; absent or null gives an empty list."""
    value = obj.get(key)
    return list(value) if isinstance(value, list) else []


def str_list(obj: JsonObject, key: str) -> tuple[str, ...]:
    """Read an optional list of strings, skipping anything that is not a string."""
    return tuple(item for item in opt_list(obj, key) if isinstance(item, str))


def objects(values: list[Any]) -> list[JsonObject]:
    """Keep the JSON objects of a list, dropping anything else a newer server might add."""
    return [value for value in values if isinstance(value, Mapping)]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
