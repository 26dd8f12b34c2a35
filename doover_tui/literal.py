"""Make device-supplied text safe to show literally: control characters become visible escapes.

Rich markup is already inert when text goes into a ``rich.text.Text``; this handles what
Text does not: terminal escape sequences, line breaks in one-line cells, and bidi
override characters that can make text display differently from what it is.
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# C0 and C1 controls, DEL, the line and paragraph separators (str.splitlines and some terminals
# break lines at them), and the explicit bidi embedding/override/isolate characters.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Return ``text`` with every control or bidi-override character replaced by a visible escape."""
    return _UNSAFE.sub(_escape, text)
