"""The store's fallback when the gateway is not live: polling, catch-up, backoff and the feed state."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.server import ServerConnection

from doover_tui.api.auth import StaticToken
from doover_tui.api.client import DooverClient, Endpoints, new_http_client
from doover_tui.api.errors import NetworkError, NotFoundError
from doover_tui.api.gateway_events import GatewayState
from doover_tui.api.http import RetryPolicy
from doover_tui.api.models import ChannelRef
from doover_tui.api.snowflake import id_sort_key
from doover_tui.emulator.server import RunningEmulator
from doover_tui.store import Store
from doover_tui.store_events import (
    AggregateChanged,
    FeedState,
    FeedStateChanged,
    MessagesArrived,
    RefreshFailed,
    StoreEvent,
)
from tests.conftest import FakeServer, fixture_json
from tests.emulator_fixtures import TOKEN
from tests.gateway_peer import Peer, pump, send, url_of

REF = ChannelRef("42", "tank")
AGG = "/api/agents/42/channels/tank/aggregate"
MSGS = "/api/agents/42/channels/tank/messages"
REFUSED = "ws://127.0.0.1:1/ws"
"""Nothing listens on port 1: the gateway is refused at once."""


class Ticks:
    """An injected sleep that ends only when the test says so: no test waits on a real timer."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self._asleep: asyncio.Queue[float] = asyncio.Queue()
        self._permits: asyncio.Queue[None] = asyncio.Queue()

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        self._asleep.put_nowait(delay)
        await self._permits.get()

    async def asleep(self) -> float:
        """Wait until something sleeps; return its delay."""
        return await asyncio.wait_for(self._asleep.get(), 5)

    def release(self) -> None:
        """Let one sleeper go."""
        self._permits.put_nowait(None)

    async def tick(self) -> float:
        """Let one sleeper go and wait until something sleeps again (its work is done by then)."""
        self.release()
        return await self.asleep()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def message(n: int) -> dict[str, Any]:
    return {"id": str(n), "author_id": "u", "channel": REF.to_json(), "data": {"n": n}}


