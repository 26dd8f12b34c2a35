from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from doover_tui.api import merge
from doover_tui.edit_preview import Mode, make_preview, overlapping, rebase, remote_changes

ORIGINAL: dict[str, Any] = {"pump": {"on": False, "rpm": 1450, "fault": "none"}, "tags": [1, 2], "site": "north"}


def test_patch_preview_sends_the_minimal_patch() -> None:
    edited = {"pump": {"on": True, "rpm": 1450, "fault": "none"}, "tags": [1, 2, 3], "site": "north", "new": 1}
    preview = make_preview(ORIGINAL, edited, "patch")
    assert preview.body == {"pump": {"on": True}, "tags": [1, 2, 3], "new": 1}
    assert preview.added == ["new"]
    assert sorted(preview.changed) == ["pump.on", "tags"]
    assert preview.removed == []
    assert preview.null_paths == []
    assert not preview.unchanged
    assert preview.summary == "PATCH (merge): 2 changed, 1 added, 0 removed"
    assert ("-", '    "on": false,') in preview.diff
    assert ("+", '    "on": true,') in preview.diff


def test_patch_preview_removal_becomes_a_null() -> None:
    edited = {"pump": {"on": False, "rpm": 1450}, "tags": [1, 2], "site": "north"}
    preview = make_preview(ORIGINAL, edited, "patch")
    assert preview.body == {"pump": {"fault": None}}
    assert preview.removed == ["pump.fault"]
    assert preview.null_paths == [], "a removed key is an intended deletion, not a lost null"
    assert ("-", '    "fault": "none",') in preview.diff


def test_patch_preview_reports_nulls_it_cannot_store() -> None:
    edited = {"pump": {"on": False, "rpm": None, "fault": "none"}, "tags": [None], "site": "north", "extra": None}
    preview = make_preview(ORIGINAL, edited, "patch")
    assert preview.body == {"pump": {"rpm": None}, "tags": [None], "extra": None}
    assert sorted(preview.null_paths) == ["extra", "pump.rpm"], "nulls inside arrays are stored"
    # What actually happens: rpm is deleted, "extra" never appears.
    assert preview.removed == ["pump.rpm"]
    assert preview.added == []
    assert preview.changed == ["tags"]


def test_patch_of_only_a_new_null_changes_nothing() -> None:
    preview = make_preview({"a": 1}, {"a": 1, "b": None}, "patch")
    assert preview.body == {"b": None}
    assert preview.null_paths == ["b"]
    assert preview.unchanged
    assert preview.summary == "PATCH (merge): no changes"


def test_patch_keeps_nulls_sent_over_a_stored_scalar() -> None:
    # The merge stores an object sent over a non-object whole, nulls included (reference §2.4).
    preview = make_preview({"a": 5}, {"a": {"x": None}}, "patch")
    assert preview.null_paths == []
    assert preview.changed == ["a"]


def test_put_preview_sends_the_whole_document_and_keeps_nulls() -> None:
    edited = {"pump": {"on": False, "rpm": None}, "site": "south"}
    preview = make_preview(ORIGINAL, edited, "put")
    assert preview.body == edited
    assert preview.null_paths == []
    assert sorted(preview.changed) == ["pump.rpm", "site"]
    assert sorted(preview.removed) == ["pump.fault", "tags"]
    assert preview.summary == "PUT (replace): 2 changed, 0 added, 2 removed"
    assert ("+", '    "rpm": null') in preview.diff


def test_unchanged_documents() -> None:
    modes: tuple[Mode, ...] = ("patch", "put")
    for mode in modes:
        preview = make_preview(ORIGINAL, merge.apply(ORIGINAL, {}), mode)
        assert preview.unchanged
        assert preview.added == preview.changed == preview.removed == []
        assert all(tag == " " for tag, _ in preview.diff)
    assert make_preview(ORIGINAL, {}, "patch").body == {"pump": None, "tags": None, "site": None}


def test_types_count_as_changes() -> None:
    preview = make_preview({"a": 1}, {"a": 1.0}, "patch")
    assert preview.body == {"a": 1.0}
    assert not preview.unchanged


