"""Pure JSON-tree helpers: paths, labels, copying, change detection and search."""

from __future__ import annotations

import json
import math
import time
from typing import Any

import orjson
import pytest

from doover_tui.json_view import (
    MISSING,
    Path,
    changed_paths,
    container_label,
    copy_text,
    display_key,
    format_path,
    kind_of,
    parse_path,
    preview,
    scalar_repr,
    search,
    value_at,
)

DOC: dict[str, Any] = {
    "online": True,
    "mode": "auto",
    "pump": {"motor": {"rpm": 1450, "temp": 61.5}, "flags": [True, None, "x"]},
    "odd.key": {"with space": 1},
    "items": [{"name": "first"}, {"name": "Second"}],
    "température": "chaud",
}


def nested(depth: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"k": value}
    return value


@pytest.mark.parametrize(
    ("parts", "text"),
    [
        ((), ""),
        (("pump", "motor", "rpm"), "pump.motor.rpm"),
        (("items", 3), "items[3]"),
        ((3, "x"), "[3].x"),
        (("odd.key",), '["odd.key"]'),
        (("pump", "with space", "a-b_c"), 'pump["with space"].a-b_c'),
        (("0",), '["0"]'),
        (("",), '[""]'),
        (("température",), '["température"]'),
        (('quo"te', "[red]x[/]"), '["quo\\"te"]["[red]x[/]"]'),
        (("\x1b[2J",), '["\\u001b[2J"]'),
    ],
)
def test_format_path_and_parse_path_round_trip(parts: Path, text: str) -> None:
    assert format_path(parts) == text
    assert parse_path(text) == parts


def test_parse_path_accepts_a_dollar_root() -> None:
    assert parse_path("$") == ()
    assert parse_path("$.pump.motor") == ("pump", "motor")
    assert parse_path("$[2]") == (2,)


@pytest.mark.parametrize(
    "text", ["$pump", ".a", "a..b", "a.", "a[01]", "a[-1]", 'a["x"', 'a["x', "a b", 'a.["x"]', "a[x]"]
)
def test_parse_path_rejects_malformed_text_with_a_position(text: str) -> None:
    with pytest.raises(ValueError, match="character"):
        parse_path(text)


def test_value_at_follows_keys_and_indices() -> None:
    assert value_at(DOC, ()) is DOC
    assert value_at(DOC, ("pump", "motor", "rpm")) == 1450
    assert value_at(DOC, ("items", 1, "name")) == "Second"
    assert value_at(DOC, ("pump", "flags", 1)) is None


@pytest.mark.parametrize(
    "parts",
    [
        ("nope",),
        ("pump", "motor", "rpm", "x"),
        ("items", 2),
        ("items", -1),
        ("items", "0"),
        ("pump", 0),
        ("items", True),
    ],
)
def test_value_at_gives_missing_where_the_path_leads_nowhere(parts: Path) -> None:
    assert value_at(DOC, parts) is MISSING


@pytest.mark.parametrize(
    ("value", "kind"),
    [({}, "object"), ([], "array"), ("", "string"), (0, "number"), (1.5, "number"), (False, "boolean"), (None, "null")],
)
def test_kind_of(value: Any, kind: str) -> None:
    assert kind_of(value) == kind


def test_kind_of_rejects_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError, match="tuple"):
        kind_of((1, 2))


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ({f"k{i}": i for i in range(6)}, "{} 6 keys"),
        ({"a": 1}, "{} 1 key"),
        ({}, "{} empty"),
        (list(range(120)), "[] 120 items"),
        ([0], "[] 1 item"),
        ([], "[] empty"),
        (list(range(12_345)), "[] 12,345 items"),
    ],
)
def test_container_label(value: Any, label: str) -> None:
    assert container_label(value) == label


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("auto", '"auto"'),
        ("line\nbreak\ttab", '"line\\nbreak\\ttab"'),
        ("\x1b[2J", '"\\u001b[2J"'),
        ("[red]x[/]", '"[red]x[/]"'),
        ("\u202eevil", '"\\u202eevil"'),
        ("café", '"café"'),
        (1450, "1450"),
        (61.5, "61.5"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (float("nan"), "NaN"),
        (10**30, str(10**30)),
    ],
)
def test_scalar_repr_is_json_text_with_controls_visible(value: Any, text: str) -> None:
    assert scalar_repr(value) == text


def test_scalar_repr_cuts_long_values_with_an_ellipsis() -> None:
    text = scalar_repr("x" * 1_000_000, max_chars=20)
    assert text == '"' + "x" * 18 + "…"
    assert len(text) == 20
    assert scalar_repr("short", max_chars=20) == '"short"'


def test_display_key_is_literal_and_bounded() -> None:
    assert display_key("[red]x[/]") == "[red]x[/]"
    assert display_key("\x1b[2J") == "\\x1b[2J"
    assert display_key(3) == "[3]"
    assert display_key("k" * 500, max_chars=10) == "k" * 9 + "…"


