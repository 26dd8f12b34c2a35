"""The emulator's gateway on a real loopback server: handshake, fan-out of REST writes, sync, resume."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from doover_tui.api.auth import StaticToken
from doover_tui.api.gateway import GatewayClient
from doover_tui.api.gateway_events import AggregateUpdated, MessageCreated, SessionReady
from doover_tui.api.models import ChannelRef
from doover_tui.emulator.server import RunningEmulator
from tests.emulator_fixtures import AUTH, TOKEN
from tests.gateway_peer import Events


async def receive(socket: ClientConnection, name: str) -> dict[str, Any]:
    """The next dispatch called ``name`` (others are skipped)."""
    while True:
        frame = orjson.loads(await asyncio.wait_for(socket.recv(), 5))
        if frame.get("t") == name or (name == "op3" and frame.get("op") == 3):
            return frame


async def send(socket: ClientConnection, op: int, data: Any) -> None:
    await socket.send(orjson.dumps({"op": op, "d": data}).decode())


async def first_device(live: RunningEmulator) -> str:
    async with httpx.AsyncClient(headers=AUTH) as http:
        agents = (await http.get(f"{live.urls.control}/agents/")).json()["agents"]
    return next(a["id"] for a in agents if a["type"] == "device")


async def test_refuses_a_bad_token(live: RunningEmulator) -> None:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(live.urls.gateway, additional_headers={"Authorization": "Bearer wrong"}):
            pass
    assert caught.value.response.status_code in (401, 403)


async def test_raw_protocol_sync_one_shot_and_subscriber_events(live: RunningEmulator) -> None:
    device = await first_device(live)
    channel = {"agent_id": device, "name": "telemetry"}
    async with (
        connect(f"{live.urls.gateway}?token={TOKEN}") as viewer,
        connect(live.urls.root.replace("http", "ws") + "/gateway", additional_headers=AUTH) as other,
    ):
        for socket in (viewer, other):
            assert orjson.loads(await socket.recv())["t"] == "Hello"
            await send(socket, 10, {"default_connection": False, "organisation_id": None, "sharing_mode": "internal"})
            ready = await receive(socket, "Ready")
            assert ready["d"]["subscriptions"] == []
        await send(viewer, 12, {"channel": channel, "organisation_id": None, "diff_only": False})
        await send(other, 12, {"channel": channel, "organisation_id": None, "diff_only": False})
        joined = await receive(viewer, "ChannelSubscription")
        assert joined["d"]["channel"] == channel
        await send(viewer, 14, {"channel": channel, "organisation_id": None})
        synced = await receive(viewer, "ChannelSync")
        assert "pump" in synced["d"]["aggregate"]["data"] or synced["d"]["aggregate"]["data"]
        await send(other, 15, {"channel": channel, "data": {"ping": 1}})
        one_shot = await receive(viewer, "OneShotMessage")
        assert one_shot["d"]["id"] is None
        assert one_shot["d"]["data"] == {"ping": 1}
        await send(viewer, 14, {"channel": {"agent_id": device, "name": "missing"}})
        assert "not found" in (await receive(viewer, "WSSErrorEvent"))["d"]["message"]
        await viewer.send("not json")
        assert (await receive(viewer, "WSSErrorEvent"))["d"]["message"].startswith("frames must be JSON")
        async with httpx.AsyncClient(headers=AUTH) as http:
            connections = (
                await http.get(f"{live.urls.data}/agents/{live.emulator.auth.user_agent_id}/wss_connections")
            ).json()
        assert len(connections) == 2
        assert all(not c["default_session"] for c in connections)
        assert {c["subscriptions"][0]["channel"]["name"] for c in connections} == {"telemetry"}


async def test_rest_writes_reach_our_gateway_client(live: RunningEmulator) -> None:
    device = await first_device(live)
    events = Events()
    client = GatewayClient(live.urls.gateway, StaticToken(TOKEN), events)
    await client.subscribe(ChannelRef(device, "config"))
    client.start()
    await events.next(SessionReady)
    async with httpx.AsyncClient(headers=AUTH) as http:
        base = f"{live.urls.data}/agents/{device}/channels/config"
        await http.patch(f"{base}/aggregate", params={"log_update": "true"}, json={"mode": "off"})
        update = await events.next(AggregateUpdated)
        assert update.aggregate.data["mode"] == "off"
        assert update.request_data == {"data": {"mode": "off"}, "attachments": []}
        logged = await events.next(MessageCreated)
        assert logged.message.data == {"mode": "off"}
    await client.aclose()


async def test_dropped_connection_resumes_the_session(live: RunningEmulator) -> None:
    device = await first_device(live)
    events = Events()

    async def quick(_: float) -> None:
        await asyncio.sleep(0)

    client = GatewayClient(live.urls.gateway, StaticToken(TOKEN), events, sleep=quick)
    await client.subscribe(ChannelRef(device, "telemetry"))
    client.start()
    first = await events.next(SessionReady)
    assert await live.on_loop(live.emulator.hub.drop_connections) == 1
    resumed = await events.next(SessionReady)
    assert (resumed.session_id, resumed.resumed) == (first.session_id, True)
    await live.on_loop(
        lambda: live.emulator.data.create_message(device, "telemetry", {"data": {"after": "resume"}}, author_id=device)
    )
    created = await events.next(MessageCreated)
    assert created.message.data == {"after": "resume"}, "the subscription survived the resume"
    await live.on_loop(lambda: live.emulator.hub.cancel_session(first.session_id))
    fresh = await events.next(SessionReady)
    assert fresh.session_id != first.session_id
    assert not fresh.resumed
    await client.aclose()


async def test_a_1000_level_patch_sync_and_one_shot_are_relayed(live: RunningEmulator) -> None:
    device = await first_device(live)
    channel = {"agent_id": device, "name": "deep"}
    depth = 1000  # beyond orjson's 254 levels; each frame still parses (orjson reads up to 1,024)
    deep_text = '{"k":' * depth + '"bottom"' + "}" * depth
    async with connect(f"{live.urls.gateway}?token={TOKEN}") as viewer, httpx.AsyncClient(headers=AUTH) as http:
        base = f"{live.urls.data}/agents/{device}/channels/deep"
        assert (await http.post(base, json={})).status_code in (200, 201)
        assert orjson.loads(await viewer.recv())["t"] == "Hello"
        await send(viewer, 10, {"default_connection": False, "organisation_id": None, "sharing_mode": "internal"})
        await receive(viewer, "Ready")
        await send(viewer, 12, {"channel": channel, "organisation_id": None, "diff_only": False})
        await send(viewer, 14, {"channel": channel, "organisation_id": None})
        await receive(viewer, "ChannelSync")  # so the subscription is in place (its announcement skips us)
        # A merge patch through every level: the merge runs without recursion, so this is no 500.
        patched = await http.patch(f"{base}/aggregate", content=deep_text, headers={"Content-Type": "application/json"})
        assert patched.status_code == 200, patched.text
        update = await receive(viewer, "AggregateUpdate")
        assert _text_of(update["d"]["aggregate"]["data"]) == deep_text
        await send(viewer, 14, {"channel": channel, "organisation_id": None})
        assert _text_of((await receive(viewer, "ChannelSync"))["d"]["aggregate"]["data"]) == deep_text
        await viewer.send('{"op":15,"d":{"channel":' + orjson.dumps(channel).decode() + ',"data":' + deep_text + "}}")
        assert _text_of((await receive(viewer, "OneShotMessage"))["d"]["data"]) == deep_text


def _text_of(value: Any) -> str:
    """Compact JSON at any depth (orjson.dumps stops at 254 levels)."""
    from doover_tui.jsonedit import compact

    return compact(value).decode()
