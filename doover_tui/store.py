"""Store: the only object the UI calls. Cache, background refresh, writes, live fan-out, read-only gate.

Live data comes from the gateway while it is connected, from polling while it is not
(``store_poll``); reads that cannot reach the API fall back on the on-disk snapshot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from doover_tui.api.client import DooverClient
from doover_tui.api.errors import DooverError, ReadOnlyError
from doover_tui.api.models import (
    AgentsResponse,
    Aggregate,
    AppInstall,
    Application,
    Channel,
    ChannelRef,
    Message,
    Tunnel,
)
from doover_tui.cache import CacheKey
from doover_tui.config.settings import CacheSettings
from doover_tui.request_log import RequestLog
from doover_tui.snapshot import Snapshot
from doover_tui.store_events import (
    AggregateChanged,
    FeedState,
    RefreshFailed,
    ResourceRefreshed,
)
from doover_tui.store_poll import LiveStore, Sleep, backoff, is_unreachable
from doover_tui.update_log import UpdateLog, read_update_log

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Cached(Generic[T]):
    """A value as the store has it.

    Attributes:
        value: the data.
        age: seconds since it was fetched.
        stale: older than its resource's maximum age; a refresh is under way.
        offline: served from the on-disk snapshot because the API cannot be reached;
            retries go on in the background and end with a ``ResourceRefreshed``.
    """

    value: T
    age: float
    stale: bool
    offline: bool = False


class Store(LiveStore):
    """Reads through a cache, writes through the client, and fans live events out to listeners."""

    def __init__(
        self,
        client: DooverClient,
        *,
        cache_ages: CacheSettings | None = None,
        read_only: bool = False,
        message_window: int = 2000,
        request_log: RequestLog | None = None,
        clock: Callable[[], float] = time.monotonic,
        poll_interval: float = 3.0,
        snapshot: Snapshot | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(
            client,
            clock=clock,
            message_window=message_window,
            poll_interval=poll_interval,
            snapshot=snapshot,
            sleep=sleep,
        )
        self.read_only = read_only
        self.request_log = request_log or RequestLog()
        self._ages = cache_ages or CacheSettings()
        self._sleep = sleep
        self._poll_interval = poll_interval
        self._inflight: dict[CacheKey, asyncio.Future[Any]] = {}
        self._background: set[asyncio.Future[Any]] = set()
        self._retrying: set[CacheKey] = set()
        self._prefetched: asyncio.Future[Cached[AgentsResponse]] | None = None

    # Reads ----------------------------------------------------------------------------------

    async def agents(self, *, force: bool = False) -> Cached[AgentsResponse]:
        """All agents and groups (the prefetched read, if one was started and not yet taken).

        Raises:
            DooverError: nothing is cached and the fetch failed.
        """
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None and not force:
            # Shielded: a caller cancelled while waiting must not cancel the read for the next one.
            result: Cached[AgentsResponse] = await asyncio.shield(prefetched)
            return result
        return await self._read_agents(force)

    async def _read_agents(self, force: bool) -> Cached[AgentsResponse]:
        return await self._read(("agents",), self._ages.agents, self.client.control.agents, force)

    def prefetch_agents(self) -> None:
        """Start reading the agents now, so the request travels while the screen is still being built.

        The next ``agents()`` takes this read's outcome, value or error (the snapshot fallback
        included), instead of asking again.
        """
        if self._prefetched is None and self._cache.get(("agents",)) is None:
            self._prefetched = self._spawn(self._read_agents(False))
            self._prefetched.add_done_callback(_retrieved)  # taken by agents(), or never if the app closes first

    async def channels(self, agent_id: str, *, force: bool = False) -> Cached[list[Channel]]:
        """An agent's channels, with their aggregates (for the age of each channel's last update).

        The aggregates also warm the cache, so opening a channel next shows its aggregate at once.

        Raises:
            DooverError: nothing is cached and the fetch failed.
        """

        async def fetch() -> list[Channel]:
            channels = await self.client.data.list_channels(agent_id, include_aggregate=True)
            for channel in channels:
                key = ("aggregate", ChannelRef(agent_id, channel.name))
                if channel.aggregate is not None and self._cache.get(key) is None and key not in self._inflight:
                    self._cache.put(key, channel.aggregate)
                    self._keep(key, channel.aggregate)
            return channels

        return await self._read(("channels", agent_id), self._ages.channels, fetch, force)

    async def channel(self, ref: ChannelRef, *, force: bool = False) -> Cached[Channel]:
        """One channel's settings (schemas, privacy).

        Raises:
            DooverError: nothing is cached and the fetch failed.
        """
        fetch = partial(self.client.data.get_channel, ref.agent_id, ref.name, include_aggregate=False)
        return await self._read(("channel", ref), self._ages.channels, fetch, force)

    async def aggregate(self, ref: ChannelRef, *, force: bool = False) -> Cached[Aggregate]:
        """A channel's aggregate.

        Raises:
            DooverError: nothing is cached and the fetch failed.
        """
        fetch = partial(self.client.data.get_aggregate, ref.agent_id, ref.name)
        return await self._read(("aggregate", ref), self._ages.aggregate, fetch, force)

    async def messages(self, ref: ChannelRef, *, limit: int = 100, force: bool = False) -> Cached[tuple[Message, ...]]:
        """A channel's newest messages, newest first (live arrivals are added to the front).

        Raises:
            DooverError: nothing is cached and the fetch failed.
        """

        async def fetch() -> tuple[Message, ...]:
            return tuple(await self.client.data.list_messages(ref.agent_id, ref.name, limit=limit))

        return await self._read(("messages", ref), self._ages.messages, fetch, force)

    async def older_messages(self, ref: ChannelRef, before: str, *, limit: int = 200) -> list[Message]:
        """The page of messages just older than ``before``, newest first (not cached: the caller windows it).

        Raises:
            DooverError: the fetch failed.
        """
        return await self.client.data.list_messages(ref.agent_id, ref.name, before=before, limit=limit)

    async def update_log(self, ref: ChannelRef, message: Message, *, earlier: int = 2000) -> UpdateLog:
        """The channel's log around ``message`` (see ``read_update_log``); not cached.

        Raises:
            DooverError: a page failed.
        """
        return await read_update_log(self.client.data, ref, message, earlier=earlier)

    async def applications(self, *, force: bool = False) -> Cached[list[Application]]:
        """Every application (all pages).

        Raises:
            DooverError: nothing is cached and the fetch failed.
        """
        return await self._read(("applications",), self._ages.applications, self.client.control.applications, force)

    async def app_installs(self, device_id: str, *, force: bool = False) -> Cached[list[AppInstall]]:
        """Applications installed on a device.

        Raises:
            DooverError: nothing is cached and the fetch failed.
        """
        fetch = partial(self.client.control.app_installs, device_id)
        return await self._read(("app_installs", device_id), self._ages.applications, fetch, force)

    async def tunnels(self, device_id: str | None = None, *, force: bool = False) -> Cached[list[Tunnel]]:
        """A device's tunnels, or all tunnels when ``device_id`` is None.

        Raises:
            DooverError: nothing is cached and the fetch failed.
        """
        fetch = partial(self.client.control.tunnels, device_id)
        return await self._read(("tunnels", device_id), self._ages.tunnels, fetch, force)

    async def _read(self, key: CacheKey, max_age: float, fetch: Callable[[], Awaitable[T]], force: bool) -> Cached[T]:
        entry = None if force else self._cache.get(key)
        if entry is None:
            return await self._read_uncached(key, fetch, force)
        age = self._cache.age(entry)
        stale = age > max_age
        if stale:
            self._refresh_in_background(key, fetch)
        return Cached(entry.value, age, stale)

    async def _read_uncached(self, key: CacheKey, fetch: Callable[[], Awaitable[T]], force: bool) -> Cached[T]:
        if not force and self._feed.state is FeedState.OFFLINE:
            # Known to be unreachable: show the snapshot now rather than after a failed attempt.
            offline: Cached[T] | None = await self._from_snapshot(key, fetch)
            if offline is not None:
                return offline
        try:
            value: T = await self._fetch(key, fetch)
        except DooverError as exc:
            # A forced read that fails keeps what is in memory (newer than the snapshot) and says so.
            usable = is_unreachable(exc) and self._cache.get(key) is None
            offline = await self._from_snapshot(key, fetch) if usable else None
            if offline is None:
                raise
            return offline
        return Cached(value, 0.0, False)

    async def _from_snapshot(self, key: CacheKey, fetch: Callable[[], Awaitable[Any]]) -> Cached[Any] | None:
        found = await self._snapshot.get(key) if self._snapshot is not None else None
        if found is None:
            return None
        self._offline.add(key)
        self._retry_until_reachable(key, fetch)
        return Cached(found[0], found[1], stale=True, offline=True)

    def _retry_until_reachable(self, key: CacheKey, fetch: Callable[[], Awaitable[Any]]) -> None:
        """Refetch ``key`` in the background with bounded backoff until the API answers."""
        if key in self._retrying:
            return
        self._retrying.add(key)
        self._spawn(self._retry(key, fetch))

    async def _retry(self, key: CacheKey, fetch: Callable[[], Awaitable[Any]]) -> None:
        failures = 0
        try:
            while True:
                await self._sleep(backoff(failures, self._poll_interval))
                if key not in self._offline:
                    return  # fetched meanwhile (a reload, a write or a live update)
                try:
                    value = await self._fetch(key, fetch)
                except DooverError as exc:
                    self._emit(RefreshFailed(key, exc))
                    if not is_unreachable(exc):
                        return  # the API answered: retrying will not change its mind
                    failures += 1
                else:
                    self._emit(ResourceRefreshed(key, value))
                    return
        finally:
            self._retrying.discard(key)

    async def _fetch(self, key: CacheKey, fetch: Callable[[], Awaitable[T]]) -> T:
        """Fetch and cache ``key``, sharing one request among concurrent callers.

        The request runs as a task of its own that callers await through ``shield``: a
        caller that is cancelled (a newer load replacing it) stops waiting, but the
        request goes on for everyone else.
        """
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._fetch_and_store(key, fetch, self._versions.get(key, 0)))
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._fetch_done(key, done))
        result: T = await asyncio.shield(task)
        return result

    async def _fetch_and_store(self, key: CacheKey, fetch: Callable[[], Awaitable[Any]], version: int) -> Any:
        try:
            value = await fetch()
        except DooverError as exc:
            self._feed.http_outcome(exc)
            raise
        self._feed.http_outcome(None)
        if self._versions.get(key, 0) != version:
            # A write or a live update landed while this was in flight: it is newer, keep it.
            entry = self._cache.get(key)
            return entry.value if entry is not None else value
        self._cache.put(key, value)
        self._keep(key, value)
        return value

    def _fetch_done(self, key: CacheKey, task: asyncio.Future[Any]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        _retrieved(task)

    def _invalidate(self, key: CacheKey) -> None:
        self._versions[key] = self._versions.get(key, 0) + 1
        self._cache.invalidate(key)

    def _invalidate_resource(self, resource: str) -> None:
        for key in [*self._inflight, *self._versions]:
            if key[0] == resource:
                self._versions[key] = self._versions.get(key, 0) + 1
        self._cache.invalidate_resource(resource)

    def _refresh_in_background(self, key: CacheKey, fetch: Callable[[], Awaitable[Any]]) -> None:
        if key in self._inflight:
            return

        async def refresh() -> None:
            try:
                value = await self._fetch(key, fetch)
            except DooverError as exc:
                self._emit(RefreshFailed(key, exc))
            else:
                self._emit(ResourceRefreshed(key, value))

        self._spawn(refresh())

    def _spawn(self, work: Awaitable[T]) -> asyncio.Future[T]:
        """Run ``work`` in the background; ``aclose`` cancels it if it is still running."""
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    # Writes ---------------------------------------------------------------------------------

    def _check_writable(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyError(f"cannot {what}: this session is read-only (--read-only or read_only in settings)")

    async def update_aggregate(
        self,
        ref: ChannelRef,
        data: Any,
        *,
        replace: bool = False,
        replace_paths: Sequence[str] = (),
        log_update: bool = False,
    ) -> Aggregate:
        """PATCH (merge) or, with ``replace``, PUT a channel's aggregate; returns the server's result.

        Raises:
            ReadOnlyError: read-only mode (nothing was sent).
            DooverError: the write failed.
        """
        self._check_writable(f"change the aggregate of {ref.name}")
        result = await self.client.data.update_aggregate(
            ref.agent_id,
            ref.name,
            data,
            replace=replace,
            replace_paths=replace_paths,
            log_update=log_update,
        )
        if result is None:  # a server that did not echo it: read it back
            result = await self.client.data.get_aggregate(ref.agent_id, ref.name)
        self._store(("aggregate", ref), result)
        self._invalidate(("channels", ref.agent_id))
        if log_update:
            self._invalidate(("messages", ref))
        self._emit(AggregateChanged(ref, result, "write"))
        return result

    async def create_message(self, ref: ChannelRef, data: Any) -> Message:
        """Publish a message to a channel; returns it as stored.

        Raises:
            ReadOnlyError: read-only mode (nothing was sent).
            DooverError: the write failed.
        """
        self._check_writable(f"publish to {ref.name}")
        message = await self.client.data.create_message(ref.agent_id, ref.name, data)
        self._add_messages(ref, (message,))
        return message

    async def create_channel(self, agent_id: str, name: str, *, is_private: bool = False, **schemas: Any) -> None:
        """Create a channel.

        Raises:
            ReadOnlyError: read-only mode (nothing was sent).
            DooverError: the write failed.
        """
        self._check_writable(f"create channel {name}")
        await self.client.data.create_channel(agent_id, name, is_private=is_private, **schemas)
        self._invalidate(("channels", agent_id))

    async def put_channel(self, ref: ChannelRef, *, is_private: bool, **schemas: Any) -> Channel:
        """Replace a channel's whole configuration.

        Raises:
            ReadOnlyError: read-only mode (nothing was sent).
            DooverError: the write failed.
        """
        self._check_writable(f"change channel {ref.name}")
        channel = await self.client.data.put_channel(ref.agent_id, ref.name, is_private=is_private, **schemas)
        self._store(("channel", ref), channel)
        self._invalidate(("channels", ref.agent_id))
        return channel

    async def patch_application(self, application_id: str, fields: dict[str, Any]) -> Application:
        """Change some fields of an application.

        Raises:
            ReadOnlyError: read-only mode (nothing was sent).
            DooverError: the write failed.
        """
        self._check_writable("change an application")
        application = await self.client.control.patch_application(application_id, fields)
        self._invalidate(("applications",))
        return application

    async def create_application(self, fields: dict[str, Any]) -> Application:
        """Create an application.

        Raises:
            ReadOnlyError: read-only mode (nothing was sent).
            DooverError: the write failed.
        """
        self._check_writable("create an application")
        application = await self.client.control.create_application(fields)
        self._invalidate(("applications",))
        return application

    async def tunnel_write(self, verb: str, *args: Any, device_id: str | None = None) -> Any:
        """Run a tunnel write (``create``, ``patch``, ``delete``, ``activate``, ``deactivate``).

        Every tunnel list is invalidated afterwards, since a tunnel shows in its device's
        list and in the list of all tunnels.

        Raises:
            ReadOnlyError: read-only mode (nothing was sent).
            DooverError: the write failed.
        """
        self._check_writable(f"{verb} a tunnel")
        control = self.client.control
        calls: dict[str, Callable[..., Awaitable[Any]]] = {
            "create": control.create_tunnel,
            "patch": control.patch_tunnel,
            "delete": control.delete_tunnel,
            "activate": control.activate_tunnel,
            "deactivate": control.deactivate_tunnel,
        }
        try:
            return await calls[verb](*args, device_id=device_id)
        finally:
            self._invalidate_resource("tunnels")

    async def aclose(self) -> None:
        """Stop the gateway, polls and background refreshes, write the snapshot, and close the client."""
        await self._close_live()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._snapshot is not None:
            await self._snapshot.aclose()
        await self.client.aclose()


def _retrieved(task: asyncio.Future[Any]) -> None:
    """Mark a task's outcome as seen, so an error nobody asked for is not reported as lost."""
    if not task.cancelled():
        task.exception()
