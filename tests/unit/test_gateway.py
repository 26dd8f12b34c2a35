"""GatewayClient against a small WebSocket server on loopback: handshake, events, resume, refusal."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection

from doover_tui.api.auth import StaticToken
from doover_tui.api.gateway import GatewayClient
from doover_tui.api.gateway_events import (
    AggregateUpdated,
    GatewayState,
    GatewayStatusChanged,
    MessageCreated,
    SessionCancelled,
    SessionReady,
)
from doover_tui.api.models import ChannelRef
from tests.conftest import fixture_json
from tests.gateway_peer import Events, Peer, hello_ready, send, url_of

CHANNEL = ChannelRef("a1", "c1")


async def no_wait(_: float) -> None:
    await asyncio.sleep(0)


async def test_identify_ready_subscribe_and_typed_events(gateway_server: Any) -> None:
    async def script(socket: ServerConnection, peer: Peer) -> None:
        reader = await hello_ready(socket, peer)
        await peer.expect(12)  # wait until subscribed, then publish
        await send(socket, fixture_json("gateway/message_create.json"))
        await send(socket, fixture_json("gateway/aggregate_update.json"))
        await send(socket, {"op": 0, "t": "Novel", "d": 1})
        await reader

    server, peer = await gateway_server(script)
    events = Events()
    client = GatewayClient(url_of(server), StaticToken("sekrit"), events, organisation_id="9", sleep=no_wait)
    await client.subscribe(CHANNEL)  # before connecting: sent after Ready
    client.start()
    ready = await events.next(SessionReady)
    (identify,) = peer.handshakes
    assert identify == {
        "op": 10,
        "d": {"default_connection": False, "organisation_id": "9", "sharing_mode": "internal"},
    }
    assert peer.headers[0]["Authorization"] == "Bearer sekrit"
    assert ready.session_id == "s1"
    assert client.state is GatewayState.LIVE
    created = await events.next(MessageCreated)
    assert created.message.channel == CHANNEL
    updated = await events.next(AggregateUpdated)
    assert updated.author_id == "u1"
    await client.unsubscribe(CHANNEL)
    assert (await peer.expect(13))["d"]["channel"] == {"agent_id": "a1", "name": "c1"}
    assert await client.request_sync(CHANNEL)
    assert (await peer.expect(14))["d"]["channel"]["name"] == "c1"
    assert await client.send_one_shot(CHANNEL, {"x": 1})
    assert (await peer.expect(15))["d"] == {"channel": {"agent_id": "a1", "name": "c1"}, "data": {"x": 1}}
    await client.aclose()
    assert client.state is GatewayState.CLOSED


async def test_reconnect_resumes_and_resubscribes(gateway_server: Any) -> None:
    async def script(socket: ServerConnection, peer: Peer) -> None:
        if peer.connections == 1:
            await hello_ready(socket, peer, session="s1")
            await peer.expect(12)
            await socket.close()  # dropped: the client must resume
            return
        reader = await hello_ready(socket, peer, session="s1", token="tok2")
        await reader

    server, peer = await gateway_server(script)
    events = Events()
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)

    client = GatewayClient(url_of(server), StaticToken("t"), events, sleep=record, rand=lambda: 0.0)
    await client.subscribe(CHANNEL)
    client.start()
    await events.next(SessionReady, resumed=False)
    await events.next(SessionReady, resumed=True)
    assert (await peer.expect(12))["d"]["channel"]["name"] == "c1", "resubscribed after the resume"
    assert [h["op"] for h in peer.handshakes] == [10, 11]
    assert peer.handshakes[1]["d"] == {"session_id": "s1", "session_token": "tok", "default_connection": False}
    assert delays == [0.5], "one reconnect, after the minimum backoff (no busy loop)"
    await client.aclose()


async def test_session_cancelled_makes_the_next_connection_identify(gateway_server: Any) -> None:
    async def script(socket: ServerConnection, peer: Peer) -> None:
        reader = await hello_ready(socket, peer)
        if peer.connections == 1:
            await send(socket, fixture_json("gateway/session_cancelled.json"))
        await reader

    server, peer = await gateway_server(script)
    events = Events()
    client = GatewayClient(url_of(server), StaticToken("t"), events, sleep=no_wait)
    client.start()
    await events.next(SessionCancelled)
    await events.next(SessionReady, resumed=False)
    assert [h["op"] for h in peer.handshakes] == [10, 10], "identify again, not resume"
    await client.aclose()


@pytest.mark.parametrize("status", [401, 404])
async def test_refusal_is_reported_plainly_with_backoff(gateway_server: Any, status: int) -> None:
    async def script(socket: ServerConnection, peer: Peer) -> None:
        raise AssertionError("a refused connection never reaches the handler")

    server, _ = await gateway_server(script, refuse=status)
    events = Events()
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)
        await asyncio.sleep(0)

    client = GatewayClient(url_of(server), StaticToken("t"), events, sleep=record, rand=lambda: 1.0)
    client.start()
    status_event = await events.next(GatewayStatusChanged, state=GatewayState.UNAVAILABLE)
    assert status_event.detail == f"the gateway refused the connection (HTTP {status})"
    assert status_event.retry_in == 2.0
    await events.next(GatewayStatusChanged, state=GatewayState.UNAVAILABLE)
    await client.aclose()
    assert delays[:3] == [2.0, 4.0, 8.0][: len(delays[:3])], "backoff grows"


async def test_unreachable_gateway_is_reported_not_raised() -> None:
    events = Events()
    client = GatewayClient("ws://127.0.0.1:9/ws", StaticToken("t"), events, sleep=no_wait)
    client.start()
    status = await events.next(GatewayStatusChanged, state=GatewayState.RECONNECTING)
    assert status.detail.startswith("cannot reach the gateway")
    assert status.retry_in is not None
    await client.aclose()


async def test_not_connected_sends_report_false() -> None:
    client = GatewayClient("ws://127.0.0.1:9/ws", StaticToken("t"), Events())
    assert not await client.request_sync(CHANNEL)
    await client.subscribe(CHANNEL)
    assert client.subscriptions == (CHANNEL,)


async def test_backoff_survives_a_very_long_outage() -> None:
    """Past 1024 failures, 2.0 ** failures overflowed and silently ended the reconnect loop."""
    events = Events()
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)
        if len(delays) >= 1100:
            raise asyncio.CancelledError
        await asyncio.sleep(0)

    client = GatewayClient("ws://127.0.0.1:9/ws", StaticToken("t"), events, sleep=record, rand=lambda: 1.0)
    client._connect_once = _refused  # type: ignore[method-assign]
    client.start()
    assert client._task is not None
    await asyncio.gather(client._task, return_exceptions=True)
    assert len(delays) == 1100
    assert max(delays) == 30.0


async def _refused() -> tuple[bool, str, bool]:
    return False, "refused", True


async def test_a_malformed_event_is_skipped_not_fatal(gateway_server: Any) -> None:
    async def script(socket: ServerConnection, peer: Peer) -> None:
        reader = await hello_ready(socket, peer)
        await peer.expect(12)
        bad = {"channel": {"agent_id": "a1", "name": "c1"}, "aggregate": {"data": {}, "last_updated": "²"}}
        await send(socket, {"op": 0, "t": "AggregateUpdate", "d": bad | {"aggregate": "not an object"}})
        await send(socket, fixture_json("gateway/message_create.json"))
        await reader

    server, _ = await gateway_server(script)
    events = Events()
    client = GatewayClient(url_of(server), StaticToken("t"), events, sleep=no_wait)
    await client.subscribe(CHANNEL)
    client.start()
    await events.next(MessageCreated)
    assert client.state is GatewayState.LIVE
    await client.aclose()
