"""Snowflake ids minted the way a Doover server does: unique, time-ordered, typed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from doover_tui.api.snowflake import make_id


class IdMaker:
    """Mints snowflakes; ids from one maker never repeat and increase with time."""

    def __init__(self, instance: int = 1, clock: Callable[[], float] = time.time) -> None:
        self._instance = instance
        self._clock = clock
        self._lock = threading.Lock()
        self._last_ms = 0
        self._sequence = 0

    def new(self, kind: int) -> int:
        """A fresh id of ``kind``, created now."""
        with self._lock:
            ms = max(int(self._clock() * 1000), self._last_ms)
            if ms == self._last_ms:
                self._sequence += 1
                if self._sequence > 0xF:  # four sequence bits: move to the next millisecond
                    ms += 1
                    self._sequence = 0
            else:
                self._sequence = 0
            self._last_ms = ms
            return make_id(ms, kind=kind, instance=self._instance, sequence=self._sequence)