def test_non_object_documents() -> None:
    preview = make_preview({"a": 1}, [1, None], "patch")
    assert preview.body == [1, None]
    assert preview.changed == ["(root)"]
    assert preview.null_paths == []
    assert make_preview([1], [1], "put").unchanged


def test_remote_changes() -> None:
    current = merge.apply(ORIGINAL, {"site": "south", "pump": {"fault": None}, "seen": 1})
    changes = remote_changes(ORIGINAL, current)
    assert (changes.added, changes.changed, changes.removed) == (["seen"], ["site"], ["pump.fault"])
    assert not changes.unchanged
    assert changes.summary == "changed on the server: 1 changed, 1 added, 1 removed"
    assert ("+", '  "site": "south",') in changes.diff
    same = remote_changes(ORIGINAL, merge.apply(ORIGINAL, {}))
    assert same.unchanged
    assert same.diff == []


def test_rebase_reapplies_my_edits_onto_the_new_state() -> None:
    edited = {"pump": {"on": True, "rpm": 1450}, "tags": [1, 2], "site": "north"}  # on changed, fault removed
    current: dict[str, Any] = {"pump": {"on": False, "rpm": 1500, "fault": "none"}, "tags": [1, 2], "site": "east"}
    current["seen"] = 1
    assert rebase(ORIGINAL, edited, current) == {
        "pump": {"on": True, "rpm": 1500},
        "tags": [1, 2],
        "site": "east",
        "seen": 1,
    }
    assert current["pump"]["fault"] == "none", "inputs are never changed"


def test_rebase_my_value_wins_on_conflict() -> None:
    edited = merge.apply(ORIGINAL, {"site": "mine"})
    current = merge.apply(ORIGINAL, {"site": "theirs"})
    assert rebase(ORIGINAL, edited, current)["site"] == "mine"


def test_rebase_without_edits_is_the_current_state() -> None:
    current = {"anything": [1]}
    assert rebase(ORIGINAL, ORIGINAL, current) == current


# Properties ----------------------------------------------------------------------------------

documents = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-2, 2), st.text("xy", max_size=2)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("abc"), inner, max_size=3)),
    max_leaves=10,
)


def canonical(value: Any) -> bytes:
    """Strict equality: tells 1 from 1.0 and true from 1, ignores key order (JSON objects are unordered).

    -0.0 counts as 0.0, as it does for merge.diff (Python ``==``): editing one into the other is no change.
    """
    return orjson.dumps(_zero_signless(value), option=orjson.OPT_SORT_KEYS)


def _zero_signless(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _zero_signless(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_zero_signless(item) for item in value]
    return value + 0.0 if isinstance(value, float) else value  # -0.0 + 0.0 is 0.0


@settings(max_examples=200, deadline=None)
@given(documents, documents)
def test_patch_stores_the_edit_exactly_when_no_null_is_lost(original: Any, edited: Any) -> None:
    preview = make_preview(original, edited, "patch")
    stored = merge.apply(original, preview.body)
    assert (not preview.null_paths) == (canonical(stored) == canonical(edited))
    assert preview.unchanged == (canonical(stored) == canonical(original))


@settings(max_examples=200, deadline=None)
@given(documents, documents)
def test_rebase_onto_an_unchanged_server_is_the_patch_result(base: Any, edited: Any) -> None:
    expected = merge.apply(base, make_preview(base, edited, "patch").body)
    assert canonical(rebase(base, edited, base)) == canonical(expected)


def test_overlap_is_found_at_the_same_path_or_inside_it() -> None:
    base = {"a": {"b": 1, "c": 2}, "d": 3}
    mine = make_preview(base, {"a": {"b": 5, "c": 2}, "d": 3}, "patch")
    assert overlapping(mine, remote_changes(base, {"a": {"b": 1, "c": 2}, "d": 4})) == []
    assert overlapping(mine, remote_changes(base, {"a": {"b": 9, "c": 2}, "d": 3})) == ["a.b"]
    assert overlapping(mine, remote_changes(base, {"a": 7, "d": 3})) == ["a.b"]
    assert overlapping(mine, remote_changes(base, [1])) == ["a.b"]
