"""The store's live side: gateway events, polling while the gateway is not live, and the feed state."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from doover_tui.api.client import DooverClient
from doover_tui.api.data import newest_first
from doover_tui.api.errors import AuthError, DooverError, NetworkError, ServerError
from doover_tui.api.gateway import GatewayClient
from doover_tui.api.gateway_events import (
    AggregateUpdated,
    ChannelSynced,
    GatewayEvent,
    GatewayState,
    GatewayStatusChanged,
    MessageCreated,
    MessageUpdated,
)
from doover_tui.api.models import Aggregate, ChannelRef, Message
from doover_tui.api.snowflake import id_sort_key
from doover_tui.cache import CacheKey, TtlCache
from doover_tui.snapshot import Snapshot
from doover_tui.store_events import (
    AggregateChanged,
    FeedState,
    FeedStateChanged,
    LiveEventReceived,
    LiveStatusChanged,
    MessageChanged,
    MessagesArrived,
    RefreshFailed,
    StoreEvent,
)

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
"""The longest wait between two failed polls or offline retries (seconds)."""

LOGIN_AGAIN = "log in again: `doover login`"
"""The feed detail while the API refuses our login (the token expired and could not be renewed).

Short, so an 80-column status bar still shows the command."""

Sleep = Callable[[float], Awaitable[None]]


def backoff(failures: int, interval: float, ceiling: float = MAX_BACKOFF) -> float:
    """The wait after ``failures`` failures in a row: ``interval`` doubled each time, at most ``ceiling``."""
    return max(interval, min(ceiling, interval * 2.0 ** min(failures, 16)))


def is_unreachable(error: BaseException) -> bool:
    """Whether a failure means the API cannot be reached (no answer, or only 5xx ones)."""
    return isinstance(error, NetworkError | ServerError)


class FeedMonitor:
    """Derives LIVE / POLLING / OFFLINE from the gateway's state and the last HTTP read.

    LIVE needs the gateway connected; otherwise the last read decides: OFFLINE when
    it could not reach the API or was refused for want of a valid login, POLLING when
    it could (or before any read). A refused login is named in the detail even while
    LIVE, since the user must act on it.
    """

    def __init__(self, on_change: Callable[[FeedState, str], None]) -> None:
        self._on_change = on_change
        self._gateway = GatewayState.CLOSED
        self._gateway_detail = ""
        self._unreachable: DooverError | None = None
        self._refused: AuthError | None = None
        self.state = FeedState.POLLING
        self.detail = "live updates not started"

    def gateway_changed(self, state: GatewayState, detail: str) -> None:
        """Take a new gateway state."""
        self._gateway, self._gateway_detail = state, detail
        if state is GatewayState.LIVE:
            self._refused = None  # the gateway took our token, so the login works again
        self._update()

    def http_outcome(self, error: DooverError | None) -> None:
        """Take the outcome of a read: None for success; unreachable-API and login errors count as failures."""
        self._unreachable = error if error is not None and is_unreachable(error) else None
        if error is None or isinstance(error, AuthError):
            self._refused = error
        self._update()

    def _update(self) -> None:
        # Details are short: they are shown in brackets in a one-line status bar.
        if self._gateway is GatewayState.LIVE:
            state, detail = FeedState.LIVE, "gateway" if self._refused is None else f"gateway; {LOGIN_AGAIN}"
        elif self._refused is not None:
            state, detail = FeedState.OFFLINE, LOGIN_AGAIN
        elif self._unreachable is not None:
            state, detail = FeedState.OFFLINE, f"{self._unreachable.title}; retrying"
        elif self._gateway is GatewayState.CLOSED:
            state, detail = FeedState.POLLING, "live updates not started"
        else:
            state, detail = FeedState.POLLING, f"gateway {self._gateway.value}"
        self.detail = detail
        if state is not self.state:
            self.state = state
            self._on_change(state, detail)


class ChannelPoller:
    """One background task polling the followed channels while the gateway is not live.

    ``poll(ref)`` does the work and reports success; it must not raise for API
    failures. Failures back off (``interval`` doubled, at most ``max_backoff``).
    When the gateway comes back after a gap (it was lost, or polls ran meanwhile),
    one catch-up poll runs at once, since live events may have been missed.
    """

    def __init__(
        self,
        poll: Callable[[ChannelRef], Awaitable[bool]],
        *,
        interval: float,
        max_backoff: float = MAX_BACKOFF,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._poll = poll
        self._interval = interval
        self._max_backoff = max_backoff
        self._sleep = sleep
        self._channels: dict[ChannelRef, None] = {}
        self._live = False
        self._gap = False
        self._urgent = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def channels(self) -> tuple[ChannelRef, ...]:
        """The followed channels."""
        return tuple(self._channels)

    @property
    def running(self) -> bool:
        """Whether the polling task exists (it idles while the gateway is live)."""
        return self._task is not None and not self._task.done()

    def follow(self, ref: ChannelRef) -> None:
        """Poll ``ref`` too, starting the task if needed."""
        self._channels[ref] = None
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="poll followed channels")

    async def unfollow(self, ref: ChannelRef) -> None:
        """Stop polling ``ref``; the task ends with the last channel."""
        self._channels.pop(ref, None)
        if not self._channels:
            await self.aclose()

    def set_live(self, live: bool) -> None:
        """Tell whether the gateway is live now; coming back after a gap triggers a catch-up poll."""
        if live == self._live:
            return
        self._live = live
        if not live:
            self._gap = True
        elif self._gap and self._channels:
            self.poll_now()

    def poll_now(self) -> None:
        """Poll at once, live or not (the wait in progress is cut short)."""
        self._urgent = True
        self._wake.set()

    async def aclose(self) -> None:
        """Stop the task."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        failures = 0
        while True:
            urgent = await self._pause(backoff(failures, self._interval, self._max_backoff))
            if not (urgent or self._gap or not self._live):
                failures = 0
                continue
            live_at_start = self._live
            ok = await self._poll_all()
            failures = 0 if ok else failures + 1
            if not live_at_start:
                self._gap = True
            elif ok:
                self._gap = False

    async def _poll_all(self) -> bool:
        ok = True
        for ref in list(self._channels):
            try:
                ok = await self._poll(ref) and ok
            except Exception:  # a bug in one poll must cost that poll, never polling for good
                log.exception("polling %s failed unexpectedly", ref.name)
                ok = False
        return ok

    async def _pause(self, delay: float) -> bool:
        """Wait ``delay`` seconds or until woken; True when woken by :meth:`poll_now`."""
        if not self._wake.is_set():
            sleeper = asyncio.ensure_future(self._sleep(delay))
            waker = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait((sleeper, waker), return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()
        self._wake.clear()
        urgent, self._urgent = self._urgent, False
        return urgent


class LiveStore:
    """The base of the store: the cache and its listeners, live updates from the gateway or from polls.

    Follows the channels asked for through :meth:`follow`: over the gateway while it is
    LIVE, by polling (aggregate, and messages after the newest known) while it is not.
    """

    def __init__(
        self,
        client: DooverClient,
        *,
        clock: Callable[[], float],
        message_window: int,
        poll_interval: float,
        snapshot: Snapshot | None,
        sleep: Sleep,
    ) -> None:
        self.client = client
        self.live_state = GatewayState.CLOSED
        self._clock = clock
        self._cache = TtlCache(clock)
        self._versions: dict[CacheKey, int] = {}
        """Bumped by every write, live event and invalidation of a key (see ``Store._fetch_and_store``)."""
        self._window = message_window
        self._snapshot = snapshot
        self._listeners: list[Callable[[StoreEvent], None]] = []
        self._gateway: GatewayClient | None = None
        self._feed = FeedMonitor(lambda state, detail: self._emit(FeedStateChanged(state, detail)))
        self._poller = ChannelPoller(self._poll_channel, interval=poll_interval, sleep=sleep)
        self._confirmed: dict[CacheKey, float] = {}
        """When live or polled data last showed a key's value to be current (clock seconds)."""
        self._newest: dict[ChannelRef, str] = {}
        """The newest message id polled per followed channel, for when its cache entry is dropped."""
        self._offline: set[CacheKey] = set()
        """Keys last served from the snapshot and not fetched since."""

    # Listeners and status -------------------------------------------------------------------

    def listen(self, listener: Callable[[StoreEvent], None]) -> Callable[[], None]:
        """Call ``listener`` with every store event; returns a function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, event: StoreEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    @property
    def feed_state(self) -> FeedState:
        """LIVE (gateway connected), POLLING (API answers) or OFFLINE (API unreachable)."""
        return self._feed.state

    @property
    def feed_detail(self) -> str:
        """Why the feed is in its state, in words."""
        return self._feed.detail

    def age(self, key: CacheKey) -> float | None:
        """Seconds since ``key``'s value was fetched or last confirmed by live or polled data; None if unknown."""
        entry = self._cache.get(key)
        if entry is None:
            return self._snapshot.age(key) if self._snapshot is not None and key in self._offline else None
        age = self._cache.age(entry)
        confirmed = self._confirmed.get(key)
        return age if confirmed is None else min(age, max(0.0, self._clock() - confirmed))

    def served_offline(self, key: CacheKey) -> bool:
        """Whether ``key``'s value was last served from the on-disk snapshot (show it as STALE)."""
        return key in self._offline and self._cache.get(key) is None

    def _store(self, key: CacheKey, value: Any, *, keep_age: bool = False) -> None:
        """Cache a value from a write, a live event or a poll, superseding any fetch in flight."""
        self._versions[key] = self._versions.get(key, 0) + 1
        self._offline.discard(key)
        if keep_age:
            self._cache.replace(key, value)
        else:
            self._cache.put(key, value)

    def _keep(self, key: CacheKey, value: Any) -> None:
        """Note a value fresh from the API: no longer offline, and worth keeping in the snapshot."""
        self._offline.discard(key)
        if self._snapshot is not None:
            self._snapshot.put(key, value)

    # Following ------------------------------------------------------------------------------

    async def follow(self, ref: ChannelRef) -> None:
        """Subscribe to a channel's live events (starting the gateway on first use); poll it while not live."""
        if self._gateway is None:
            self._gateway = self.client.gateway(self._on_gateway_event)
            self._gateway.start()
        newest = self._newest_cached(ref)
        if newest is not None:
            self._newest[ref] = newest
        self._poller.follow(ref)
        await self._gateway.subscribe(ref)

    async def unfollow(self, ref: ChannelRef) -> None:
        """Stop a channel's live events and polls."""
        await self._poller.unfollow(ref)
        self._newest.pop(ref, None)
        if self._gateway is not None:
            await self._gateway.unsubscribe(ref)

    @property
    def followed(self) -> tuple[ChannelRef, ...]:
        """The channels followed now."""
        return self._poller.channels

    async def _close_live(self) -> None:
        await self._poller.aclose()
        if self._gateway is not None:
            await self._gateway.aclose()

    # Polling --------------------------------------------------------------------------------

    async def _poll_channel(self, ref: ChannelRef) -> bool:
        """Fetch a followed channel's aggregate and newer messages, delivering changes as live events would."""
        key: CacheKey = ("aggregate", ref)
        try:
            version = self._versions.get(key, 0)
            aggregate = await self.client.data.get_aggregate(ref.agent_id, ref.name)
            self._feed.http_outcome(None)
            self._take_polled_aggregate(ref, aggregate, version)
            key = ("messages", ref)
            await self._poll_messages(ref)
        except DooverError as exc:
            self._feed.http_outcome(exc)
            self._emit(RefreshFailed(key, exc))
            return False
        return True

    def _take_polled_aggregate(self, ref: ChannelRef, aggregate: Aggregate, version: int) -> None:
        key: CacheKey = ("aggregate", ref)
        if self._versions.get(key, 0) != version:
            return  # a write or live event landed meanwhile: it is newer
        entry = self._cache.get(key)
        if entry is not None and entry.value == aggregate:
            self._cache.put(key, aggregate)  # unchanged, but now known to be current
            return
        self._store(key, aggregate)
        self._keep(key, aggregate)
        self._emit(AggregateChanged(ref, aggregate, "poll"))

    async def _poll_messages(self, ref: ChannelRef) -> None:
        key: CacheKey = ("messages", ref)
        after = self._newest_cached(ref) or self._newest.get(ref)
        if after is None and self._cache.get(key) is None:
            return  # never loaded: there is nothing on screen to add to
        if after is None:
            new = await self.client.data.list_messages(ref.agent_id, ref.name, limit=100)
        else:
            new = await self._messages_after(ref, after)
        self._confirmed[key] = self._clock()
        if new or after:
            self._newest[ref] = new[0].id if new else str(after)
        if new:
            self._add_messages(ref, new)
            entry = self._cache.get(key)
            if entry is not None:
                self._keep(key, entry.value)

    async def _messages_after(self, ref: ChannelRef, after: str) -> list[Message]:
        """Messages newer than ``after``, newest first, at most the window's worth."""
        collected: list[Message] = []
        pages = self.client.data.iter_messages_forward(
            ref.agent_id, ref.name, after=after, page_size=min(200, self._window)
        )
        async for page in pages:
            collected.extend(page)
            if len(collected) >= self._window:
                break
        return newest_first(collected)

    def _newest_cached(self, ref: ChannelRef) -> str | None:
        entry = self._cache.get(("messages", ref))
        if entry is None or not entry.value:
            return None
        newest: str = max((message.id for message in entry.value), key=id_sort_key)
        return newest

    # Live events ----------------------------------------------------------------------------

    def _on_gateway_event(self, event: GatewayEvent) -> None:
        if isinstance(event, AggregateUpdated | ChannelSynced):
            self._store(("aggregate", event.channel), event.aggregate)
            self._emit(AggregateChanged(event.channel, event.aggregate, "live"))
        elif isinstance(event, MessageCreated):
            self._add_messages(event.message.channel, (event.message,))
        elif isinstance(event, MessageUpdated):
            self._replace_message(event.channel, event.message)
        elif isinstance(event, GatewayStatusChanged):
            self.live_state = event.state
            self._emit(LiveStatusChanged(event.state, event.detail, event.retry_in))
            self._poller.set_live(event.state is GatewayState.LIVE)
            self._feed.gateway_changed(event.state, event.detail)
        else:
            self._emit(LiveEventReceived(event))

    def _add_messages(self, ref: ChannelRef, new: Sequence[Message]) -> None:
        self._confirmed[("messages", ref)] = self._clock()
        entry = self._cache.get(("messages", ref))
        if entry is not None:
            known = {message.id for message in entry.value}
            fresh = tuple(message for message in new if message.id not in known)
            if not fresh:
                return
            # Keep the entry's age: live arrivals do not make the rest of the list fresher.
            merged = (fresh + entry.value)[: self._window]
            self._store(("messages", ref), merged, keep_age=True)
            new = fresh
        self._emit(MessagesArrived(ref, tuple(new)))

    def _replace_message(self, ref: ChannelRef, message: Message) -> None:
        entry = self._cache.get(("messages", ref))
        if entry is not None:
            updated = tuple(message if old.id == message.id else old for old in entry.value)
            self._store(("messages", ref), updated, keep_age=True)
        self._emit(MessageChanged(ref, message))
