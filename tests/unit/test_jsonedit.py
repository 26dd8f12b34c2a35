from typing import Any

import pytest

from doover_tui.jsonedit import (
    MISSING,
    JsonSyntaxError,
    SchemaProblem,
    drop_nulls,
    get_path,
    parse_document,
    patch_at,
    pretty,
    schema_problems,
    set_path,
)


def test_get_path_walks_objects_only() -> None:
    doc = {"pump": {"motor": {"rpm": 1450, "fault": None}}, "list": [1]}
    assert get_path(doc, "pump.motor.rpm") == 1450
    assert get_path(doc, "pump.motor.fault") is None
    assert get_path(doc, "pump.motor.gone") is MISSING
    assert get_path(doc, "list.0") is MISSING
    assert get_path(7, "a") is MISSING


# parse_document ------------------------------------------------------------------------------


def test_parse_document_returns_the_value() -> None:
    assert parse_document('{"a": [1, 2.5, null, true, "é"]}') == {"a": [1, 2.5, None, True, "é"]}
    assert parse_document(" 7 ") == 7


def syntax_error(text: str) -> JsonSyntaxError:
    with pytest.raises(JsonSyntaxError) as info:
        parse_document(text)
    return info.value


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('{"a": 1,}', 1, 8),  # the trailing comma itself
        ("[1,\n2,\n]", 2, 2),  # a trailing comma on a later line
        ('{\n  "a": 1,\n  "b": tru\n}', 3, 8),  # a bad literal, multi-line
        ('{\n  "a": "ok",\n  "b": "unterminated\n}', 3, 21),  # the raw newline inside the string
        ('{"a": 1\r\n, "b": x}', 2, 8),  # CRLF: columns still count from the line start
        ('["😀😀", tru]', 1, 8),  # columns count characters, not bytes or UTF-16 units
        ('{"a": 1} extra', 1, 10),
        ("[1, 2", 1, 6),
    ],
)
def test_syntax_errors_say_where(text: str, line: int, column: int) -> None:
    error = syntax_error(text)
    assert (error.line, error.column) == (line, column)
    before = text[: error.offset]
    assert before.count("\n") + 1 == line
    assert error.message
    assert str(error).startswith(f"line {line}, column {column}: ")


def test_unterminated_string_at_end_of_text() -> None:
    error = syntax_error('{"name": "pump')
    assert (error.line, error.column, error.offset) == (1, 15, 14)


def test_trailing_comma_message_is_plain() -> None:
    assert "trailing comma" in syntax_error('{"a": 1,}').message


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_empty_document_is_an_error(text: str) -> None:
    error = syntax_error(text)
    assert error.message == "the document is empty"
    assert (error.line, error.column, error.offset) == (1, 1, 0)


def test_syntax_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="line 1, column 2"):
        parse_document("[x]")


# pretty --------------------------------------------------------------------------------------


def test_pretty_keeps_key_order_and_indents_two_spaces() -> None:
    assert pretty({"b": 1, "a": [True, None]}) == '{\n  "b": 1,\n  "a": [\n    true,\n    null\n  ]\n}'
    assert parse_document(pretty({"b": 1, "a": "é"})) == {"b": 1, "a": "é"}


def test_pretty_handles_integers_beyond_64_bits() -> None:
    text = pretty({"big": 2**70, "s": "é"})
    assert text == '{\n  "big": 1180591620717411303424,\n  "s": "é"\n}'


# schema_problems -----------------------------------------------------------------------------

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["pump"],
    "properties": {
        "pump": {
            "type": "object",
            "properties": {"motor": {"type": "object", "properties": {"rpm": {"type": "integer", "maximum": 3000}}}},
        },
        "items": {"type": "array", "items": {"type": "string"}},
        "odd.key": {"type": "boolean"},
    },
}


def test_valid_document_has_no_problems() -> None:
    assert schema_problems({"pump": {"motor": {"rpm": 1450}}}, SCHEMA) == []


def test_schema_problems_have_paths_sorted() -> None:
    document = {"pump": {"motor": {"rpm": 9000}}, "items": ["a", "b", "c", 4], "odd.key": "yes"}
    problems = schema_problems(document, SCHEMA)
    assert [problem.path for problem in problems] == ['["odd.key"]', "items[3]", "pump.motor.rpm"]
    assert "9000" in problems[2].message
    assert "is not of type 'string'" in problems[1].message


def test_root_problem_path() -> None:
    problems = schema_problems({}, SCHEMA)
    assert problems == [SchemaProblem("(root)", "'pump' is a required property")]


def test_schema_problems_are_limited() -> None:
    problems = schema_problems({"pump": {}, "items": list(range(100))}, SCHEMA, limit=5)
    assert len(problems) == 5


@pytest.mark.parametrize("schema", [{"type": "bogus"}, {"$ref": "#/nowhere"}, 5, {"type": 3}])
def test_invalid_schema_is_one_problem(schema: Any) -> None:
    problems = schema_problems({"a": 1}, schema)
    assert len(problems) == 1
    assert problems[0].path == "(schema)"
    assert problems[0].message


def test_boolean_schemas() -> None:
    assert schema_problems({"a": 1}, True) == []
    assert [problem.path for problem in schema_problems({"a": 1}, False)] == ["(root)"]


# set_path, patch_at, drop_nulls --------------------------------------------------------------


def test_set_path_copies_along_the_path() -> None:
    document: dict[str, Any] = {"pump": {"motor": {"rpm": 1}, "other": {"x": 1}}, "list": [{"a": 1}, 2]}
    updated = set_path(document, ["pump", "motor", "rpm"], 2)
    assert updated == {"pump": {"motor": {"rpm": 2}, "other": {"x": 1}}, "list": [{"a": 1}, 2]}
    assert document["pump"]["motor"]["rpm"] == 1, "the input is never changed"
    assert set_path(document, ["list", 0, "a"], 5)["list"] == [{"a": 5}, 2]
    assert document["list"] == [{"a": 1}, 2]


def test_set_path_creates_missing_objects() -> None:
    assert set_path({"a": 1}, ["b", "c", "d"], True) == {"a": 1, "b": {"c": {"d": True}}}
    assert set_path({"a": 5}, ["a", "b"], None) == {"a": {"b": None}}
    assert set_path(None, ["x"], 1) == {"x": 1}


def test_set_path_empty_path_is_the_value() -> None:
    assert set_path({"a": 1}, [], [1, 2]) == [1, 2]


@pytest.mark.parametrize(("document", "parts"), [({"a": [1]}, ["a", 1]), ({"a": {}}, ["a", 0])])
def test_set_path_index_must_exist(document: Any, parts: list[str | int]) -> None:
    with pytest.raises(IndexError):
        set_path(document, parts, 0)


def test_patch_at() -> None:
    assert patch_at(["a", "b"], 5) == {"a": {"b": 5}}
    assert patch_at(["a"], None) == {"a": None}
    assert patch_at([], {"whole": 1}) == {"whole": 1}
    with pytest.raises(ValueError, match="array element"):
        patch_at(["a", 0], 1)


def test_drop_nulls_leaves_arrays_alone() -> None:
    value = {"a": None, "b": {"c": None, "d": 1}, "e": [None, {"f": None}], "g": 0}
    assert drop_nulls(value) == {"b": {"d": 1}, "e": [None, {"f": None}], "g": 0}
    assert value["a"] is None, "the input is never changed"
    assert drop_nulls(None) is None
