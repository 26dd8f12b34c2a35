"""An on-disk snapshot of browsed API data (versioned JSON), so a start without the API still shows something.

The file holds only API data (agents, channels, aggregates, messages), never a token.
It is written as you browse, at most once per ``debounce`` seconds, atomically and off
the event loop; a file that cannot be used is ignored with a warning.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from doover_tui.api.errors import ProtocolError
from doover_tui.api.models import AgentsResponse, Aggregate, Channel, ChannelRef, Message
from doover_tui.api.models._parse import expect_list
from doover_tui.cache import CacheKey
from doover_tui.jsonedit import compact

log = logging.getLogger(__name__)

SNAPSHOT_VERSION = 1
"""Bumped whenever the file's layout or an entry's form changes; other versions are ignored."""

_CODECS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "agents": (lambda value: value.to_json(), AgentsResponse.from_json),
    "channels": (
        lambda value: [channel.to_json() for channel in value],
        lambda raw: [Channel.from_json(item) for item in expect_list(raw, "snapshot channels")],
    ),
    "channel": (lambda value: value.to_json(), Channel.from_json),
    "aggregate": (lambda value: value.to_json(), Aggregate.from_json),
    "messages": (
        lambda value: [message.to_json() for message in value],
        lambda raw: tuple(Message.from_json(item) for item in expect_list(raw, "snapshot messages")),
    ),
}
"""How each kept resource is written and read back; other resources are not kept."""

_CAPPED = frozenset({"channel", "aggregate", "messages"})
"""Resources whose values may be huge (device data); lists of agents and channels are always kept."""


def snapshot_path(cache_dir: Path, data_url: str, *scope: str) -> Path:
    """The snapshot file for one API endpoint (and scope, e.g. profile and organisation) in ``cache_dir``.

    The name holds the host, for people looking at the directory, and a hash of
    everything given, so profiles never share a file.
    """
    host = urlsplit(data_url).hostname or "api"
    slug = re.sub(r"[^A-Za-z0-9.-]+", "-", host).strip("-.")[:40] or "api"
    digest = hashlib.sha256("\0".join((data_url, *scope)).encode()).hexdigest()[:16]
    return cache_dir / f"snapshot-{slug}-{digest}.json"


@dataclass(frozen=True, slots=True)
class _Entry:
    resource: str
    saved_at: float
    """Unix seconds when the value was fetched."""
    raw: bytes
    """The value's JSON."""


