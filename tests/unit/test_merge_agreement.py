"""Property tests: the client's merge patch (api.merge) and the emulator's aggregate merge agree.

The emulator has no merge code of its own: ``DataService.update_aggregate`` calls
``doover_tui.api.merge.apply``. Comparing the function with itself would prove nothing, so
(b) drives the emulator's real write path (SQLite storage included) and compares the stored
aggregate with what the client predicts.
"""

import functools
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from doover_tui.api import merge
from doover_tui.emulator import data_service
from doover_tui.emulator.data_service import DataService
from doover_tui.emulator.db import Database
from doover_tui.emulator.ids import IdMaker
from doover_tui.jsonedit import drop_nulls

AGENT = "1"
CHANNEL = "agreement"

# A few short keys, so documents and patches often touch the same members.
keys = st.sampled_from(["a", "b", "c", "é", "a b", ""])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),  # what orjson, and so client and emulator, can store
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=4),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=12,
)
objects = st.dictionaries(keys, documents, max_size=4)
bounded = settings(max_examples=200, deadline=None)


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


def member_paths(value: Any, prefix: tuple[str, ...] = ()) -> list[str]:
    """Every dotted path through nested objects, for choosing ``replace=`` paths."""
    if not isinstance(value, dict):
        return []
    paths: list[str] = []
    for key, item in value.items():
        path = (*prefix, key)
        paths.append(".".join(path))
        paths.extend(member_paths(item, path))
    return paths


@functools.cache
def emulator() -> DataService:
    """One in-memory emulator data service with one channel, shared by every example."""
    service = DataService(Database(":memory:"), IdMaker(), lambda ref, name, payload: None)
    service.create_channel(AGENT, CHANNEL, {})
    return service


def emulator_merge(doc: Any, patch: Any, replace_paths: list[str]) -> Any:
    """Store ``doc`` with a PUT, PATCH it, and read the aggregate back: the emulator's merge, end to end."""
    service = emulator()
    service.update_aggregate(AGENT, CHANNEL, doc, author_id="1", replace=True)
    service.update_aggregate(AGENT, CHANNEL, patch, author_id="1", replace=False, replace_paths=replace_paths)
    return service.get_aggregate(AGENT, CHANNEL)["data"]


# (a) diff then apply reaches the target -----------------------------------------------------
#
# Precondition: the target holds no null as an object member outside arrays. In a merge patch
# such a null means "delete", so no patch can store it (that is what PUT is for); nulls inside
# arrays are fine, because arrays are sent and stored whole. drop_nulls makes any generated
# document meet the precondition.


@bounded
@given(documents, documents)
def test_apply_of_diff_reaches_the_target(a: Any, generated: Any) -> None:
    b = drop_nulls(generated)
    assert canonical(merge.apply(a, merge.diff(a, b).patch)) == canonical(b)


@bounded
@given(objects, objects)
def test_apply_of_diff_reaches_the_target_objects(a: dict[str, Any], generated: dict[str, Any]) -> None:
    # Object documents are the normal case; this keeps most examples on the recursive path.
    b = drop_nulls(generated)
    assert canonical(merge.apply(a, merge.diff(a, b).patch)) == canonical(b)


# (b) the client's merge and the emulator's agree --------------------------------------------


def test_the_emulator_merges_with_the_clients_function() -> None:
    # Read from the module's namespace: data_service imports merge without re-exporting it.
    assert vars(data_service)["merge"].apply is merge.apply


@bounded
@given(objects, objects)
def test_client_and_emulator_agree(doc: dict[str, Any], patch: dict[str, Any]) -> None:
    assert canonical(emulator_merge(doc, patch, [])) == canonical(merge.apply(doc, patch))


@bounded
@given(documents, documents)
def test_client_and_emulator_agree_on_any_json(doc: Any, patch: Any) -> None:
    assert canonical(emulator_merge(doc, patch, [])) == canonical(merge.apply(doc, patch))


@bounded
@given(objects, objects, st.data())
def test_client_and_emulator_agree_with_replace_paths(doc: dict[str, Any], patch: dict[str, Any], data: Any) -> None:
    candidates = member_paths(patch) + member_paths(doc)
    chosen = data.draw(st.lists(st.sampled_from(candidates), max_size=2) if candidates else st.just([]))
    expected = merge.apply(doc, patch, chosen)
    assert canonical(emulator_merge(doc, patch, chosen)) == canonical(expected)
