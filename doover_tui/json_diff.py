"""Line diffs between two JSON documents, for comparing a message with the one before it."""

from __future__ import annotations

import difflib
from typing import Any, Literal

from doover_tui.api.merge import changed_keys
from doover_tui.jsonedit import sorted_pretty

DiffTag = Literal[" ", "+", "-"]
"""`` `` unchanged, ``+`` only in the new document, ``-`` only in the old one."""


def pretty(value: Any) -> str:
    """Pretty-print a document with two-space indents and sorted keys, as the diff compares it."""
    return sorted_pretty(value)


def diff_lines(old: Any, new: Any) -> list[tuple[DiffTag, str]]:
    """Return every line of both documents pretty-printed, tagged unchanged, added or removed."""
    a = pretty(old).splitlines()
    b = pretty(new).splitlines()
    # Trimming the common ends first keeps the matcher's work to the changed middle.
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    out: list[tuple[DiffTag, str]] = [(" ", line) for line in a[:head]]
    middle_a, middle_b = a[head : len(a) - tail], b[head : len(b) - tail]
    matcher = difflib.SequenceMatcher(None, middle_a, middle_b)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.extend((" ", line) for line in middle_a[i1:i2])
            continue
        out.extend(("-", line) for line in middle_a[i1:i2])
        out.extend(("+", line) for line in middle_b[j1:j2])
    out.extend((" ", line) for line in a[len(a) - tail :])
    return out


def summary_of_changes(old: Any, new: Any) -> str:
    """Summarise leaf changes, e.g. ``"2 changed, 1 added, 0 removed"``, or ``"no changes"``."""
    added, changed, removed = changed_keys(old, new)
    if not (added or changed or removed):
        return "no changes"
    return f"{len(changed)} changed, {len(added)} added, {len(removed)} removed"
