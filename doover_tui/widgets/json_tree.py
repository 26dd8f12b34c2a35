"""A JSON document as a tree whose children are built on expand, for the Aggregate tab."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.widgets import Tree
from textual.widgets._tree import _TreeLine
from textual.widgets.tree import TreeNode

from doover_tui import json_view
from doover_tui.json_view import MISSING, Path, PathPart, value_at

_CONTAINERS = ("object", "array")
_MORE = "more"
_TOGGLE = Style.from_meta({"toggle": True})
_Memory = dict[Path, tuple[int, bool]]
"""Children built and expanded state per path, kept across a rebuild of a subtree."""
_Build = tuple[TreeNode["_Entry"], Any, int]
"""A node, its value, and how many of its children to build."""


@dataclass(slots=True)
class _Entry:
    """What a node stands for: the value at ``path``, or (kind "more") the rest of that container."""

    path: Path
    kind: str
    key_end: int
    shown: int = 0
    """How many children have been built."""
    mark: int = 0
    """The update that changed this value, while it is highlighted; 0 otherwise."""


def _real(node: TreeNode[_Entry]) -> bool:
    """Whether a node stands for a value (not a "… more" node)."""
    return node.data is not None and node.data.kind != _MORE


def _descendants(node: TreeNode[_Entry]) -> Iterator[TreeNode[_Entry]]:
    stack = list(node.children)
    while stack:
        child = stack.pop()
        yield child
        stack.extend(child.children)


class JsonTree(Tree[_Entry]):
    """A JSON document as a tree: sizes on containers, values coloured by type, live updates highlighted."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "copy_value", "Copy value", id="tree.copy-value"),
        Binding("Y", "copy_path", "Copy path", id="tree.copy-path"),
        Binding("left", "collapse_or_parent", "Collapse", show=False, id="tree.collapse"),
        Binding("right", "expand_or_child", "Expand", show=False, id="tree.expand"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | y | Copy the value under the cursor (strings as-is, containers as indented JSON). |
    | Y | Copy the path under the cursor (`pump.motor.rpm`; the root is `$`). |
    | left | Collapse the node, or go to its parent. |
    | right | Expand the node, or go to its first child. |
    | enter, space | Expand or collapse (Tree's own keys; up/down move). |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "json-tree--key",
        "json-tree--string",
        "json-tree--number",
        "json-tree--boolean",
        "json-tree--null",
        "json-tree--size",
        "json-tree--changed",
    }

    DEFAULT_CSS = """
    JsonTree {
        & > .json-tree--key { text-style: bold; }
        & > .json-tree--string { color: $text-success; }
        & > .json-tree--number { color: $text-primary; }
        & > .json-tree--boolean { color: $text-warning; }
        & > .json-tree--null { color: $text-muted; text-style: italic; }
        & > .json-tree--size { color: $text-muted; }
        & > .json-tree--changed { background: $warning-muted; }
    }
    """

    CHUNK: ClassVar[int] = 500
    """Children built at a time; the rest wait behind a "… N more" node."""
    HIGHLIGHT_SECONDS: ClassVar[float] = 1.5
    """How long a changed value stays highlighted."""

    @dataclass
    class PathHighlighted(Message):
        """The cursor moved to a path (or the value under it changed)."""

        path: Path
        value: Any
        json_tree: JsonTree

        @property
        def control(self) -> JsonTree:
            """The tree that posted this."""
            return self.json_tree

    def __init__(self, root_name: str = "root", **kwargs: Any) -> None:
        self._root_name = json_view.display_key(root_name)
        super().__init__(Text(self._root_name), **kwargs)
        self._document: Any = MISSING
        self._by_path: dict[Path, TreeNode[_Entry]] = {}
        self._generation = 0
        self._marked: dict[int, list[TreeNode[_Entry]]] = {}

    @property
    def cursor_path(self) -> Path | None:
        """The path under the cursor (a "… more" node counts as its container), or None."""
        node = self.cursor_node
        return None if node is None or node.data is None else node.data.path

    @property
    def cursor_value(self) -> Any:
        """The value under the cursor, or ``MISSING``."""
        path = self.cursor_path
        return MISSING if path is None else value_at(self._document, path)

    @property
    def highlighted_paths(self) -> set[Path]:
        """Paths of the nodes currently highlighted as changed."""
        marked = (node.data for nodes in self._marked.values() for node in nodes)
        return {entry.path for entry in marked if entry and entry.mark and entry.path in self._by_path}

    def show(self, document: Any, *, keep_state: bool = True) -> None:
        """Display a document; later calls keep expansion and cursor and highlight what changed."""
        old, self._document = self._document, document
        if old is MISSING or not keep_state:
            self._start(document)
            return
        changed = json_view.changed_paths(old, document)
        if not changed:
            return
        cursor = self.cursor_node
        was_more = cursor is not None and cursor.data is not None and cursor.data.kind == _MORE
        path = self.cursor_path
        dirty = {changed_path[:depth] for changed_path in changed for depth in range(len(changed_path) + 1)}
        self._sync(self.root, document, dirty)
        self._open(self.root)
        self._highlight(changed)
        if path is not None:
            target = self._restore_cursor(path, was_more)
            if target is cursor and path in dirty:
                self.post_message(self.PathHighlighted(path, self.cursor_value, self))

    def find(self, query: str, *, forward: bool = True) -> bool:
        """Move the cursor to the next (or previous) key or value containing ``query``; False if none."""
        if self._document is MISSING:
            return False
        found = json_view.search(self._document, query, start_after=self.cursor_path, backward=not forward)
        return found is not None and self.go_to(found)

    def go_to(self, path: Path) -> bool:
        """Move the cursor to ``path``, building and expanding its ancestors; False if it is not there."""
        if value_at(self._document, path) is MISSING:
            return False
        node = self.root
        for depth, part in enumerate(path):
            self._open(node)
            if path[: depth + 1] not in self._by_path:
                container = value_at(self._document, node.data.path if node.data else ())
                position = part if isinstance(part, int) else list(container).index(part)
                self._extend(node, container, min(len(container), (position // self.CHUNK + 1) * self.CHUNK))
            node = self._by_path[path[: depth + 1]]
        self._move_to(node)
        return True

    def _start(self, document: Any) -> None:
        self._drop_children(self.root)
        self._by_path.clear()
        self._marked.clear()
        self.root.data = _Entry((), "null", 0)
        self._by_path[()] = self.root
        self._relabel(self.root, document)
        self._open(self.root)
        if self.cursor_node is self.root:  # Tree announces only a move, and the cursor may start on the root
            self.post_message(self.PathHighlighted((), document, self))
        self._move_to(self.root)

    def _label_for(self, path: Path, value: Any) -> tuple[Text, str, int]:
        key = json_view.display_key(path[-1]) if path else self._root_name
        kind = json_view.kind_of(value)
        shown = json_view.container_label(value) if kind in _CONTAINERS else json_view.scalar_repr(value)
        return Text(f"{key} {shown}" if kind in _CONTAINERS else f"{key}: {shown}"), kind, len(key)

    def _relabel(self, node: TreeNode[_Entry], value: Any) -> None:
        assert node.data is not None
        label, node.data.kind, node.data.key_end = self._label_for(node.data.path, value)
        expandable = node.data.kind in _CONTAINERS and bool(value)
        if node.allow_expand != expandable:
            node.allow_expand = expandable
        if label.plain != str(node.label):
            node.set_label(label)
        if not expandable and node.data.shown:
            self._drop_children(node)
            node.collapse()

    def _sync(self, node: TreeNode[_Entry], value: Any, dirty: set[Path]) -> None:
        """Bring a built subtree up to date, touching only paths under a change (no recursion: any depth)."""
        pending = [(node, value)]
        while pending:
            pending.extend(self._sync_one(*pending.pop(), dirty))

    def _sync_one(self, node: TreeNode[_Entry], value: Any, dirty: set[Path]) -> list[tuple[TreeNode[_Entry], Any]]:
        """Update one node and its list of children; return the children that need the same."""
        entry = node.data
        if entry is None or entry.path not in dirty:
            return []
        self._relabel(node, value)
        if not entry.shown:
            return []
        kept = [child for child in node.children if child.data and child.data.kind != _MORE]
        parts = [child.data.path[-1] for child in kept if child.data]
        keys = iter(value) if isinstance(value, dict) else iter(range(len(value)))
        if list(islice(keys, len(parts))) != parts:
            memory = {n.data.path: (n.data.shown, n.is_expanded) for n in _descendants(node) if n.data and _real(n)}
            shown, entry.shown = entry.shown, 0
            self._drop_children(node)
            self._extend(node, value, min(len(value), max(shown, self.CHUNK)), memory)
            return []
        self._extend(node, value, min(len(value), max(entry.shown, self.CHUNK)))
        return [(child, value[part]) for child, part in zip(kept, parts, strict=True)]

    def _extend(self, node: TreeNode[_Entry], value: Any, stop: int, memory: _Memory | None = None) -> None:
        """Build children up to ``stop``, and those of remembered descendants (no recursion: any depth)."""
        pending = [(node, value, stop)]
        while pending:
            pending.extend(self._extend_one(*pending.pop(), memory or {}))

    def _extend_one(self, node: TreeNode[_Entry], value: Any, stop: int, memory: _Memory) -> list[_Build]:
        """Build one node's children up to ``stop``, keeping a "… N more" node last while some are not built.

        Returns the children whose own children ``memory`` says were built, to be built in turn.
        """
        entry = node.data
        assert entry is not None
        last = node.children[-1] if node.children else None
        more = last if last is not None and last.data and last.data.kind == _MORE else None
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        remembered = [
            built
            for part, child in islice(pairs, entry.shown, stop)
            if (built := self._build_child(node, part, child, more is not None, memory)) is not None
        ]
        entry.shown = max(entry.shown, stop)
        remaining = len(value) - entry.shown
        label = Text(f"… {remaining:,} more")
        if remaining <= 0 and more is not None:
            more.remove()
        elif more is not None:
            more.set_label(label)
        elif remaining > 0:
            node.add(label, _Entry(entry.path, _MORE, 0), allow_expand=True)
        return remembered

    def _build_child(
        self, parent: TreeNode[_Entry], part: PathPart, value: Any, before_more: bool, memory: _Memory
    ) -> _Build | None:
        """Add the node of one child; when ``memory`` says its children were built, return what to build."""
        assert parent.data is not None
        path = (*parent.data.path, part)
        label, kind, key_end = self._label_for(path, value)
        expandable = kind in _CONTAINERS and bool(value)
        # An index, not the node: Tree looks a node up with list.index, quadratic over a chunk.
        before = len(parent.children) - 1 if before_more else None
        node = parent.add(label, _Entry(path, kind, key_end), before=before, allow_expand=expandable)
        self._by_path[path] = node
        state = memory.get(path)
        if state is None or not state[0] or not expandable:
            return None
        if state[1]:
            node.expand()
        return node, value, min(len(value), max(state[0], self.CHUNK))

    def _drop_children(self, node: TreeNode[_Entry]) -> None:
        for child in _descendants(node):
            if child.data and _real(child) and self._by_path.get(child.data.path) is child:
                del self._by_path[child.data.path]
        node.remove_children()
        if node.data:
            node.data.shown = 0

    def _open(self, node: TreeNode[_Entry]) -> None:
        """Expand a node, building its children first (a "… more" node builds the next chunk instead)."""
        entry = node.data
        if entry is None or not node.allow_expand:
            return
        value = value_at(self._document, entry.path)
        parent = node.parent
        if entry.kind == _MORE and parent is not None and parent.data is not None:
            first = len(parent.children) - 1
            self._extend(parent, value, min(len(value), parent.data.shown + self.CHUNK))
            if parent.children[-1].is_expanded:  # Tree's own toggle may have opened the "more" node
                parent.children[-1].collapse()
            self._move_to(parent.children[first])
            return
        if not entry.shown:
            self._extend(node, value, min(len(value), self.CHUNK))
        if not node.is_expanded:
            node.expand()

    def _move_to(self, node: TreeNode[_Entry]) -> None:
        _ = self.last_line  # lays the lines out, so the node's line number is current
        self.move_cursor(node)

    def _nearest(self, path: Path) -> TreeNode[_Entry]:
        """The node of ``path``, or of its nearest ancestor that has been built."""
        return next(self._by_path[path[:end]] for end in range(len(path), -1, -1) if path[:end] in self._by_path)

    def _restore_cursor(self, path: Path, was_more: bool) -> TreeNode[_Entry] | None:
        """Put the cursor back on ``path`` or its nearest surviving ancestor."""
        target = self._nearest(path)
        last = target.children[-1] if target.children else None
        if was_more and target.data and target.data.path == path and last and last.data and last.data.kind == _MORE:
            target = last
        if target is not self.cursor_node:
            self._move_to(target)
        return target

    def _highlight(self, changed: set[Path]) -> None:
        self._generation += 1
        # Many changes under one collapsed container light up that one node: repaint it once.
        marked = list({id(node): node for node in map(self._nearest, changed) if node.data is not None}.values())
        for node in marked:
            if node.data is not None:
                node.data.mark = self._generation
                node.refresh()
        self._marked[self._generation] = marked
        self.set_timer(self.HIGHLIGHT_SECONDS, partial(self._unmark, self._generation))

    def _unmark(self, generation: int) -> None:
        for node in self._marked.pop(generation, []):
            if node.data is not None and node.data.mark == generation:
                node.data.mark = 0
                node.refresh()

    def _build(self) -> None:
        """Lay out the visible lines as Tree does, with a stack instead of recursion (deep documents)."""
        lines: list[_TreeLine[_Entry]] = []
        tops = [self.root] if self.show_root else list(self.root._children)
        # Tree gives every top-level line last=True when the root is hidden; so does this.
        pending: list[tuple[list[TreeNode[_Entry]], TreeNode[_Entry], bool]] = [([], n, True) for n in reversed(tops)]
        while pending:
            path, node, last = pending.pop()
            line_path = [*path, node]
            node._line = len(lines)
            lines.append(_TreeLine(line_path, last))
            if node._expanded:
                children = node._children
                pending.extend(
                    (line_path, child, i == len(children) - 1) for i, child in reversed(list(enumerate(children)))
                )
        self._tree_lines_cached = lines
        width = max(
            (
                self.get_label_width(line.node) + line._get_guide_width(self.guide_depth, self.show_root)
                for line in lines
            ),
            default=self.size.width,
        )
        self.virtual_size = Size(width, len(lines))
        if self.cursor_line != -1:
            if self.cursor_node is not None:
                self.cursor_line = self.cursor_node._line
            if self.cursor_line >= len(lines):
                self.cursor_line = -1

    def process_label(self, label: str | Text) -> Text:
        """Labels are one-line Text already (a str would be read as markup, so none is given)."""
        return label if isinstance(label, Text) else Text(label)

    def _part_style(self, part: str) -> Style:
        """A component style for part of a label, its colour blended as the full style blends it."""
        name = f"json-tree--{part}"
        style = self.get_component_rich_style(name, partial=True)
        # A partial style cannot resolve "auto 60%"-like colours ($text-muted); the full style can.
        return style if style.color is None else style + Style(color=self.get_component_rich_style(name).color)

    def render_label(self, node: TreeNode[_Entry], base_style: Style, style: Style) -> Text:
        """The label with its key, value and size styled by the component classes."""
        label = Text(str(node.label), end="")
        entry = node.data
        if entry is not None:
            value_class = "size" if entry.kind in _CONTAINERS or entry.kind == _MORE else entry.kind
            label.stylize(self._part_style("key"), 0, entry.key_end)
            label.stylize(self._part_style(value_class), entry.key_end)
            if entry.mark:
                label.stylize(self._part_style("changed"))
        label.stylize(style)
        icon = (self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE) if node.allow_expand else ""
        return Text.assemble((icon, base_style + _TOGGLE), label)

    def get_label_width(self, node: TreeNode[_Entry]) -> int:
        """Width of a label without styling it (called for every visible line on each layout)."""
        icon = cell_len(self.ICON_NODE) if node.allow_expand else 0
        return icon + cell_len(str(node.label))

    @on(Tree.NodeExpanded)
    def _build_on_expand(self, event: Tree.NodeExpanded[_Entry]) -> None:
        self._open(event.node)

    @on(Tree.NodeHighlighted)
    def _announce_path(self, event: Tree.NodeHighlighted[_Entry]) -> None:
        if event.node.data is not None:
            path = event.node.data.path
            self.post_message(self.PathHighlighted(path, value_at(self._document, path), self))

    def _copy(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(json_view.preview(text), title=f"Copied {what}", markup=False)

    def action_copy_value(self) -> None:
        """Copy the value under the cursor."""
        value = self.cursor_value
        if value is not MISSING:
            self._copy(json_view.copy_text(value), "value")

    def action_copy_path(self) -> None:
        """Copy the path under the cursor (the root is ``$``)."""
        path = self.cursor_path
        if path is not None:
            self._copy(json_view.format_path(path) or "$", "path")

    def action_collapse_or_parent(self) -> None:
        """Collapse the node under the cursor, or move to its parent."""
        node = self.cursor_node
        if node is not None and node.allow_expand and node.is_expanded:
            node.collapse()
        elif node is not None and node.parent is not None:
            self.move_cursor(node.parent)

    def action_expand_or_child(self) -> None:
        """Expand the node under the cursor, or move to its first child."""
        node = self.cursor_node
        if node is None or not node.allow_expand:
            return
        if node.is_expanded and node.children:
            self.move_cursor(node.children[0])
        else:
            self._open(node)
