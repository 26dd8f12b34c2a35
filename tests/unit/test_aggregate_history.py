"""Undo's rebuild of an earlier aggregate from logged updates (aggregate_history.restore_after)."""

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from doover_tui.aggregate_history import restore_after
from doover_tui.api import merge

keys = st.sampled_from(["a", "b", "c"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=2))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=2), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=8,
)
patches = st.one_of(st.dictionaries(keys, values, max_size=3), values)


def same(a: Any, b: Any) -> bool:
    return orjson.dumps(a, option=orjson.OPT_SORT_KEYS) == orjson.dumps(b, option=orjson.OPT_SORT_KEYS)


def replay(start: Any, updates: list[Any]) -> Any:
    for patch in updates:
        start = merge.apply(start, patch)
    return start


@settings(max_examples=600, deadline=None)
@given(start=values, updates=st.lists(patches, min_size=1, max_size=6), data=st.data())
def test_an_exact_rebuild_is_the_true_state(start: Any, updates: list[Any], data: st.DataObject) -> None:
    """Whatever the history, a rebuild that reports nothing unknown equals the real past state."""
    chosen = data.draw(st.integers(0, len(updates) - 1))
    history_from = data.draw(st.integers(0, chosen))  # the log may not reach back to the start
    truth = replay(start, updates[: chosen + 1])
    now = replay(start, updates)
    restoration = restore_after(now, updates[history_from : chosen + 1], updates[chosen + 1 :])
    if restoration.exact:
        assert same(restoration.document, truth)


@settings(max_examples=300, deadline=None)
@given(start=st.dictionaries(keys, values, max_size=3), updates=st.lists(patches, max_size=5))
def test_undoing_nothing_keeps_the_current_state(start: Any, updates: list[Any]) -> None:
    now = replay(start, updates)
    restoration = restore_after(now, updates, [])
    assert restoration.exact
    assert same(restoration.document, now)


def test_a_value_set_before_and_after_is_rolled_back_and_the_rest_kept() -> None:
    seed = {"setpoint": 10, "mode": "auto", "pump": {"rpm": 1200, "on": True}, "site": "hilltop"}
    updates = [{"setpoint": 12}, {"pump": {"rpm": 900}}, {"setpoint": 20, "pump": {"rpm": 1500}, "mode": None}]
    now = replay(seed, updates)
    restoration = restore_after(now, updates[:2], updates[2:])
    assert restoration.document == {"setpoint": 12, "pump": {"rpm": 900, "on": True}, "site": "hilltop"}
    # "mode" existed before any logged update; the log cannot say what it was.
    assert restoration.unknown_paths == ("mode",)
    assert (restoration.replayed, restoration.undone) == (2, 1)


def test_a_whole_replacement_in_the_log_is_replayed_exactly() -> None:
    updates = [{"a": {"x": 1}}, {"a": 5}, {"a": {"y": 2}}]
    now = replay({"a": {"z": 0}}, updates)
    assert now == {"a": {"y": 2}}
    restoration = restore_after(now, updates[:2], updates[2:])
    assert restoration.document == {"a": 5}
    assert restoration.exact


def test_paths_only_later_updates_touched_are_reported() -> None:
    now = {"a": 1, "b": {"c": 2}, "d": 3}
    restoration = restore_after(now, [{"d": 3}], [{"a": 1, "b": {"c": 2}}])
    assert restoration.unknown_paths == ("a", "b")
    assert restoration.document == now


def test_keys_keep_their_current_order() -> None:
    updates = [{"b": 1}, {"b": 2}]
    now = replay({"a": 0, "b": 0, "c": 0}, updates)
    assert list(restore_after(now, updates[:1], updates[1:]).document) == ["a", "b", "c"]
