"""Store: read-through cache, background refresh, invalidation, read-only gate, live fan-out."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.server import ServerConnection

from doover_tui.api.auth import StaticToken
from doover_tui.api.client import DooverClient, Endpoints
from doover_tui.api.errors import DooverError, NotFoundError, ReadOnlyError, ServerError
from doover_tui.api.gateway_events import GatewayState
from doover_tui.api.http import RetryPolicy
from doover_tui.api.models import ChannelRef
from doover_tui.config.settings import CacheSettings
from doover_tui.snapshot import Snapshot
from doover_tui.store import Store
from doover_tui.store_events import (
    AggregateChanged,
    FeedState,
    LiveStatusChanged,
    MessagesArrived,
    RefreshFailed,
    ResourceRefreshed,
    StoreEvent,
)
from tests.conftest import FakeServer, fixture_json
from tests.gateway_peer import Peer, hello_ready, send, url_of
from tests.unit.test_store_polling import Ticks, feed_of

REF = ChannelRef("42", "tank")
AGG = "/api/agents/42/channels/tank/aggregate"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_store(
    server: FakeServer, *, read_only: bool = False, gateway: str = "ws://127.0.0.1:9/ws", window: int = 2000
) -> tuple[Store, Clock, asyncio.Queue[StoreEvent]]:
    http = httpx.AsyncClient(transport=server.transport())
    client = DooverClient(Endpoints("http://127.0.0.1:9/api", "http://127.0.0.1:9", gateway), StaticToken("t"), http)
    clock = Clock()
    store = Store(
        client,
        cache_ages=CacheSettings(aggregate=10, agents=60),
        read_only=read_only,
        clock=clock,
        message_window=window,
    )
    events: asyncio.Queue[StoreEvent] = asyncio.Queue()
    store.listen(events.put_nowait)
    return store, clock, events


async def next_event(events: asyncio.Queue[StoreEvent], kind: type) -> Any:
    while True:
        event = await asyncio.wait_for(events.get(), 5)
        if isinstance(event, kind):
            return event


def aggregate(data: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"data": data, "attachments": [], "last_updated": 1})


async def test_miss_then_hit_then_stale_with_background_refresh(server: FakeServer) -> None:
    server.on("GET", AGG, aggregate({"v": 1}), aggregate({"v": 2}))
    store, clock, events = make_store(server)
    first = await store.aggregate(REF)
    assert (first.value.data, first.age, first.stale) == ({"v": 1}, 0.0, False)
    clock.now += 5
    hit = await store.aggregate(REF)
    assert (hit.value.data, hit.age, hit.stale) == ({"v": 1}, 5.0, False)
    assert len(server.seen) == 1, "a fresh entry is served from the cache"
    clock.now += 10
    stale = await store.aggregate(REF)
    assert (stale.value.data, stale.stale) == ({"v": 1}, True), "stale data comes back at once"
    refreshed = await next_event(events, ResourceRefreshed)
    assert refreshed.key == ("aggregate", REF)
    assert refreshed.value.data == {"v": 2}
    assert (await store.aggregate(REF)).value.data == {"v": 2}
    assert len(server.seen) == 2
    forced = await store.aggregate(REF, force=True)
    assert forced.age == 0.0
    assert len(server.seen) == 3


async def test_failed_background_refresh_keeps_serving_the_cache(server: FakeServer) -> None:
    server.on("GET", AGG, aggregate({"v": 1}), httpx.Response(404, text="channel not found"))
    store, clock, events = make_store(server)
    await store.aggregate(REF)
    clock.now += 60
    assert (await store.aggregate(REF)).stale
    failed = await next_event(events, RefreshFailed)
    assert isinstance(failed.error, NotFoundError)
    assert (await store.aggregate(REF)).value.data == {"v": 1}


def gated_agents_store(gate: asyncio.Event) -> Store:
    """A store whose agents request is answered only once ``gate`` is set."""

    async def slow(request: httpx.Request) -> httpx.Response:
        await gate.wait()
        return httpx.Response(200, json=fixture_json("agents_response.json"))

    http = httpx.AsyncClient(transport=httpx.MockTransport(slow))
    return Store(
        DooverClient(Endpoints("http://127.0.0.1:9/api", "http://127.0.0.1:9", "ws://x"), StaticToken("t"), http)
    )


async def test_concurrent_reads_share_one_request(server: FakeServer) -> None:
    gate = asyncio.Event()
    store = gated_agents_store(gate)
    calls = 0
    original = store.client.control.agents

    async def counting(**kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return await original(**kwargs)

    store.client.control.agents = counting  # type: ignore[method-assign]
    readers = [asyncio.create_task(store.agents()) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*readers)
    assert calls == 1
    assert all(r.value.agents[0].id == "a1" for r in results)


async def test_write_updates_cache_from_reply_and_invalidates(server: FakeServer) -> None:
    server.on("GET", "/api/agents/42/channels", httpx.Response(200, json=[{"name": "tank"}]))
    server.on("GET", "/api/agents/42/channels/tank/messages", httpx.Response(200, json=[]))
    server.on("PATCH", AGG, aggregate({"v": 9}))
    store, _, events = make_store(server)
    await store.channels("42")
    await store.messages(REF)
    result = await store.update_aggregate(REF, {"v": 9}, log_update=True)
    assert result.data == {"v": 9}
    change = await next_event(events, AggregateChanged)
    assert (change.source, change.aggregate.data) == ("write", {"v": 9})
    before = len(server.seen)
    assert (await store.aggregate(REF)).value.data == {"v": 9}
    assert len(server.seen) == before, "the write's reply is cached"
    await store.channels("42")
    await store.messages(REF)
    assert [s.path for s in server.seen[before:]] == [
        "/api/agents/42/channels",
        "/api/agents/42/channels/tank/messages",
    ]


async def test_tunnel_writes_invalidate_every_tunnel_list(server: FakeServer) -> None:
    page: dict[str, Any] = {"count": 0, "next": None, "previous": None, "results": []}
    server.on("GET", "/tunnels/", httpx.Response(200, json=page))
    server.on("GET", "/devices/3/tunnels/", httpx.Response(200, json=page))
    server.on("POST", "/tunnels/5/activate/", httpx.Response(200, json={}))
    store, _, _ = make_store(server)
    await store.tunnels()
    await store.tunnels("3")
    await store.tunnel_write("activate", "5")
    await store.tunnels()
    await store.tunnels("3")
    assert [s.path for s in server.seen].count("/tunnels/") == 2
    assert [s.path for s in server.seen].count("/devices/3/tunnels/") == 2


@pytest.mark.parametrize(
    ("write", "args"),
    [
        ("update_aggregate", (REF, {"a": 1})),
        ("create_message", (REF, {"a": 1})),
        ("create_channel", ("42", "new")),
        ("put_channel", (REF,)),
        ("patch_application", ("1", {"description": "x"})),
        ("create_application", ({"name": "x"},)),
        ("tunnel_write", ("activate", "5")),
    ],
)
async def test_read_only_refuses_before_any_request(server: FakeServer, write: str, args: tuple[Any, ...]) -> None:
    store, _, _ = make_store(server, read_only=True)
    kwargs = {"is_private": False} if write == "put_channel" else {}
    with pytest.raises(ReadOnlyError, match="read-only"):
        await getattr(store, write)(*args, **kwargs)
    assert server.seen == []


async def test_live_events_update_cache_and_fan_out(server: FakeServer, gateway_server: Any) -> None:
    def message(mid: int) -> dict[str, Any]:
        return {"id": str(mid), "author_id": "u", "channel": {"agent_id": "42", "name": "tank"}, "data": {"n": mid}}

    async def script(socket: ServerConnection, peer: Peer) -> None:
        reader = await hello_ready(socket, peer)
        await peer.expect(12)
        channel = {"agent_id": "42", "name": "tank"}
        await send(socket, {"op": 0, "t": "MessageCreate", "d": message(3)})
        await send(socket, {"op": 0, "t": "MessageCreate", "d": message(3)})  # a duplicate is dropped
        await send(socket, {"op": 0, "t": "MessageCreate", "d": message(4)})
        live_aggregate = {"data": {"level": 7}, "attachments": []}
        update = {"author_id": "u", "channel": channel, "aggregate": live_aggregate, "request_data": {}}
        await send(socket, {"op": 0, "t": "AggregateUpdate", "d": update})
        await reader

    ws, _ = await gateway_server(script)
    server.on("GET", "/api/agents/42/channels/tank/messages", httpx.Response(200, json=[message(2), message(1)]))
    store, _, events = make_store(server, gateway=url_of(ws), window=3)
    await store.messages(REF)
    await store.follow(REF)
    assert (await next_event(events, LiveStatusChanged)).state is GatewayState.CONNECTING
    arrived = [await next_event(events, MessagesArrived), await next_event(events, MessagesArrived)]
    assert [[m.id for m in event.messages] for event in arrived] == [["3"], ["4"]]
    change = await next_event(events, AggregateChanged)
    assert (change.source, change.aggregate.data) == ("live", {"level": 7})
    requests = len(server.seen)
    assert (await store.aggregate(REF)).value.data == {"level": 7}
    cached = await store.messages(REF)
    assert [m.id for m in cached.value] == ["4", "3", "2"], "newest first, bounded to the window"
    assert len(server.seen) == requests, "both were served from what the gateway delivered"
    assert store.live_state is GatewayState.LIVE
    await store.aclose()


async def test_a_cancelled_caller_does_not_cancel_the_shared_fetch(server: FakeServer) -> None:
    gate = asyncio.Event()
    store = gated_agents_store(gate)
    first = asyncio.create_task(store.agents())
    await asyncio.sleep(0)
    second = asyncio.create_task(store.agents())
    await asyncio.sleep(0)
    first.cancel()  # as a worker does when a newer load replaces it
    gate.set()
    result = await second
    assert result.value.agents[0].id == "a1"
    assert first.cancelled()


async def test_a_fetch_older_than_a_write_does_not_overwrite_it(server: FakeServer) -> None:
    gate = asyncio.Event()

    async def stale_read(request: httpx.Request) -> httpx.Response:
        await gate.wait()
        return aggregate({"v": "old"})

    server.on("GET", AGG, stale_read)  # type: ignore[arg-type]  # MockTransport awaits async responders
    server.on("PATCH", AGG, aggregate({"v": "new"}))
    store, _, _ = make_store(server)
    reading = asyncio.create_task(store.aggregate(REF))
    await asyncio.sleep(0)
    await store.update_aggregate(REF, {"v": "new"})
    gate.set()
    assert (await reading).value.data == {"v": "new"}, "the reader gets the newer value"
    assert (await store.aggregate(REF)).value.data == {"v": "new"}, "and so does the cache"


SECRET = "secret-token-4f9a"


def snapshot_store(
    server: FakeServer, snapshot: Snapshot | None, sleep: Ticks | None = None
) -> tuple[Store, asyncio.Queue[StoreEvent]]:
    http = httpx.AsyncClient(transport=server.transport())
    endpoints = Endpoints("http://127.0.0.1:9/api", "http://127.0.0.1:9", "ws://127.0.0.1:1/ws")
    client = DooverClient(endpoints, StaticToken(SECRET), http, retry=RetryPolicy(attempts=1))
    store = Store(client, snapshot=snapshot, poll_interval=2.0, sleep=sleep or Ticks())
    events: asyncio.Queue[StoreEvent] = asyncio.Queue()
    store.listen(events.put_nowait)
    return store, events


class Wall:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_age_counts_from_the_fetch(server: FakeServer) -> None:
    server.on("GET", AGG, aggregate({"v": 1}))
    store, clock, _ = make_store(server)
    assert store.age(("aggregate", REF)) is None
    await store.aggregate(REF)
    clock.now += 5
    assert store.age(("aggregate", REF)) == 5.0
    assert not store.served_offline(("aggregate", REF))


@pytest.mark.parametrize(
    "failure", [httpx.ConnectError("connection refused"), httpx.Response(503, text="down")], ids=["network", "5xx"]
)
async def test_offline_start_serves_the_snapshot_and_retries_until_the_api_answers(
    server: FakeServer, tmp_path: Path, failure: Exception | httpx.Response
) -> None:
    path = tmp_path / "cache" / "snapshot.json"
    wall = Wall()
    server.on("GET", AGG, aggregate({"v": 1}))
    server.on("GET", "/agents/", httpx.Response(200, json=fixture_json("agents_response.json")))
    first, _ = snapshot_store(server, Snapshot(path, now=wall))
    await first.agents()
    await first.aggregate(REF)
    await first.aclose()
    written = path.read_text()
    assert "Agent 1" in written, "browsed data was written as it was read"
    assert SECRET not in written, "the token never is"

    down = True

    def answer(request: httpx.Request) -> httpx.Response:
        if not down:
            return aggregate({"v": 2})
        if isinstance(failure, Exception):
            raise failure
        return failure

    server.on("GET", AGG, answer)
    server.on("GET", "/api/agents/42/channels", answer)
    ticks = Ticks()
    wall.now += 3600
    store, events = snapshot_store(server, Snapshot(path, now=wall), sleep=ticks)
    key = ("aggregate", REF)
    cached = await store.aggregate(REF)
    assert (cached.value.data, cached.stale, cached.offline, cached.age) == ({"v": 1}, True, True, 3600.0)
    assert feed_of(store) is FeedState.OFFLINE
    assert (store.served_offline(key), store.age(key)) == (True, 3600.0)
    with pytest.raises(DooverError):
        await store.channels("42")  # not in the snapshot: the failure shows
    requests = len(server.seen)
    assert (await store.aggregate(REF)).offline
    assert len(server.seen) == requests, "while offline, the snapshot is served at once"
    assert await ticks.asleep() == 2.0
    assert await ticks.tick() == 4.0, "the retry failed and backs off"
    assert (await next_event(events, RefreshFailed)).key == key
    down = False
    ticks.release()
    refreshed = await next_event(events, ResourceRefreshed)
    assert (refreshed.key, refreshed.value.data) == (key, {"v": 2})
    assert feed_of(store) is FeedState.POLLING
    assert not store.served_offline(key)
    fresh = await store.aggregate(REF)
    assert (fresh.value.data, fresh.offline) == ({"v": 2}, False)
    await store.aclose()


async def test_without_a_snapshot_an_unreachable_api_is_an_error(server: FakeServer) -> None:
    server.on("GET", AGG, httpx.Response(503, text="down"))
    store, events = snapshot_store(server, None)
    with pytest.raises(ServerError):
        await store.aggregate(REF)
    assert feed_of(store) is FeedState.OFFLINE
    assert not any(isinstance(event, ResourceRefreshed | RefreshFailed) for event in drain(events))
    await store.aclose()


def drain(events: asyncio.Queue[StoreEvent]) -> list[StoreEvent]:
    found = []
    while not events.empty():
        found.append(events.get_nowait())
    return found


async def test_many_reads_schedule_one_snapshot_write(server: FakeServer, tmp_path: Path) -> None:
    server.on("GET", AGG, *[aggregate({"v": n}) for n in range(10)])
    writes = Ticks()
    path = tmp_path / "cache" / "snapshot.json"
    store, _ = snapshot_store(server, Snapshot(path, debounce=5.0, sleep=writes))
    for _ in range(10):
        await store.aggregate(REF, force=True)
    assert await writes.asleep() == 5.0
    assert writes.delays == [5.0], "ten reads, one pending write"
    assert not path.exists()
    await store.aclose()
    stored = await Snapshot(path).get(("aggregate", REF))
    assert stored is not None
    assert stored[0].data == {"v": 9}, "closing writes the newest at once"


async def test_channel_list_brings_aggregates_that_warm_the_cache(server: FakeServer) -> None:
    listing = [{"name": "tank", "aggregate": {"data": {"level": 3}, "last_updated": 1_700_000_000_000}}, {"name": "x"}]
    server.on("GET", "/api/agents/42/channels", httpx.Response(200, json=listing))
    store, _, _ = make_store(server)
    channels = (await store.channels("42")).value
    assert [c.name for c in channels] == ["tank", "x"]
    assert channels[0].aggregate is not None
    assert channels[0].aggregate.last_updated == 1_700_000_000_000
    assert server.seen[0].param("include_aggregate") == ["true"]
    cached = await store.aggregate(REF)
    assert cached.value.data == {"level": 3}
    assert len(server.seen) == 1, "the aggregate came from the channel list, not a second request"
    await store.aclose()
