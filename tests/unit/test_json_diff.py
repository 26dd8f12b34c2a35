from doover_tui.json_diff import diff_lines, pretty, summary_of_changes


def test_identical_documents_are_all_unchanged() -> None:
    doc = {"b": 1, "a": [1, 2]}
    lines = diff_lines(doc, {"a": [1, 2], "b": 1})
    assert {tag for tag, _ in lines} == {" "}
    assert [text for _, text in lines] == pretty(doc).splitlines()


def test_changed_value_is_a_removed_then_added_line() -> None:
    lines = diff_lines({"a": 1, "b": 2, "c": 3}, {"c": 3, "b": 20, "a": 1})
    assert lines == [
        (" ", "{"),
        (" ", '  "a": 1,'),
        ("-", '  "b": 2,'),
        ("+", '  "b": 20,'),
        (" ", '  "c": 3'),
        (" ", "}"),
    ]


def test_added_and_removed_keys() -> None:
    lines = diff_lines({"a": 1, "gone": True}, {"a": 1, "new": {"x": 1}})
    assert ("-", '  "gone": true') in lines
    assert ("+", '  "new": {') in lines
    assert ("+", '    "x": 1') in lines
    assert not any(tag == "-" and "new" in text for tag, text in lines)


def test_diff_of_scalars_and_none() -> None:
    assert diff_lines(None, {"a": 1}) == [("-", "null"), ("+", "{"), ("+", '  "a": 1'), ("+", "}")]
    assert diff_lines("x", "x") == [(" ", '"x"')]


def test_diff_keeps_every_line_of_both_documents() -> None:
    old = {f"k{i}": i for i in range(300)}
    new = dict(old, k150=-1, k299="end")
    lines = diff_lines(old, new)
    assert [text for tag, text in lines if tag != "+"] == pretty(old).splitlines()
    assert [text for tag, text in lines if tag != "-"] == pretty(new).splitlines()
    assert sum(tag != " " for tag, _ in lines) == 4


def test_huge_integers_do_not_break_the_diff() -> None:
    lines = diff_lines({"n": 2**70}, {"n": 1})
    assert ("-", f'  "n": {2**70}') in lines


def test_summary_of_changes() -> None:
    old = {"a": 1, "b": {"x": 1, "y": 2}, "gone": 0}
    new = {"a": 2, "b": {"x": 1, "y": 3, "z": 4}}
    assert summary_of_changes(old, new) == "2 changed, 1 added, 1 removed"
    assert summary_of_changes(old, old) == "no changes"
    assert summary_of_changes(1, 1.0) == "1 changed, 0 added, 0 removed"
