"""The emulator's live gateway (reference §4): sessions, subscriptions and event fan-out over WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from doover_tui.api.snowflake import SnowflakeType
from doover_tui.emulator.ids import IdMaker
from doover_tui.emulator.problems import Problem
from doover_tui.jsonedit import compact

log = logging.getLogger(__name__)

SEND_QUEUE = 2000
"""Frames waiting for one slow client before it is disconnected (memory stays bounded)."""

SESSION_TTL_S = 300.0
"""How long a disconnected session can still be resumed."""

HANDSHAKE_TIMEOUT_S = 30.0


def frame(name: str, data: Any) -> str:
    """A dispatch frame (op 0), whatever the depth of ``data`` (the service relays what devices send)."""
    # Not orjson.dumps alone: it refuses more than 254 levels, and a deep aggregate or one-shot message
    # would then break the session's sync or the whole fan-out.
    return compact({"op": 0, "t": name, "d": data}).decode()


@dataclass
class Session:
    """One viewer's (or device's) session; it outlives its connection so it can be resumed."""

    id: str
    token: str
    agent_id: str
    organisation_id: str | None
    default_connection: bool
    address: str
    subscriptions: dict[tuple[str, str], int] = field(default_factory=dict)
    """(agent id, channel) → subscribed at (ms)."""
    queue: asyncio.Queue[str | None] | None = None
    socket: WebSocket | None = None
    detached_at: float | None = None


class GatewayHub:
    """Accepts gateway connections and delivers channel events to their subscribers."""

    def __init__(
        self,
        ids: IdMaker,
        authenticate: Callable[[str | None], str | None],
        aggregate_of: Callable[[str, str], dict[str, Any]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._ids = ids
        self._authenticate = authenticate
        self._aggregate_of = aggregate_of
        self._clock = clock
        self.sessions: dict[str, Session] = {}

    # Fan-out --------------------------------------------------------------------------------

    def publish(self, channel: dict[str, str], name: str, payload: Any, *, skip: str | None = None) -> None:
        """Queue an event for every connected session subscribed to ``channel``."""
        key = (channel["agent_id"], channel["name"])
        text = frame(name, payload)
        for session in list(self.sessions.values()):
            if session.queue is None or key not in session.subscriptions or session.id == skip:
                continue
            try:
                session.queue.put_nowait(text)
            except asyncio.QueueFull:
                log.warning("gateway session %s is too slow; disconnecting it", session.id)
                self._kick(session)

    def _kick(self, session: Session) -> None:
        if session.queue is not None:
            while not session.queue.empty():
                session.queue.get_nowait()
            session.queue.put_nowait(None)

    async def drop_connections(self) -> int:
        """Close every live connection abruptly (fault injection); sessions stay resumable."""
        live = [s for s in self.sessions.values() if s.socket is not None]
        for session in live:
            self._kick(session)
        return len(live)

    async def cancel_session(self, session_id: str) -> None:
        """Send op 3 and forget the session: its client must identify afresh."""
        session = self.sessions.pop(session_id, None)
        if session is not None and session.queue is not None:
            session.queue.put_nowait(orjson.dumps({"op": 3, "d": {}}).decode())
            session.queue.put_nowait(None)

    def connections_of(self, agent_id: str) -> list[dict[str, Any]]:
        """``wss_connections`` entries for the agent's connected sessions."""
        now_ms = int(self._clock() * 1000)
        return [
            {
                "agent_id": session.agent_id,
                "session_id": session.id,
                "default_session": session.default_connection,
                "address": session.address,
                "status": 1,
                "subscriptions": [
                    {"channel": {"agent_id": a, "name": n}, "subscribed_at": at, "connection_id": session.id}
                    for (a, n), at in session.subscriptions.items()
                ],
                "last_ping": now_ms,
                "latency": 0,
            }
            for session in self.sessions.values()
            if session.agent_id == agent_id and session.socket is not None
        ]

    # Connection handling ----------------------------------------------------------------------

    async def endpoint(self, websocket: WebSocket) -> None:
        """The WebSocket route: authenticate, Hello, identify/resume, then serve frames."""
        token = _bearer(websocket.headers.get("authorization")) or websocket.query_params.get("token")
        agent_id = self._authenticate(token)
        if agent_id is None:
            await _deny(websocket)
            return
        await websocket.accept()
        await websocket.send_text(frame("Hello", {}))
        try:
            first = await asyncio.wait_for(websocket.receive_text(), HANDSHAKE_TIMEOUT_S)
            session = await self._handshake(websocket, _parse(first), agent_id)
        except (WebSocketDisconnect, TimeoutError):
            return
        if session is None:
            await websocket.close()
            return
        await self._serve(websocket, session)

    async def _handshake(self, websocket: WebSocket, message: dict[str, Any] | None, agent_id: str) -> Session | None:
        self._expire_sessions()
        op = message.get("op") if message else None
        raw_body = message.get("d") if message else None
        body: dict[str, Any] = raw_body if isinstance(raw_body, dict) else {}
        if op == 11:
            session = self.sessions.get(str(body.get("session_id")))
            if session is None or session.token != body.get("session_token") or session.agent_id != agent_id:
                await websocket.send_text(orjson.dumps({"op": 3, "d": {}}).decode())
                return None
            if session.queue is not None:  # resumed elsewhere while still attached here: replace it
                self._kick(session)
        elif op == 10:
            session = Session(
                id=str(self._ids.new(SnowflakeType.WSS_SESSION)),
                token=secrets.token_urlsafe(24),
                agent_id=agent_id,
                organisation_id=_opt_str(body.get("organisation_id")),
                default_connection=bool(body.get("default_connection", False)),
                address=websocket.client.host if websocket.client else "127.0.0.1",
            )
            self.sessions[session.id] = session
        else:
            await websocket.send_text(
                frame("WSSErrorEvent", {"message": "expected identify (op 10) or resume (op 11)"})
            )
            return None
        session.token = secrets.token_urlsafe(24) if op == 11 else session.token
        session.socket, session.queue, session.detached_at = websocket, asyncio.Queue(SEND_QUEUE), None
        subscriptions = [
            {"channel": {"agent_id": a, "name": n}, "organisation_id": session.organisation_id, "diff_only": False}
            for (a, n) in session.subscriptions
        ]
        ready = {"session_id": session.id, "session_token": session.token, "subscriptions": subscriptions}
        await websocket.send_text(frame("Ready", ready))
        return session

    async def _serve(self, websocket: WebSocket, session: Session) -> None:
        queue = session.queue
        assert queue is not None
        sender = asyncio.create_task(_send_from(queue, websocket))
        receiver = asyncio.create_task(self._receive_loop(websocket, session))
        try:
            await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sender, receiver):
                task.cancel()
            await asyncio.gather(sender, receiver, return_exceptions=True)
            if session.socket is websocket:
                session.socket, session.queue, session.detached_at = None, None, self._clock()
            # The peer may already be gone; closing is then a no-op, not an error.
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close(code=1012)

    async def _receive_loop(self, websocket: WebSocket, session: Session) -> None:
        while True:
            try:
                text = await websocket.receive_text()
            except (WebSocketDisconnect, RuntimeError):
                return
            message = _parse(text)
            if message is None:
                self._reply(session, "WSSErrorEvent", {"message": "frames must be JSON objects with an op"})
                continue
            self._handle(session, message)

    def _handle(self, session: Session, message: dict[str, Any]) -> None:
        op, body = message.get("op"), message.get("d")
        channel = body.get("channel") if isinstance(body, dict) else None
        if op not in (12, 13, 14, 15) or not _valid_channel(channel):
            self._reply(session, "WSSErrorEvent", {"message": f"unsupported frame: op {op!r} without a valid channel"})
            return
        assert isinstance(body, dict)
        assert isinstance(channel, dict)
        ref = {"agent_id": str(channel["agent_id"]), "name": channel["name"]}
        key = (ref["agent_id"], ref["name"])
        if op == 12:
            session.subscriptions[key] = int(self._clock() * 1000)
            self._announce(session, ref, "ChannelSubscription")
        elif op == 13:
            session.subscriptions.pop(key, None)
            self._announce(session, ref, "ChannelUnsubscription")
        elif op == 14:
            try:
                self._reply(session, "ChannelSync", {"channel": ref, "aggregate": self._aggregate_of(*key)})
            except Problem as problem:
                self._reply(session, "WSSErrorEvent", {"message": str(problem.body.get("message", problem.body))})
        else:
            self.publish(
                ref,
                "OneShotMessage",
                {"id": None, "author_id": session.agent_id, "channel": ref, "data": body.get("data")},
            )

    def _announce(self, session: Session, ref: dict[str, str], name: str) -> None:
        payload = {"agent_id": session.agent_id, "channel": ref, "session_id": session.id}
        self.publish(ref, name, payload | {"default_session": session.default_connection}, skip=session.id)

    def _reply(self, session: Session, name: str, payload: Any) -> None:
        if session.queue is not None:
            with contextlib.suppress(asyncio.QueueFull):
                session.queue.put_nowait(frame(name, payload))

    def _expire_sessions(self) -> None:
        cutoff = self._clock() - SESSION_TTL_S
        for session_id, session in list(self.sessions.items()):
            if session.detached_at is not None and session.detached_at < cutoff:
                del self.sessions[session_id]


async def _send_from(queue: asyncio.Queue[str | None], websocket: WebSocket) -> None:
    while True:
        text = await queue.get()
        if text is None:
            return
        await websocket.send_text(text)


async def _deny(websocket: WebSocket) -> None:
    """Refuse the upgrade with HTTP 401 where the server allows it, else close (HTTP 403)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(JSONResponse({"detail": "Invalid token."}, status_code=401))
    else:
        await websocket.close(code=1008)


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def _parse(text: str) -> dict[str, Any] | None:
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return message if isinstance(message, dict) and "op" in message else None


def _valid_channel(channel: Any) -> bool:
    return (
        isinstance(channel, dict)
        and isinstance(channel.get("name"), str)
        and isinstance(channel.get("agent_id"), str | int)
        and not isinstance(channel.get("agent_id"), bool)
    )


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
