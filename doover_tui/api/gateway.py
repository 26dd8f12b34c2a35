"""Live gateway client (reference §4): identify or resume, subscribe, and deliver typed events.

It reconnects by itself with full-jitter backoff and tells its owner plainly, through
``GatewayStatusChanged`` events, when the gateway is unreachable or refuses us, so the
owner can poll in the meantime.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson

from doover_tui.api.auth import TokenSource
from doover_tui.api.errors import DooverError, ProtocolError
from doover_tui.api.gateway_events import (
    GatewayEvent,
    GatewayState,
    GatewayStatusChanged,
    SessionCancelled,
    SessionReady,
    parse_dispatch,
    parse_ready,
)
from doover_tui.api.http import user_agent
from doover_tui.api.models import ChannelRef

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

log = logging.getLogger(__name__)

OP_DISPATCH, OP_SESSION_CANCELLED = 0, 3
OP_IDENTIFY, OP_RESUME, OP_SUBSCRIBE, OP_UNSUBSCRIBE, OP_SYNC, OP_ONE_SHOT = 10, 11, 12, 13, 14, 15

MAX_FRAME_BYTES = 64 * 1024 * 1024
"""Aggregates of several MB exist; websockets' 1 MiB default would drop the connection on them."""


class GatewayClient:
    """One live session to the Doover gateway, kept alive until :meth:`aclose`.

    Events go to ``on_event`` (called in the event loop, so it must not block).
    Subscriptions are remembered and re-sent after every ``Ready``.
    """

    def __init__(
        self,
        url: str,
        tokens: TokenSource,
        on_event: Callable[[GatewayEvent], None],
        *,
        organisation_id: str | None = None,
        max_backoff: float = 30.0,
        min_backoff: float = 0.5,
        handshake_timeout: float = 10.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.url = url
        self._tokens = tokens
        self._on_event = on_event
        self._organisation_id = organisation_id
        self._max_backoff = max_backoff
        self._min_backoff = min_backoff
        self._handshake_timeout = handshake_timeout
        self._sleep = sleep
        self._rand = rand
        self._subscriptions: dict[ChannelRef, None] = {}
        self._session: tuple[str, str] | None = None
        self._socket: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready_seen = False
        self.state = GatewayState.CLOSED

    # Public API ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start connecting in the background (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"gateway {self.url}")

    async def aclose(self) -> None:
        """Stop for good: close the socket and end the background task."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._set_state(GatewayState.CLOSED, "closed")

    @property
    def subscriptions(self) -> tuple[ChannelRef, ...]:
        """The channels we want events for, in subscription order."""
        return tuple(self._subscriptions)

    async def subscribe(self, channel: ChannelRef) -> None:
        """Ask for a channel's events, now if connected and after every reconnect."""
        self._subscriptions[channel] = None
        await self._send_if_live(OP_SUBSCRIBE, self._channel_body(channel) | {"diff_only": False})

    async def unsubscribe(self, channel: ChannelRef) -> None:
        """Stop a channel's events."""
        if self._subscriptions.pop(channel, 0) is None:
            await self._send_if_live(OP_UNSUBSCRIBE, self._channel_body(channel))

    async def request_sync(self, channel: ChannelRef) -> bool:
        """Ask for a ``ChannelSync`` with the full aggregate; False when not connected."""
        return await self._send_if_live(OP_SYNC, self._channel_body(channel))

    async def send_one_shot(self, channel: ChannelRef, data: Any) -> bool:
        """Send an unpersisted message to a channel's subscribers; False when not connected."""
        return await self._send_if_live(OP_ONE_SHOT, {"channel": channel.to_json(), "data": data})

    # Connection loop -----------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while True:
            self._set_state(GatewayState.RECONNECTING if failures else GatewayState.CONNECTING, "connecting")
            try:
                reached_ready, reason, refused = await self._connect_once()
            except Exception as exc:  # a bug here must cost a reconnect, never the live connection for good
                log.exception("gateway connection failed unexpectedly")
                reached_ready, reason, refused = False, f"unexpected error: {type(exc).__name__}", False
            failures = 0 if reached_ready else failures + 1
            # Full jitter (doover-js), with a floor so a server that hangs up at once cannot spin us;
            # the exponent is capped because a long outage would otherwise overflow the float.
            ceiling = min(self._max_backoff, 2.0 ** min(max(failures, 1), 16))
            delay = max(self._min_backoff, self._rand() * ceiling)
            state = GatewayState.UNAVAILABLE if refused or failures >= 2 else GatewayState.RECONNECTING
            self._set_state(state, reason, retry_in=delay)
            await self._sleep(delay)

    async def _connect_once(self) -> tuple[bool, str, bool]:
        """Run one connection to its end: (reached Ready, why it ended, refused by the server)."""
        # Imported on the first connection, not with the module: a channel is followed only after start-up.
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

        self._ready_seen = False
        try:
            token = await self._tokens.get_token()
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            async with connect(
                self.url,
                additional_headers=headers,
                user_agent_header=user_agent(),
                open_timeout=self._handshake_timeout,
                max_size=MAX_FRAME_BYTES,
            ) as socket:
                self._socket = socket
                await self._converse(socket)
            return self._ready_seen, "the gateway closed the connection", False
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status == 401 and self._tokens.can_refresh:
                await self._refresh_quietly()
            return False, f"the gateway refused the connection (HTTP {status})", True
        except InvalidURI:
            return False, f"{self.url!r} is not a WebSocket URL", True
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            return (
                False,
                f"cannot reach the gateway: {type(exc).__name__}: {exc}".rstrip(": "),
                False,
            )
        except ConnectionClosed as exc:
            return (
                self._ready_seen,
                f"connection lost ({exc.rcvd.code if exc.rcvd else 'no close frame'})",
                False,
            )
        except DooverError as exc:
            # An expired login or a peer that does not speak the protocol: retrying soon won't help.
            return self._ready_seen, str(exc), True
        finally:
            self._socket = None

    async def _converse(self, socket: ClientConnection) -> None:
        hello = await asyncio.wait_for(self._receive(socket), self._handshake_timeout)
        if hello is None or hello.get("t") != "Hello":
            raise ProtocolError(f"expected a Hello frame first, got {_summary(hello)}")
        if self._session is not None:
            session_id, session_token = self._session
            await self._send(
                socket,
                OP_RESUME,
                {
                    "session_id": session_id,
                    "session_token": session_token,
                    "default_connection": False,
                },
            )
        else:
            # A viewer must never claim to be the agent's own ("default") connection.
            await self._send(
                socket,
                OP_IDENTIFY,
                {
                    "default_connection": False,
                    "organisation_id": self._organisation_id,
                    "sharing_mode": "internal",
                },
            )
        async for raw in socket:
            frame = _decode(raw)
            if frame is not None and not await self._handle(socket, frame):
                return

    async def _handle(self, socket: ClientConnection, frame: dict[str, Any]) -> bool:
        """Act on one frame; False ends this connection."""
        op = frame.get("op")
        if op == OP_SESSION_CANCELLED:
            self._session = None
            self._emit(SessionCancelled())
            await socket.close()
            return False
        if op != OP_DISPATCH or not isinstance(frame.get("t"), str):
            return True
        name: str = frame["t"]
        if name == "Ready":
            resumed = self._session is not None
            session_id, session_token, _ = parse_ready(frame.get("d"))
            self._session = (session_id, session_token)
            self._ready_seen = True
            self._set_state(GatewayState.LIVE, "connected")
            for channel in list(self._subscriptions):
                await self._send(socket, OP_SUBSCRIBE, self._channel_body(channel) | {"diff_only": False})
            self._emit(SessionReady(session_id, resumed))
            return True
        try:
            event = parse_dispatch(name, frame.get("d"))
        except (ProtocolError, ValueError, TypeError, KeyError) as exc:
            # One malformed event from the server must not end the session.
            log.warning("ignored a malformed %s event: %s", name, exc)
            return True
        self._emit(event)
        return True

    # Helpers ------------------------------------------------------------------------------

    def _channel_body(self, channel: ChannelRef) -> dict[str, Any]:
        return {"channel": channel.to_json(), "organisation_id": self._organisation_id}

    async def _send_if_live(self, op: int, body: dict[str, Any]) -> bool:
        socket = self._socket
        if socket is None or self.state is not GatewayState.LIVE:
            return False
        from websockets.exceptions import ConnectionClosed  # loaded already: there is a socket

        try:
            await self._send(socket, op, body)
        except ConnectionClosed:
            return False  # the reconnect re-sends what matters (subscriptions)
        return True

    @staticmethod
    async def _send(socket: ClientConnection, op: int, body: dict[str, Any]) -> None:
        await socket.send(orjson.dumps({"op": op, "d": body}).decode())

    @staticmethod
    async def _receive(socket: ClientConnection) -> dict[str, Any] | None:
        return _decode(await socket.recv())

    async def _refresh_quietly(self) -> None:
        try:
            await self._tokens.refresh()
        except DooverError as exc:
            log.warning("token refresh before reconnecting failed: %s", exc.title)

    def _set_state(self, state: GatewayState, detail: str, retry_in: float | None = None) -> None:
        self.state = state
        self._emit(GatewayStatusChanged(state, detail, retry_in))

    def _emit(self, event: GatewayEvent) -> None:
        self._on_event(event)


def _decode(raw: str | bytes) -> dict[str, Any] | None:
    try:
        frame = orjson.loads(raw)
    except orjson.JSONDecodeError:
        log.warning("ignored a gateway frame that is not JSON (%d bytes)", len(raw))
        return None
    return frame if isinstance(frame, dict) else None


def _summary(frame: dict[str, Any] | None) -> str:
    if frame is None:
        return "nothing readable"
    return f"op {frame.get('op')!r} {frame.get('t')!r}"
