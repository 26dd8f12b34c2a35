"""Pure JSON helpers shared by the app and the emulator (no Textual, no I/O)."""

from __future__ import annotations

from typing import Any, Final


class _Missing:
    """The type of ``MISSING``."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""What ``get_path`` returns where the path leads nowhere (a stored ``null`` is ``None``)."""


def get_path(document: Any, path: str) -> Any:
    """The value at a dotted path (``pump.motor.rpm``) through nested objects, or ``MISSING``."""
    value = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value
