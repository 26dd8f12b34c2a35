"""JsonTree in a tiny app: lazy children, labels, keys, copy, find and live updates."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets.tree import TreeNode

from doover_tui.json_view import MISSING, Path
from doover_tui.widgets.json_tree import JsonTree

DOC: dict[str, Any] = {
    "online": True,
    "mode": "auto",
    "pump": {"motor": {"rpm": 1450, "temp": 61.5}, "flags": [True, None]},
    "items": [{"name": "first"}, {"name": "second"}],
    "nothing": None,
    "empty": {},
}


class TreeApp(App[None]):
    def __init__(self, document: Any = MISSING) -> None:
        super().__init__()
        self.document = document
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield JsonTree("agg")

    def on_mount(self) -> None:
        tree = self.query_one(JsonTree)
        tree.focus()
        if self.document is not MISSING:
            tree.show(self.document)

    def on_json_tree_path_highlighted(self, message: JsonTree.PathHighlighted) -> None:
        self.seen.append(message)


def count(node: TreeNode[Any]) -> int:
    return 1 + sum(count(child) for child in node.children)


def labels(node: TreeNode[Any]) -> list[str]:
    return [str(child.label) for child in node.children]


def rendered(tree: JsonTree) -> list[str]:
    return ["".join(segment.text for segment in tree.render_line(y)) for y in range(tree.size.height)]


def cursor(tree: JsonTree) -> Path | None:
    """The cursor's path (through a call, so mypy does not narrow it between key presses)."""
    return tree.cursor_path


def paths(app: TreeApp) -> list[Any]:
    return [message.path for message in app.seen if isinstance(message, JsonTree.PathHighlighted)]


