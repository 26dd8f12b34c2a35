"""Pure JSON helpers shared by the app and the emulator (no Textual, no I/O)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

import orjson


class _Missing:
    """The type of ``MISSING``."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""What ``get_path`` returns where the path leads nowhere (a stored ``null`` is ``None``)."""


def get_path(document: Any, path: str) -> Any:
    """The value at a dotted path (``pump.motor.rpm``) through nested objects, or ``MISSING``."""
    value = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


class JsonSyntaxError(ValueError):
    """Text that is not one JSON document, with where the parser gave up.

    Attributes:
        message: what is wrong, in the parser's words.
        line: 1-based line of the problem (a line ends at each newline).
        column: 1-based column in characters (not bytes) on that line.
        offset: 0-based character index into the text.
    """

    def __init__(self, message: str, *, line: int, column: int, offset: int) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset


def parse_document(text: str) -> Any:
    """Parse editor text as one JSON document, as the client parses responses (orjson).

    Integers beyond 64 bits come back as floats, exactly as the client reads them from the
    server, so an unedited document parses back equal to the one that was shown.

    Raises:
        JsonSyntaxError: The text is empty or not JSON. The position is orjson's
            ``JSONDecodeError.pos``, a character index (orjson subclasses
            ``json.JSONDecodeError``); line and column are computed from it here.
    """
    if not text.strip():
        raise JsonSyntaxError("the document is empty", line=1, column=1, offset=0)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        offset = min(max(exc.pos, 0), len(text))
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise JsonSyntaxError(exc.msg, line=line, column=column, offset=offset) from None


def pretty(value: Any) -> str:
    """The document as the editor shows it: two-space indents, keys in their stored order."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONEncodeError:
        # orjson refuses integers beyond 64 bits, which JSON itself allows.
        return json.dumps(value, indent=2, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    """One way a document breaks its JSON Schema: where (``pump.motor.rpm``, ``(root)``) and why."""

    path: str
    message: str


def schema_problems(document: Any, schema: Any, *, limit: int = 50) -> list[SchemaProblem]:
    """Check ``document`` against ``schema``; at most ``limit`` problems, sorted by path.

    An invalid schema yields one problem whose path is ``(schema)``.
    """
    # All deferred: jsonschema is slow to import, and json_view imports this module.
    import jsonschema
    from jsonschema.exceptions import SchemaError, UnknownType
    from referencing.exceptions import Unresolvable

    from doover_tui.json_view import format_path

    if not isinstance(schema, dict | bool):
        return [SchemaProblem("(schema)", "a schema must be an object or a boolean")]
    try:
        validator_class = jsonschema.validators.validator_for(schema)
        # The stubs type schemas as mappings, but true and false are valid schemas too.
        validator_class.check_schema(cast(Any, schema))
        errors = list(itertools.islice(validator_class(schema).iter_errors(document), limit))
    except SchemaError as exc:
        return [SchemaProblem("(schema)", exc.message)]
    except (Unresolvable, UnknownType) as exc:
        # Found only while validating (a dangling $ref, an unknown type): still the schema's fault.
        return [SchemaProblem("(schema)", str(exc).splitlines()[0])]
    problems = [SchemaProblem(format_path(list(error.absolute_path)) or "(root)", error.message) for error in errors]
    return sorted(problems, key=lambda problem: (problem.path, problem.message))


def set_path(document: Any, parts: Sequence[str | int], value: Any) -> Any:
    """Return a copy of ``document`` with ``value`` at ``parts``; missing or non-object steps become objects.

    Only the containers along the path are copied; everything else is shared with ``document``.

    Raises:
        IndexError: An integer part does not index an existing array element.
    """
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if isinstance(head, int):
        if not isinstance(document, list) or not -len(document) <= head < len(document):
            raise IndexError(f"no array element [{head}] to set")
        items = list(document)
        items[head] = set_path(items[head], rest, value)
        return items
    members = dict(document) if isinstance(document, dict) else {}
    members[head] = set_path(members.get(head), rest, value)
    return members


def patch_at(parts: Sequence[str | int], value: Any) -> Any:
    """A merge patch that sets the subtree at ``parts`` to ``value`` (``{"a": {"b": value}}``).

    Raises:
        ValueError: A part is an array index; a merge patch can only send a whole array.
    """
    patch = value
    for part in reversed(parts):
        if isinstance(part, int):
            raise ValueError(f"a merge patch cannot address array element [{part}]; send the whole array")
        patch = {part: patch}
    return patch


def drop_nulls(value: Any) -> Any:
    """Return ``value`` without its null object members, recursively; arrays (and anything in them) stay."""
    if isinstance(value, dict):
        return {key: drop_nulls(item) for key, item in value.items() if item is not None}
    # Arrays are sent and stored whole, nulls and all, so they are left as they are.
    return value
