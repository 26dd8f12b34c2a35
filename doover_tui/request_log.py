"""A bounded log of API requests for the API log view; it never holds a token."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import replace

from doover_tui.api.http import RequestRecord
from doover_tui.logs import redact

log = logging.getLogger(__name__)


class RequestLog:
    """The most recent request attempts, oldest dropped first, and a running error count."""

    def __init__(self, size: int = 500) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=size)
        self.error_count = 0
        """Failed attempts since start (including ones later retried successfully)."""

    def record(self, entry: RequestRecord) -> None:
        """Add an attempt (the ``on_request`` hook of the API session); a known secret in its URL is masked."""
        url = redact(entry.url)
        self._records.append(entry if url == entry.url else replace(entry, url=url))
        # The log file keeps what the API log view loses on exit: failed attempts always, the rest with --debug.
        status = entry.status if entry.status is not None else "no response"
        if entry.error is not None:
            self.error_count += 1
            log.warning(
                "%s %s → %s (%s), try %d, %.0f ms",
                entry.method,
                url,
                status,
                entry.error,
                entry.attempt,
                entry.latency_ms,
            )
        else:
            log.debug("%s %s → %s, try %d, %.0f ms", entry.method, url, status, entry.attempt, entry.latency_ms)

    def entries(self) -> list[RequestRecord]:
        """The kept attempts, oldest first."""
        return list(self._records)