class FakeChannel:
    """The tank channel as a server holds it, answering as the data API does."""

    def __init__(self) -> None:
        self.aggregate: Any = {"level": 1}
        self.messages = [message(1), message(2)]
        self.down = False

    def add(self, n: int) -> None:
        self.messages.append(message(n))

    def answer_aggregate(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused")
        return httpx.Response(200, json={"data": self.aggregate, "attachments": []})

    def answer_messages(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused")
        after = request.url.params.get("after")
        limit = int(request.url.params.get("limit", "100"))
        found = sorted(self.messages, key=lambda m: id_sort_key(m["id"]))
        if after is not None:
            # A bare ``after`` is answered oldest first, as the real server does.
            return httpx.Response(200, json=[m for m in found if id_sort_key(m["id"]) > id_sort_key(after)][:limit])
        return httpx.Response(200, json=list(reversed(found))[:limit])

    def serve(self, server: FakeServer) -> None:
        server.on("GET", AGG, self.answer_aggregate)
        server.on("GET", MSGS, self.answer_messages)


def make_store(
    server: FakeServer, gateway: str = REFUSED, interval: float = 2.0
) -> tuple[Store, asyncio.Queue[StoreEvent], Ticks, Clock]:
    http = httpx.AsyncClient(transport=server.transport())
    endpoints = Endpoints("http://127.0.0.1:9/api", "http://127.0.0.1:9", gateway)
    client = DooverClient(endpoints, StaticToken("t"), http, retry=RetryPolicy(attempts=1))
    ticks, clock = Ticks(), Clock()
    store = Store(client, poll_interval=interval, sleep=ticks, clock=clock)
    events: asyncio.Queue[StoreEvent] = asyncio.Queue()
    store.listen(events.put_nowait)
    return store, events, ticks, clock


async def next_event(events: asyncio.Queue[StoreEvent], kind: type) -> Any:
    while True:
        event = await asyncio.wait_for(events.get(), 5)
        if isinstance(event, kind):
            return event


def feed_of(store: Store) -> FeedState:
    """The store's feed state now (a call, so mypy does not narrow it across awaits)."""
    return store.feed_state


def drain(events: asyncio.Queue[StoreEvent]) -> list[StoreEvent]:
    found = []
    while not events.empty():
        found.append(events.get_nowait())
    return found


def changes(events: asyncio.Queue[StoreEvent]) -> list[StoreEvent]:
    return [e for e in drain(events) if isinstance(e, AggregateChanged | MessagesArrived | FeedStateChanged)]


async def test_a_refused_gateway_means_polls_that_deliver_changes(server: FakeServer) -> None:
    channel = FakeChannel()
    channel.serve(server)
    store, events, ticks, clock = make_store(server)
    await store.aggregate(REF)
    await store.messages(REF)
    await store.follow(REF)
    assert await ticks.asleep() == 2.0, "the first poll waits one interval"
    channel.aggregate = {"level": 2}
    channel.add(3)
    channel.add(4)
    clock.now += 100
    await ticks.tick()
    change = await next_event(events, AggregateChanged)
    assert (change.source, change.aggregate.data) == ("poll", {"level": 2})
    arrived = await next_event(events, MessagesArrived)
    assert [m.id for m in arrived.messages] == ["4", "3"], "newest first, like live arrivals"
    assert server.last().param("after") == ["2"], "only messages after the newest known are asked for"
    assert feed_of(store) is FeedState.POLLING
    assert store.live_state is not GatewayState.LIVE
    assert (store.age(("aggregate", REF)), store.age(("messages", REF))) == (0.0, 0.0)
    requests = len(server.seen)
    assert [m.id for m in (await store.messages(REF)).value] == ["4", "3", "2", "1"]
    assert (await store.aggregate(REF)).value.data == {"level": 2}
    assert len(server.seen) == requests, "the polls kept the cache current"
    clock.now += 7
    await ticks.tick()
    assert changes(events) == [], "an unchanged channel emits nothing"
    assert store.age(("aggregate", REF)) == 0.0, "but its data is confirmed current"
    assert store.age(("agents",)) is None
    await store.aclose()


async def test_failed_polls_back_off_go_offline_and_recover(server: FakeServer) -> None:
    channel = FakeChannel()
    channel.serve(server)
    store, events, ticks, _ = make_store(server)
    await store.aggregate(REF)
    await store.messages(REF)
    await store.follow(REF)
    await ticks.asleep()
    channel.down = True
    assert await ticks.tick() == 4.0
    offline = await next_event(events, FeedStateChanged)
    assert offline.state is FeedState.OFFLINE
    assert offline.detail == "Network error; retrying"
    failed = await next_event(events, RefreshFailed)
    assert failed.key == ("aggregate", REF)
    assert isinstance(failed.error, NetworkError)
    assert feed_of(store) is FeedState.OFFLINE
    tasks = len(asyncio.all_tasks())
    assert [await ticks.tick() for _ in range(5)] == [8.0, 16.0, 30.0, 30.0, 30.0], "bounded backoff"
    assert len(asyncio.all_tasks()) <= tasks, "failures do not pile up tasks"
    channel.down = False
    channel.aggregate = {"level": 9}
    assert await ticks.tick() == 2.0, "success restores the interval"
    assert [type(e) for e in changes(events) if not isinstance(e, MessagesArrived)] == [
        FeedStateChanged,
        AggregateChanged,
    ]
    assert feed_of(store) is FeedState.POLLING
    await store.aclose()


async def test_polling_stops_when_live_after_one_catch_up_poll(server: FakeServer, gateway_server: Any) -> None:
    ready, drop = asyncio.Event(), asyncio.Event()

    async def script(socket: ServerConnection, peer: Peer) -> None:
        if peer.connections > 1:
            await socket.wait_closed()  # later connections never become ready
            return
        await send(socket, fixture_json("gateway/hello.json"))
        peer.handshakes.append(orjson.loads(await socket.recv()))
        await ready.wait()
        reader = asyncio.create_task(pump(socket, peer))
        await send(socket, {"op": 0, "t": "Ready", "d": {"session_id": "s", "session_token": "t", "subscriptions": []}})
        await drop.wait()
        await socket.close()
        reader.cancel()

    ws, _ = await gateway_server(script)
    channel = FakeChannel()
    channel.serve(server)
    store, events, ticks, _ = make_store(server, gateway=url_of(ws))
    await store.aggregate(REF)
    await store.messages(REF)
    await store.follow(REF)
    await ticks.asleep()
    channel.aggregate = {"level": 2}
    await ticks.tick()
    assert (await next_event(events, AggregateChanged)).source == "poll", "polls run while connecting"
    channel.add(3)
    ready.set()
    assert (await next_event(events, FeedStateChanged)).state is FeedState.LIVE
    caught_up = await next_event(events, MessagesArrived)
    assert [m.id for m in caught_up.messages] == ["3"], "one catch-up poll at once on going live"
    await ticks.asleep()
    requests = len(server.seen)
    channel.add(4)
    await ticks.tick()
    await ticks.tick()
    assert len(server.seen) == requests, "no polls while live"
    drop.set()
    back = await next_event(events, FeedStateChanged)
    assert back.state is FeedState.POLLING
    assert "gateway " in back.detail
    await ticks.tick()
    assert [m.id for m in (await next_event(events, MessagesArrived)).messages] == ["4"]
    await store.unfollow(REF)
    assert store.followed == ()
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "poll followed channels"]
    await store.aclose()


async def test_feed_state_follows_reads_before_anything_is_followed(server: FakeServer) -> None:
    agents = fixture_json("agents_response.json")
    replies: list[httpx.Response | Exception] = [
        httpx.ConnectError("refused"),
        httpx.Response(404, json={}),
        httpx.Response(200, json=agents),
    ]
    answers = iter(replies)

    def answer(request: httpx.Request) -> httpx.Response:
        reply = next(answers)
        if isinstance(reply, Exception):
            raise reply
        return reply

    server.on("GET", "/agents/", answer)
    store, events, _, _ = make_store(server)
    assert feed_of(store) is FeedState.POLLING
    with pytest.raises(NetworkError):
        await store.agents()
    with pytest.raises(NotFoundError):
        await store.agents()
    states = [e for e in changes(events) if isinstance(e, FeedStateChanged)]
    assert [(e.state, e.detail.endswith("; retrying")) for e in states] == [
        (FeedState.OFFLINE, True),
        (FeedState.POLLING, False),
    ], "a 404 is an answer: the API is reachable"
    await store.agents()
    assert changes(events) == []
    await store.aclose()


async def test_polls_against_the_emulator_when_its_gateway_is_refused(live: RunningEmulator) -> None:
    urls = live.urls
    client = DooverClient(Endpoints(urls.data, urls.control, REFUSED), StaticToken(TOKEN), new_http_client(10))
    ticks = Ticks()
    store = Store(client, poll_interval=1.0, sleep=ticks)
    events: asyncio.Queue[StoreEvent] = asyncio.Queue()
    store.listen(events.put_nowait)
    device = next(a for a in (await store.agents()).value.agents if a.type == "device")
    ref = ChannelRef(device.id, "polled")
    await client.data.create_channel(device.id, ref.name)
    await client.data.update_aggregate(device.id, ref.name, {"level": 1})
    await client.data.create_message(device.id, ref.name, {"n": 1})
    assert (await store.aggregate(ref)).value.data == {"level": 1}
    assert [m.data for m in (await store.messages(ref)).value] == [{"n": 1}]
    await store.follow(ref)
    await ticks.asleep()
    created = await client.data.create_message(device.id, ref.name, {"n": 2})
    await client.data.update_aggregate(device.id, ref.name, {"level": 2})
    await ticks.tick()
    change = await next_event(events, AggregateChanged)
    assert (change.source, change.aggregate.data) == ("poll", {"level": 2})
    arrived = await next_event(events, MessagesArrived)
    assert [m.id for m in arrived.messages] == [created.id]
    assert feed_of(store) is FeedState.POLLING
    assert store.live_state in (GatewayState.CONNECTING, GatewayState.RECONNECTING, GatewayState.UNAVAILABLE)
    await store.aclose()
