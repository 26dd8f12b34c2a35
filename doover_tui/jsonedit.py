"""Pure JSON helpers shared by the app and the emulator (no Textual, no I/O)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
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


MAX_EDIT_DEPTH = 200
"""The deepest document the editor accepts. The service stores deeper ones (the app shows them), but
orjson encodes at most 254 levels and the merge-patch code recurses per level, so sending stops here."""


def parse_document(text: str, *, max_depth: int = MAX_EDIT_DEPTH) -> Any:
    """Parse editor text as one JSON document, as the client parses responses (orjson).

    Integers beyond 64 bits come back as floats, exactly as the client reads them from the
    server, so an unedited document parses back equal to the one that was shown. A key
    repeated in one object is an error (only its last value would survive), and so is
    nesting deeper than ``max_depth`` levels (lower it by the depth of an edited subtree).

    Raises:
        JsonSyntaxError: The text is empty, not JSON, repeats a key or nests too deep. The
            position is orjson's ``JSONDecodeError.pos``, a character index (orjson subclasses
            ``json.JSONDecodeError``), or the offending key or bracket; line and column are
            computed from it here.
    """
    if not text.strip():
        raise JsonSyntaxError("the document is empty", line=1, column=1, offset=0)
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise _located(text, exc.msg, exc.pos) from None
    if isinstance(document, dict | list):
        _check_structure(text, max_depth)
    return document


def _located(text: str, message: str, position: int) -> JsonSyntaxError:
    offset = min(max(position, 0), len(text))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return JsonSyntaxError(message, line=line, column=column, offset=offset)


# A string (a key when a colon follows it), or a bracket; the text is already known to be valid JSON.
_TOKENS = re.compile(r'(?P<string>"[^"\\]*(?:\\.[^"\\]*)*")(?P<colon>\s*:)?|(?P<open>[{\[])|(?P<close>[}\]])')


def _check_structure(text: str, max_depth: int) -> None:
    """Raise at a key an object repeats (parsers keep only its last value) or at a bracket nested too deep.

    Raises:
        JsonSyntaxError: at the repeated key (naming where it first appeared) or the bracket.
    """
    # Per open container: its keys and their offsets (None for an array). No recursion: any depth works.
    open_containers: list[dict[str, int] | None] = []
    for token in _TOKENS.finditer(text):
        if token.group("open"):
            if len(open_containers) == max(max_depth, 0):
                levels = f"{max_depth} level{'' if max_depth == 1 else 's'}"
                message = f"nested more than {levels} deep: doover-tui cannot send a document this deep"
                raise _located(text, message, token.start())
            open_containers.append({} if token.group("open") == "{" else None)
        elif token.group("close"):
            open_containers.pop()
        elif token.group("colon") and open_containers and open_containers[-1] is not None:
            keys = open_containers[-1]
            key: str = orjson.loads(token.group("string"))
            if key in keys:
                first = _located(text, "", keys[key])
                message = f"duplicate key {token.group('string')} (first at line {first.line}, column {first.column})"
                raise _located(text, message, token.start())
            keys[key] = token.start()


# Characters JSON may leave raw in strings that text boxes split lines at (U+0085, U+2028, U+2029)
# or that reorder or hide text (DEL, C1 controls, bidi overrides). Outside strings JSON has none.
_RAW_IN_STRINGS = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def pretty(value: Any) -> str:
    r"""The document as the editor shows it: two-space indents, keys in their stored order.

    Line separators, C1 controls and bidi overrides in strings are written as ``\uXXXX``
    escapes: the same JSON, but shown for what it is and kept intact by a text box.
    """
    return escape_invisible(_indented(value, sort_keys=False))


def escape_invisible(json_text: str) -> str:
    r"""JSON text with line separators, C1 controls and bidi overrides in its strings written as ``\uXXXX``."""
    return _RAW_IN_STRINGS.sub(lambda match: f"\\u{ord(match.group()):04x}", json_text)


def compact(value: Any) -> bytes:
    """The document as compact JSON (orjson's output), also when orjson refuses it (deep or huge integers)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return _encode_without_recursion(value, indent=0).encode()


def _scalar_json(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # orjson stops at 64 bits
    return orjson.dumps(value).decode()


def sorted_pretty(value: Any) -> str:
    """Two-space indents and sorted keys (as diffs compare documents), at any depth and integer size."""
    return _indented(value, sort_keys=True)


def _indented(value: Any, *, sort_keys: bool) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 | (orjson.OPT_SORT_KEYS if sort_keys else 0)).decode()
    except orjson.JSONEncodeError:
        # orjson refuses integers beyond 64 bits and nesting deeper than 254 levels, which JSON allows.
        return _encode_without_recursion(value, indent=2, sort_keys=sort_keys)


def _encode_without_recursion(value: Any, *, indent: int, sort_keys: bool = False) -> str:
    """JSON text like orjson's (``indent`` 0: compact), with an explicit stack, so any depth works.

    Raises:
        TypeError: something in ``value`` is not a JSON value, or an object key is not a string.
    """
    pieces: list[str] = []
    colon = ": " if indent else ":"
    # Each open container: its remaining members, its closing bracket, whether a member was written.
    stack: list[tuple[Iterator[tuple[str | None, Any]], str, list[bool]]] = []
    pending: list[Any] = [value]
    while pending or stack:
        if pending:
            item = pending.pop()
            if isinstance(item, dict | list) and item:
                if isinstance(item, dict):
                    members: Iterator[tuple[str | None, Any]] = iter(
                        sorted(item.items()) if sort_keys else item.items()
                    )
                else:
                    members = ((None, v) for v in item)
                pieces.append("{" if isinstance(item, dict) else "[")
                stack.append((members, "}" if isinstance(item, dict) else "]", [False]))
            elif isinstance(item, dict | list):
                pieces.append("{}" if isinstance(item, dict) else "[]")
            else:
                pieces.append(_scalar_json(item))
            continue
        members, closer, started = stack[-1]
        margin = "\n" + " " * (indent * len(stack)) if indent else ""
        member = next(members, MISSING)
        if member is MISSING:
            stack.pop()
            pieces.append(("\n" + " " * (indent * len(stack)) if indent else "") + closer)
            continue
        key, child = cast(tuple[str | None, Any], member)
        pieces.append(("," if started[0] else "") + margin)
        started[0] = True
        if key is not None:
            if not isinstance(key, str):
                raise TypeError(f"object keys must be strings, not {type(key).__name__}")
            pieces.append(orjson.dumps(key).decode() + colon)
        pending.append(child)
    return "".join(pieces)


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
    No recursion, so a path 1,000 levels deep is fine.

    Raises:
        IndexError: An integer part does not index an existing array element.
    """
    copies: list[dict[str, Any] | list[Any]] = []
    current = document
    for head in parts:
        if isinstance(head, int):
            if not isinstance(current, list) or not -len(current) <= head < len(current):
                raise IndexError(f"no array element [{head}] to set")
            items = list(current)
            copies.append(items)
            current = items[head]
        else:
            members = dict(current) if isinstance(current, dict) else {}
            copies.append(members)
            current = members.get(head)
    result = value
    for container, head in zip(reversed(copies), reversed(parts), strict=True):
        container[head] = result
        result = container
    return result


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
    """Return ``value`` without its null object members, at any depth; arrays (and anything in them) stay."""
    if not isinstance(value, dict):
        # Arrays are sent and stored whole, nulls and all, so they are left as they are.
        return value
    result: dict[str, Any] = {}
    pending = [(value, result)]
    while pending:
        source, target = pending.pop()
        for key, item in source.items():
            if isinstance(item, dict):
                target[key] = {}
                pending.append((item, target[key]))
            elif item is not None:
                target[key] = item
    return result
