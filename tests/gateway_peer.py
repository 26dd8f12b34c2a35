"""A scriptable gateway peer on loopback, for tests of the gateway client and the store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from doover_tui.api.gateway_events import GatewayEvent
from tests.conftest import fixture_json

Script = Callable[[ServerConnection, "Peer"], Awaitable[None]]


class Peer:
    """What the test server saw: frames from the client and the upgrade headers."""

    def __init__(self) -> None:
        self.frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.headers: list[Headers] = []
        self.handshakes: list[dict[str, Any]] = []
        self.connections = 0

    async def expect(self, op: int) -> dict[str, Any]:
        frame = await asyncio.wait_for(self.frames.get(), 5)
        assert frame["op"] == op, frame
        return frame


async def send(socket: ServerConnection, frame: dict[str, Any]) -> None:
    await socket.send(orjson.dumps(frame).decode())


async def pump(socket: ServerConnection, peer: Peer) -> None:
    async for raw in socket:
        await peer.frames.put(orjson.loads(raw))


async def hello_ready(
    socket: ServerConnection, peer: Peer, session: str = "s1", token: str = "tok"
) -> asyncio.Task[None]:
    """Say Hello, take the client's identify or resume (kept in peer.handshakes), answer Ready."""
    await send(socket, fixture_json("gateway/hello.json"))
    peer.handshakes.append(orjson.loads(await socket.recv()))
    reader = asyncio.create_task(pump(socket, peer))
    ready = {"session_id": session, "session_token": token, "subscriptions": []}
    await send(socket, {"op": 0, "t": "Ready", "d": ready})
    return reader


class Events:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[GatewayEvent] = asyncio.Queue()

    def __call__(self, event: GatewayEvent) -> None:
        self.queue.put_nowait(event)

    async def next(self, kind: type, **match: Any) -> Any:
        while True:
            event = await asyncio.wait_for(self.queue.get(), 5)
            if isinstance(event, kind) and all(getattr(event, k) == v for k, v in match.items()):
                return event


@pytest.fixture
async def gateway_server() -> AsyncIterator[Callable[..., Awaitable[tuple[Server, Peer]]]]:
    servers: list[Server] = []

    async def start(script: Script, refuse: int | None = None) -> tuple[Server, Peer]:
        peer = Peer()

        def check(connection: ServerConnection, request: Request) -> Response | None:
            peer.headers.append(request.headers)
            if refuse is not None:
                return connection.respond(refuse, "refused\n")
            return None

        async def handler(socket: ServerConnection) -> None:
            peer.connections += 1
            await script(socket, peer)

        server = await serve(handler, "127.0.0.1", 0, process_request=check)
        servers.append(server)
        return server, peer

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def url_of(server: Server) -> str:
    host, port = next(iter(server.sockets)).getsockname()[:2]
    return f"ws://{host}:{port}/ws"
