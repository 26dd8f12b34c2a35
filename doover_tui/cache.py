"""An in-memory cache whose entries know their age, with an injected clock for tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

CacheKey = tuple[Hashable, ...]
"""``("aggregate", agent_id, channel)``, ``("agents",)``…: the first item names the resource."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A cached value and when it was stored (clock seconds)."""

    value: Any
    stored_at: float


class TtlCache:
    """Values by key with their storage time; the reader decides what is too old."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[CacheKey, Entry] = {}

    def get(self, key: CacheKey) -> Entry | None:
        """The entry for ``key``, however old, or None."""
        return self._entries.get(key)

    def put(self, key: CacheKey, value: Any) -> Entry:
        """Store ``value`` as of now."""
        entry = Entry(value, self._clock())
        self._entries[key] = entry
        return entry

    def replace(self, key: CacheKey, value: Any) -> Entry:
        """Change a stored value without making it younger (e.g. live additions to an old list)."""
        old = self._entries.get(key)
        entry = Entry(value, old.stored_at if old is not None else self._clock())
        self._entries[key] = entry
        return entry

    def age(self, entry: Entry) -> float:
        """Seconds since ``entry`` was stored."""
        return max(0.0, self._clock() - entry.stored_at)

    def invalidate(self, key: CacheKey) -> None:
        """Forget one key."""
        self._entries.pop(key, None)

    def invalidate_resource(self, resource: str) -> None:
        """Forget every key of one resource (``"tunnels"`` drops all tunnel lists)."""
        for key in [key for key in self._entries if key[0] == resource]:
            del self._entries[key]