def test_copy_text() -> None:
    assert copy_text("plain text") == "plain text"
    assert copy_text(1450) == "1450"
    assert copy_text(None) == "null"
    assert copy_text(True) == "true"
    assert copy_text({"a": [1, 2]}) == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    assert copy_text([]) == "[]"


def test_copy_text_falls_back_for_values_orjson_cannot_write() -> None:
    assert json.loads(copy_text({"big": 10**30})) == {"big": 10**30}


def test_changed_paths_reports_changes_additions_and_removals() -> None:
    new = json.loads(json.dumps(DOC))
    new["pump"]["motor"]["rpm"] = 1500
    new["mode"] = "manual"
    del new["online"]
    new["added"] = {"x": 1}
    new["pump"]["flags"].append(4)
    new["items"].pop()
    assert changed_paths(DOC, new) == {
        ("pump", "motor", "rpm"),
        ("mode",),
        ("online",),
        ("added",),
        ("pump", "flags", 3),
        ("items", 1),
    }


def test_changed_paths_of_equal_documents_is_empty() -> None:
    assert changed_paths(DOC, json.loads(json.dumps(DOC))) == set()
    assert changed_paths({"v": float("nan")}, {"v": float("nan")}) == set()


def test_changed_paths_sees_type_changes_that_compare_equal() -> None:
    assert changed_paths({"a": 1}, {"a": True}) == {("a",)}
    assert changed_paths({"a": [1]}, {"a": [1.0]}) == {("a", 0)}
    assert changed_paths({"a": {}}, {"a": []}) == {("a",)}
    assert changed_paths(1, "1") == {()}


def test_changed_paths_on_a_deep_document_does_not_recurse() -> None:
    assert changed_paths(nested(1000, 1), nested(1000, 2)) == {("k",) * 1000}


def test_changed_paths_is_fast_on_a_large_document_with_few_changes() -> None:
    old = {"devices": [{"id": i, "name": f"pump {i}", "rpm": i * 1.5, "tags": ["a", "b"]} for i in range(8000)]}
    new = orjson.loads(orjson.dumps(old))
    new["devices"][7999]["rpm"] = -1
    start = time.perf_counter()
    assert changed_paths(old, new) == {("devices", 7999, "rpm")}
    assert time.perf_counter() - start < 0.5


def test_search_finds_keys_and_values_in_document_order_any_case() -> None:
    assert search(DOC, "MOTOR") == ("pump", "motor")
    assert search(DOC, "second") == ("items", 1, "name")
    assert search(DOC, "1450") == ("pump", "motor", "rpm")
    assert search(DOC, "null") == ("pump", "flags", 1)
    assert search(DOC, "CHAUD") == ("température",)
    assert search(DOC, "space") == ("odd.key", "with space")


def test_search_continues_after_a_path_and_wraps() -> None:
    assert search(DOC, "name") == ("items", 0, "name")
    assert search(DOC, "name", start_after=("items", 0, "name")) == ("items", 1, "name")
    assert search(DOC, "name", start_after=("items", 1, "name")) == ("items", 0, "name")
    assert search(DOC, "auto", start_after=("mode",)) == ("mode",)
    assert search(DOC, "first", start_after=("items", 0)) == ("items", 0, "name")


def test_search_after_a_vanished_path_continues_from_the_start_of_its_container() -> None:
    assert search(DOC, "name", start_after=("items", 1, "gone")) == ("items", 1, "name")
    assert search(DOC, "chaud", start_after=("items", 9)) == ("température",)
    assert search(DOC, "auto", start_after=("gone", "deeper")) == ("mode",)


def test_search_backward() -> None:
    assert search(DOC, "name", backward=True) == ("items", 1, "name")
    assert search(DOC, "name", start_after=("items", 1, "name"), backward=True) == ("items", 0, "name")
    assert search(DOC, "name", start_after=("items", 0, "name"), backward=True) == ("items", 1, "name")


def test_search_without_a_match_or_query() -> None:
    assert search(DOC, "zzz") is None
    assert search(DOC, "zzz", start_after=("mode",)) is None
    assert search(DOC, "") is None
    assert search(DOC, "zzz", backward=True) is None


def test_search_does_not_match_array_indices_or_containers_text() -> None:
    assert search({"a": [5, 6]}, "1") is None
    assert search({"a": {}}, "{}") is None


def test_search_reaches_a_deep_document_without_recursion() -> None:
    assert search(nested(1000, "needle"), "needle") == ("k",) * 1000
    assert search(nested(1000, "needle"), "needle", start_after=("k",) * 10) == ("k",) * 1000


def test_nan_and_infinity_are_shown_and_searchable() -> None:
    assert scalar_repr(math.inf) == "Infinity"
    assert search({"v": math.inf}, "infinity") == ("v",)


def test_preview_is_short_and_literal() -> None:
    assert preview("first") == "first"
    assert preview("") == "(empty)"
    assert preview("a\nb") == "a\nb"
    assert preview("\n".join(str(i) for i in range(20)), max_lines=3) == "0\n1\n2 …"
    assert preview("[red]x[/]\x1b[2J" + "z" * 500, limit=20) == "[red]x[/]\\x1b[2J" + "z" * 7 + " …"