@pytest.fixture
def clipboard(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    copied: list[str] = []
    monkeypatch.setattr(App, "copy_to_clipboard", lambda self, text: copied.append(text))
    return copied


async def test_first_show_builds_the_root_and_one_level_only() -> None:
    app = TreeApp(DOC)
    async with app.run_test() as pilot:
        tree = app.query_one(JsonTree)
        await pilot.pause()
        assert tree.root.is_expanded
        assert count(tree.root) == 1 + len(DOC)
        pump = tree.root.children[2]
        assert pump.allow_expand
        assert not pump.is_expanded
        assert not pump.children
        assert cursor(tree) == ()
        assert paths(app) == [()]


async def test_labels_show_sizes_and_json_text() -> None:
    app = TreeApp(DOC)
    async with app.run_test():
        tree = app.query_one(JsonTree)
        assert str(tree.root.label) == "agg {} 6 keys"
        assert labels(tree.root) == [
            "online: true",
            'mode: "auto"',
            "pump {} 2 keys",
            "items [] 2 items",
            "nothing: null",
            "empty {} empty",
        ]
        assert not tree.root.children[5].allow_expand
        assert tree.go_to(("items", 1))
        assert labels(tree.root.children[3]) == ["[0] {} 1 key", "[1] {} 1 key"]


async def test_values_are_coloured_by_type_from_component_classes() -> None:
    app = TreeApp({"s": "x", "n": 1, "b": False, "z": None, "o": {"a": 1}})
    async with app.run_test():
        tree = app.query_one(JsonTree)

        def value_colour(index: int, kind: str) -> Any:
            node = tree.root.children[index]
            label = tree.render_label(node, Style(), Style())
            icon = len(label.plain) - len(str(node.label))
            value = [span.style for span in label.spans if span.start == icon + 1 and isinstance(span.style, Style)]
            assert value
            assert value[0].color == tree.get_component_rich_style(f"json-tree--{kind}").color
            key = [span.style for span in label.spans if span.start == icon and isinstance(span.style, Style)]
            assert key
            assert key[0].bold
            return value[0].color

        kinds = ["string", "number", "boolean", "null", "size"]
        colours = [value_colour(index, kind) for index, kind in enumerate(kinds)]
        assert len(set(colours[:4])) == 4


async def test_keys_expand_collapse_and_move_to_parent() -> None:
    app = TreeApp(DOC)
    async with app.run_test() as pilot:
        tree = app.query_one(JsonTree)
        await pilot.press("down", "down", "down")
        assert cursor(tree) == ("pump",)
        await pilot.press("right")
        pump = tree.root.children[2]
        assert pump.is_expanded
        assert labels(pump) == ["motor {} 2 keys", "flags [] 2 items"]
        await pilot.press("right")
        assert cursor(tree) == ("pump", "motor")
        assert not pump.children[0].children
        await pilot.press("space")
        await pilot.pause()
        assert labels(pump.children[0]) == ["rpm: 1450", "temp: 61.5"]
        await pilot.press("left")
        assert not pump.children[0].is_expanded
        await pilot.press("left")
        assert cursor(tree) == ("pump",)
        await pilot.press("enter")
        await pilot.pause()
        assert not pump.is_expanded
        assert paths(app)[-5:] == [("online",), ("mode",), ("pump",), ("pump", "motor"), ("pump",)]


async def test_enter_expands_and_builds_children() -> None:
    app = TreeApp(DOC)
    async with app.run_test() as pilot:
        tree = app.query_one(JsonTree)
        await pilot.press("down", "down", "down", "down", "enter")
        await pilot.pause()
        items = tree.root.children[3]
        assert items.is_expanded
        assert len(items.children) == 2


async def test_path_highlighted_carries_path_value_and_control() -> None:
    app = TreeApp(DOC)
    async with app.run_test() as pilot:
        tree = app.query_one(JsonTree)
        await pilot.press("down")
        await pilot.pause()
        message = app.seen[-1]
        assert isinstance(message, JsonTree.PathHighlighted)
        assert (message.path, message.value, message.control) == (("online",), True, tree)
        assert tree.cursor_value is True


async def test_y_copies_the_value_and_capital_y_the_path(clipboard: list[str], notes: list[str]) -> None:
    app = TreeApp(DOC)
    async with app.run_test() as pilot:
        tree = app.query_one(JsonTree)
        assert tree.go_to(("items", 0, "name"))
        await pilot.press("y", "Y")
        assert clipboard == ["first", "items[0].name"]
        assert notes[-2:] == ["first", "items[0].name"]
        tree.go_to(("pump", "motor"))
        await pilot.press("y")
        assert clipboard[-1] == '{\n  "rpm": 1450,\n  "temp": 61.5\n}'
        tree.go_to(())
        await pilot.press("Y")
        assert clipboard[-1] == "$"


async def test_copy_toast_is_short_and_literal(clipboard: list[str], notes: list[str]) -> None:
    long_text = "[red]x[/]\x1b[2J" + "z" * 1000
    app = TreeApp({"v": long_text})
    async with app.run_test() as pilot:
        app.query_one(JsonTree).go_to(("v",))
        await pilot.press("y")
        assert clipboard == [long_text]
        assert notes[-1].startswith("[red]x[/]\\x1b[2J")
        assert notes[-1].endswith("…")
        assert len(notes[-1]) < 400


async def test_find_expands_ancestors_and_wraps() -> None:
    app = TreeApp(DOC)
    async with app.run_test() as pilot:
        tree = app.query_one(JsonTree)
        assert tree.find("RPM")
        assert cursor(tree) == ("pump", "motor", "rpm")
        assert tree.root.children[2].is_expanded
        assert tree.root.children[2].children[0].is_expanded
        assert tree.find("name")
        assert cursor(tree) == ("items", 0, "name")
        assert tree.find("name")
        assert cursor(tree) == ("items", 1, "name")
        assert tree.find("name")
        assert cursor(tree) == ("items", 0, "name")
        assert tree.find("name", forward=False)
        assert cursor(tree) == ("items", 1, "name")
        assert not tree.find("no such thing")
        assert cursor(tree) == ("items", 1, "name")
        await pilot.pause()
        assert paths(app)[-1] == ("items", 1, "name")


async def test_a_large_container_is_shown_in_chunks() -> None:
    app = TreeApp({"list": list(range(1200))})
    async with app.run_test() as pilot:
        tree = app.query_one(JsonTree)
        await pilot.press("down", "right")
        items = tree.root.children[0]
        assert len(items.children) == JsonTree.CHUNK + 1
        assert str(items.children[-1].label) == "… 700 more"
        assert tree.go_to(("list", 499))
        await pilot.press("down")
        assert cursor(tree) == ("list",)
        await pilot.press("enter")
        await pilot.pause()
        assert len(items.children) == 2 * JsonTree.CHUNK + 1
        assert str(items.children[-1].label) == "… 200 more"
        assert cursor(tree) == ("list", 500)
        assert tree.find("1100")
        assert cursor(tree) == ("list", 1100)
        assert len(items.children) == 1200


async def test_live_update_keeps_expansion_and_cursor_and_marks_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    app = TreeApp(DOC)
    async with app.run_test() as pilot:
        tree = app.query_one(JsonTree)
        timers: list[tuple[float, Callable[[], object]]] = []
        real_set_timer = tree.set_timer

        def spy(delay: float, callback: Callable[[], object], **kwargs: Any) -> Any:
            timers.append((delay, callback))
            return real_set_timer(delay, callback, **kwargs)

        monkeypatch.setattr(tree, "set_timer", spy)
        tree.go_to(("pump", "motor", "temp"))
        motor = tree.root.children[2].children[0]
        new = copy.deepcopy(DOC)
        new["pump"]["motor"]["rpm"] = 1500
        new["mode"] = "manual"
        tree.show(new)
        await pilot.pause()
        assert cursor(tree) == ("pump", "motor", "temp")
        assert tree.root.children[2].children[0] is motor
        assert motor.is_expanded
        assert labels(motor) == ["rpm: 1500", "temp: 61.5"]
        assert str(tree.root.children[1].label) == 'mode: "manual"'
        assert tree.highlighted_paths == {("pump", "motor", "rpm"), ("mode",)}
        changed = tree.render_label(motor.children[0], Style(), Style())
        assert any(
            span.style == tree.get_component_rich_style("json-tree--changed", partial=True) for span in changed.spans
        )
        assert [delay for delay, _ in timers] == [JsonTree.HIGHLIGHT_SECONDS]
        timers[0][1]()
        assert tree.highlighted_paths == set()


async def test_changes_inside_a_collapsed_container_mark_the_container() -> None:
    app = TreeApp(DOC)
    async with app.run_test():
        tree = app.query_one(JsonTree)
        new = copy.deepcopy(DOC)
        new["pump"]["flags"][1] = 3
        tree.show(new)
        assert tree.highlighted_paths == {("pump",)}
        assert count(tree.root) == 1 + len(DOC)


async def test_an_unchanged_update_does_nothing() -> None:
    app = TreeApp(DOC)
    async with app.run_test():
        tree = app.query_one(JsonTree)
        before = list(tree.root.children)
        tree.show(copy.deepcopy(DOC))
        assert list(tree.root.children) == before
        assert tree.highlighted_paths == set()


async def test_new_keys_rebuild_children_but_keep_nested_expansion() -> None:
    app = TreeApp(DOC)
    async with app.run_test() as pilot:
        tree = app.query_one(JsonTree)
        tree.go_to(("pump", "motor", "rpm"))
        new = {"added": 1, **copy.deepcopy(DOC)}
        del new["online"]
        new["pump"]["motor"]["volts"] = 230
        tree.show(new)
        await pilot.pause()
        assert labels(tree.root)[:2] == ["added: 1", 'mode: "auto"']
        motor = tree.root.children[2].children[0]
        assert motor.is_expanded
        assert labels(motor) == ["rpm: 1450", "temp: 61.5", "volts: 230"]
        assert cursor(tree) == ("pump", "motor", "rpm")
        assert str(tree.root.label) == "agg {} 6 keys"
        assert tree.highlighted_paths == {(), ("added",), ("pump", "motor", "volts")}


async def test_cursor_falls_back_to_the_nearest_surviving_ancestor() -> None:
    app = TreeApp(DOC)
    async with app.run_test() as pilot:
        tree = app.query_one(JsonTree)
        tree.go_to(("pump", "motor", "rpm"))
        new = copy.deepcopy(DOC)
        new["pump"]["motor"] = "gone"
        tree.show(new)
        await pilot.pause()
        assert cursor(tree) == ("pump", "motor")
        assert tree.cursor_value == "gone"
        assert not tree.root.children[2].children[0].allow_expand
        assert paths(app)[-1] == ("pump", "motor")


async def test_keep_state_false_starts_over() -> None:
    app = TreeApp(DOC)
    async with app.run_test():
        tree = app.query_one(JsonTree)
        tree.go_to(("pump", "motor", "rpm"))
        tree.show({"other": [1]}, keep_state=False)
        assert labels(tree.root) == ["other [] 1 item"]
        assert cursor(tree) == ()
        assert tree.highlighted_paths == set()


@pytest.mark.parametrize(
    ("document", "label", "children"),
    [
        ([1, "two", None, [4]], "agg [] 4 items", ["[0]: 1", '[1]: "two"', "[2]: null", "[3] [] 1 item"]),
        ("text", 'agg: "text"', []),
        (None, "agg: null", []),
        (42, "agg: 42", []),
    ],
)
async def test_documents_that_are_not_objects(document: Any, label: str, children: list[str]) -> None:
    app = TreeApp(document)
    async with app.run_test() as pilot:
        tree = app.query_one(JsonTree)
        assert str(tree.root.label) == label
        assert labels(tree.root) == children
        await pilot.press("y")
        tree.show({"now": "an object"})
        assert str(tree.root.label) == "agg {} 1 key"
        assert labels(tree.root) == ['now: "an object"']
        assert tree.find("object")
        assert cursor(tree) == ("now",)


async def test_device_text_is_shown_literally() -> None:
    app = TreeApp({"[red]x[/]": "\x1b[2J", "[b]k\x1b[31m": {"\u202ekey": "[link=x]y[/link]"}})
    async with app.run_test(size=(80, 10)) as pilot:
        tree = app.query_one(JsonTree)
        tree.go_to(("[b]k\x1b[31m", "\u202ekey"))
        await pilot.pause()
        screen = "\n".join(rendered(tree))
        assert '[red]x[/]: "\\u001b[2J"' in screen
        assert "[b]k\\x1b[31m {} 1 key" in screen
        assert '\\u202ekey: "[link=x]y[/link]"' in screen
        assert "\x1b" not in screen
        assert "\u202e" not in screen


async def test_a_one_megabyte_document_builds_only_its_first_level() -> None:
    document = {
        f"device_{i}": {"rpm": i * 1.5, "name": f"pump {i}", "tags": ["a", "b", "c"], "ok": True} for i in range(13_000)
    }
    assert len(orjson.dumps(document)) > 1_000_000
    app = TreeApp()
    async with app.run_test() as pilot:
        tree = app.query_one(JsonTree)
        start = time.perf_counter()
        tree.show(document)
        await pilot.pause()
        elapsed = time.perf_counter() - start
        print(f"show() + first paint of a {len(orjson.dumps(document)):,}-byte aggregate: {elapsed * 1000:.0f} ms")
        assert count(tree.root) == 1 + JsonTree.CHUNK + 1
        assert str(tree.root.children[-1].label) == "… 12,500 more"