class Snapshot:
    """The snapshot file of one endpoint: read once on first use, written as values are put."""

    def __init__(
        self,
        path: Path,
        *,
        debounce: float = 5.0,
        max_messages: int = 200,
        max_keys: int = 50,
        max_entry_bytes: int = 1_000_000,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.path = path
        self._debounce = debounce
        self._max_messages = max_messages
        self._max_keys = max_keys
        self._max_entry_bytes = max_entry_bytes
        self._now = now
        self._sleep = sleep
        self._entries: dict[str, _Entry] = {}
        """By encoded key, least recently put first."""
        self._loaded = False
        self._load_lock = asyncio.Lock()
        self._dirty = False
        self._pending: asyncio.Task[None] | None = None

    # Reading ------------------------------------------------------------------------------

    async def load(self) -> None:
        """Read the file, once (later calls do nothing); an unusable file is ignored with a warning."""
        async with self._load_lock:
            if self._loaded:
                return
            found = await asyncio.to_thread(_read_file, self.path)
            # Values put before the file was read are newer than the file's.
            self._entries = {**{k: v for k, v in found.items() if k not in self._entries}, **self._entries}
            self._loaded = True

    async def get(self, key: CacheKey) -> tuple[Any, float] | None:
        """The value kept for ``key`` and its age in seconds, or None (reading the file on first use)."""
        await self.load()
        encoded = _encode_key(key)
        entry = self._entries.get(encoded) if encoded is not None else None
        if entry is None or encoded is None:
            return None
        try:
            value = _CODECS[entry.resource][1](orjson.loads(entry.raw))
        except (ProtocolError, orjson.JSONDecodeError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("ignored an unreadable snapshot entry %s: %s", encoded, exc)
            del self._entries[encoded]
            return None
        return value, max(0.0, self._now() - entry.saved_at)

    def age(self, key: CacheKey) -> float | None:
        """Seconds since the value kept for ``key`` was fetched; None when none is (or the file is unread)."""
        encoded = _encode_key(key)
        entry = self._entries.get(encoded) if encoded is not None else None
        return None if entry is None else max(0.0, self._now() - entry.saved_at)

    # Writing ------------------------------------------------------------------------------

    def put(self, key: CacheKey, value: Any) -> None:
        """Keep ``value`` as fetched now, and write the file within ``debounce`` seconds.

        Resources other than agents, channels, channel, aggregate and messages are not kept;
        nor is a channel, aggregate or message list whose JSON exceeds ``max_entry_bytes``
        (its older value is dropped).
        """
        resource, encoded = key[0] if key else None, _encode_key(key)
        if not isinstance(resource, str) or resource not in _CODECS or encoded is None:
            return
        if resource == "messages":
            value = value[: self._max_messages]
        # Not orjson.dumps: its TypeError (beyond 254 levels, integers beyond 64 bits) would escape the store
        # and the value would never be shown; compact writes what the service stores.
        raw = compact(_CODECS[resource][0](value))
        self._entries.pop(encoded, None)
        if resource not in _CAPPED or len(raw) <= self._max_entry_bytes:
            self._entries[encoded] = _Entry(resource, self._now(), raw)
            self._evict(resource)
        self._dirty = True
        if self._pending is None:
            self._pending = asyncio.get_running_loop().create_task(self._flush_later(), name="snapshot write")

    def _evict(self, resource: str) -> None:
        same = [encoded for encoded, entry in self._entries.items() if entry.resource == resource]
        for encoded in same[: max(0, len(same) - self._max_keys)]:
            del self._entries[encoded]

    async def _flush_later(self) -> None:
        try:
            await self._sleep(self._debounce)
            await self.flush()
        finally:
            self._pending = None
        if self._dirty:  # put while the file was being written
            self._pending = asyncio.get_running_loop().create_task(self._flush_later(), name="snapshot write")

    async def flush(self) -> None:
        """Write the file now if anything changed (atomically, in a thread); failures are logged."""
        if not self._dirty:
            return
        await self.load()  # so the file's other entries survive the write
        self._dirty = False
        document = {
            "version": SNAPSHOT_VERSION,
            "saved_at": self._now(),
            "entries": {
                encoded: {"saved_at": entry.saved_at, "value": orjson.Fragment(entry.raw)}
                for encoded, entry in self._entries.items()
            },
        }
        try:
            await asyncio.to_thread(_write_file, self.path, document)
        except (OSError, TypeError) as exc:
            log.warning("could not write the offline snapshot %s: %s", self.path, exc)

    async def aclose(self) -> None:
        """Write what is pending now, and stop the delayed write."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)
        await self.flush()


def _encode_key(key: CacheKey) -> str | None:
    parts: list[Any] = []
    for part in key:
        if isinstance(part, ChannelRef):
            parts.append(part.to_json())
        elif isinstance(part, str):
            parts.append(part)
        else:
            return None
    return orjson.dumps(parts, option=orjson.OPT_SORT_KEYS).decode()


def _read_file(path: Path) -> dict[str, _Entry]:
    """The usable entries of the file; nothing (with a warning) when the file is unusable."""
    try:
        document = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, orjson.JSONDecodeError) as exc:
        log.warning("ignored the offline snapshot %s: %s", path, exc)
        return {}
    version = document.get("version") if isinstance(document, dict) else None
    entries = document.get("entries") if isinstance(document, dict) else None
    if type(version) is not int or version != SNAPSHOT_VERSION or not isinstance(entries, dict):
        log.warning("ignored the offline snapshot %s: not a version %d snapshot", path, SNAPSHOT_VERSION)
        return {}
    found: dict[str, _Entry] = {}
    for encoded, item in entries.items():
        resource = _resource_of(encoded)
        saved_at = item.get("saved_at") if isinstance(item, dict) else None
        if resource in _CODECS and isinstance(saved_at, int | float) and "value" in item:
            found[encoded] = _Entry(resource, float(saved_at), compact(item["value"]))
    return found


def _resource_of(encoded: str) -> str | None:
    try:
        parts = orjson.loads(encoded)
    except orjson.JSONDecodeError:
        return None
    return parts[0] if isinstance(parts, list) and parts and isinstance(parts[0], str) else None


def _write_file(path: Path, document: dict[str, Any]) -> None:
    """Write through a temporary file renamed over the old one, so a reader never sees half a file."""
    data = orjson.dumps(document)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
