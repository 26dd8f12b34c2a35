"""One-line summaries of message data: compact JSON, unsafe characters made visible, truncated with an ellipsis."""

from __future__ import annotations

import json
from typing import Any

from doover_tui.jsonedit import compact
from doover_tui.literal import printable

ELLIPSIS = "…"


def _compact_json(value: Any) -> str:
    try:
        # compact copes with what orjson refuses (beyond 254 levels, integers beyond 64 bits) without recursing,
        # so a 1,000-level message is summarised rather than crashing the Messages tab.
        return compact(value).decode()
    except TypeError:
        # Non-string keys or non-JSON values (never from the service): the stdlib shows them with repr.
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=repr)


def summarize(value: Any, max_chars: int = 200) -> str:
    """Return ``value`` as compact one-line JSON of at most ``max_chars`` characters.

    JSON escaping already turns control characters into visible escapes; ``printable`` then
    escapes what JSON leaves raw (C1 controls, DEL, bidi overrides). Longer text is cut
    and ends with ``…``.
    """
    if max_chars < 1:
        return ""
    # Escaping only lengthens text, so the first max_chars + 1 characters decide everything.
    text = printable(_compact_json(value)[: max_chars + 1])
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1] + ELLIPSIS
