"""DRF-style request validation: collect every field's problem, then answer 400 with all of them."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from doover_tui.emulator.problems import REQUIRED, Problem, field_errors


@dataclass(frozen=True, slots=True)
class Field:
    """One writable field: its kind and limits, as the OpenAPI request schema gives them."""

    kind: str
    """``str``, ``int``, ``bool``, ``str_list``, ``any``."""
    required: bool = False
    nullable: bool = False
    min_length: int = 0
    max_length: int | None = None
    choices: Collection[str] = ()
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None


def _problem(field: Field, value: Any) -> str | None:
    if value is None:
        return None if field.nullable else "This field may not be null."
    if field.kind == "str":
        return _string_problem(field, value)
    if field.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return "A valid integer is required."
        if field.minimum is not None and value < field.minimum:
            return f"Ensure this value is greater than or equal to {field.minimum}."
        if field.maximum is not None and value > field.maximum:
            return f"Ensure this value is less than or equal to {field.maximum}."
        return None
    if field.kind == "bool":
        return None if isinstance(value, bool) else "Must be a valid boolean."
    if field.kind == "str_list":
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        return None if ok else "Expected a list of strings."
    return None


def _string_problem(field: Field, value: Any) -> str | None:
    if not isinstance(value, str):
        return "Not a valid string."
    if len(value) < max(field.min_length, 1 if field.required else 0):
        return "This field may not be blank."
    if field.max_length is not None and len(value) > field.max_length:
        return f"Ensure this field has no more than {field.max_length} characters."
    if field.choices and value not in field.choices:
        return f'"{value}" is not a valid choice.'
    if field.pattern is not None and not re.fullmatch(field.pattern, value):
        return "This value does not match the required pattern."
    return None


def check(body: Any, fields: dict[str, Field], *, partial: bool) -> dict[str, Any]:
    """Return the known fields of ``body``; raise a 400 naming every bad or missing field.

    Unknown keys are ignored, as DRF ignores them.
    """
    if not isinstance(body, dict):
        raise Problem(400, {"non_field_errors": ["Invalid data. Expected a dictionary."]})
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in body:
            if field.required and not partial:
                errors[name] = [REQUIRED]
            continue
        problem = _problem(field, body[name])
        if problem is not None:
            errors[name] = [problem]
        else:
            clean[name] = body[name]
    if errors:
        raise field_errors(errors)
    return clean
