from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from doover_tui.api.merge import apply, changed_keys, diff
from doover_tui.jsonedit import compact

scalars = st.one_of(st.booleans(), st.integers(-1000, 1000), st.floats(allow_nan=False, width=32), st.text(max_size=5))
keys = st.text(alphabet="abcdef", min_size=1, max_size=3)


def json_values(allow_null: bool) -> st.SearchStrategy[Any]:
    base = st.one_of(st.none(), scalars) if allow_null else scalars
    return st.recursive(
        base,
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=4)),
        max_leaves=15,
    )


def test_reference_example() -> None:
    stored = {"a": 1, "b": {"x": 1, "y": 2}, "tags": [1, 2]}
    patch = {"b": {"y": None, "z": 3}, "tags": [3], "c": True}
    assert apply(stored, patch) == {"a": 1, "b": {"x": 1, "z": 3}, "tags": [3], "c": True}
    assert stored == {"a": 1, "b": {"x": 1, "y": 2}, "tags": [1, 2]}, "apply must not mutate its input"


def test_replace_paths_swap_subtrees_whole() -> None:
    stored = {"state": {"children": {"app": {"old": 1, "keep": 2}}, "other": 1}}
    patch = {"state": {"children": {"app": {"new": 3}}}}
    merged = apply(stored, patch, replace_paths=["state.children.app"])
    assert merged == {"state": {"children": {"app": {"new": 3}}, "other": 1}}
    assert apply(stored, patch)["state"]["children"]["app"] == {"old": 1, "keep": 2, "new": 3}


def test_patch_object_over_scalar_is_stored_whole_including_nulls() -> None:
    assert apply({"a": 5}, {"a": {"x": None, "y": 1}}) == {"a": {"x": None, "y": 1}}


def test_non_object_patch_replaces() -> None:
    assert apply({"a": 1}, [1, 2]) == [1, 2]
    assert apply([1], {"a": 1}) == {"a": 1}


def test_diff_is_minimal_and_flags_nulls() -> None:
    a = {"keep": 1, "gone": 2, "nested": {"same": 1, "changed": 1}, "list": [1, 2]}
    b = {"keep": 1, "nested": {"same": 1, "changed": 2}, "list": [1, 2, 3], "new": None}
    result = diff(a, b)
    assert result.patch == {"gone": None, "nested": {"changed": 2}, "list": [1, 2, 3], "new": None}
    assert result.has_nulls
    assert result.null_paths == ("new",)
    assert not result.unchanged


def test_diff_tells_int_from_bool_and_equal_docs_are_unchanged() -> None:
    assert diff({"a": 1}, {"a": True}).patch == {"a": True}
    assert diff({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}).unchanged
    assert diff([1, 2], [1, 2]).unchanged


def test_changed_keys_lists_leaves() -> None:
    added, changed, removed = changed_keys({"a": 1, "b": {"c": 1}, "d": 0}, {"a": 2, "b": {"c": 1, "e": 1}})
    assert (added, changed, removed) == (["b.e"], ["a"], ["d"])


@settings(max_examples=300)
@given(json_values(allow_null=True), json_values(allow_null=False))
def test_apply_of_diff_reaches_any_null_free_target(a: Any, b: Any) -> None:
    assert apply(a, diff(a, b).patch) == b


@given(json_values(allow_null=True), json_values(allow_null=True))
def test_unchanged_exactly_when_equal(a: Any, b: Any) -> None:
    assert diff(a, a).unchanged
    if diff(a, b).unchanged:
        assert a == b
    elif isinstance(a, dict) and isinstance(b, dict):
        assert diff(a, b).patch != {}


def test_nulls_inside_arrays_do_not_force_a_put() -> None:
    result = diff({"a": [1]}, {"a": [1, None], "b": {"c": [None]}})
    assert not result.has_nulls
    assert apply({"a": [1]}, result.patch) == {"a": [1, None], "b": {"c": [None]}}


def test_every_function_works_2000_levels_down() -> None:
    def nested(depth: int, leaf: object) -> object:
        for _ in range(depth):
            leaf = {"k": leaf, "n": None}
        return leaf

    deep = 2000  # twice the recursion limit
    old, new = nested(deep, "x"), nested(deep, "y")
    result = diff(old, new)
    assert result.null_paths == tuple(".".join(["k"] * i + ["n"]) for i in reversed(range(deep)))  # "k" first
    assert compact(result.patch) == b'{"k":' * deep + b'"y"' + b"}" * deep
    merged = apply(old, result.patch)
    assert compact(merged) == compact(new)  # the stored nulls stay: the patch never mentions them
    assert changed_keys(old, merged) == ([], [".".join(["k"] * deep)], [])
    cleared = apply(old, old)  # as a patch, each "n": null deletes
    assert compact(cleared) == b'{"k":' * deep + b'"x"' + b"}" * deep
    assert changed_keys(old, cleared) == ([], [], [".".join(["k"] * i + ["n"]) for i in range(deep)])
