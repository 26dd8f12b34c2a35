"""Typed events of the live gateway (reference §4), parsed from server frames."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from doover_tui.api.errors import ProtocolError
from doover_tui.api.models import Aggregate, Alarm, ChannelRef, Message
from doover_tui.api.models._parse import expect_object, opt_bool, opt_id, opt_list, opt_str


class GatewayState(enum.Enum):
    """Where the live connection stands."""

    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    UNAVAILABLE = "unavailable"
    """Refused or unreachable: callers should poll until it comes back."""
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class GatewayStatusChanged:
    """The connection changed state; ``detail`` says why in words, ``retry_in`` when it will retry."""

    state: GatewayState
    detail: str = ""
    retry_in: float | None = None


@dataclass(frozen=True, slots=True)
class SessionReady:
    """The server accepted our identify or resume; subscriptions have been (re)sent."""

    session_id: str
    resumed: bool


@dataclass(frozen=True, slots=True)
class SessionCancelled:
    """The server dropped our session (op 3); the next connection identifies afresh."""


@dataclass(frozen=True, slots=True)
class ChannelSynced:
    """The full current aggregate of a channel (answer to a sync request)."""

    channel: ChannelRef
    aggregate: Aggregate


@dataclass(frozen=True, slots=True)
class MessageCreated:
    """A message was appended to a subscribed channel."""

    message: Message


@dataclass(frozen=True, slots=True)
class MessageUpdated:
    """A message changed; ``message`` is its full state after the update."""

    channel: ChannelRef
    message: Message
    author_id: str
    request_data: Any


@dataclass(frozen=True, slots=True)
class AggregateUpdated:
    """A channel's aggregate changed; ``aggregate`` is its full state after the update."""

    channel: ChannelRef
    aggregate: Aggregate
    author_id: str
    request_data: Any


@dataclass(frozen=True, slots=True)
class AlarmTriggered:
    """An alarm on a subscribed channel changed state."""

    channel: ChannelRef
    alarm: Alarm
    old_state: str
    new_state: str


@dataclass(frozen=True, slots=True)
class OneShotReceived:
    """An unpersisted message sent through the gateway."""

    channel: ChannelRef
    author_id: str
    data: Any


@dataclass(frozen=True, slots=True)
class SubscriberChanged:
    """Another session subscribed to (or unsubscribed from) a channel."""

    channel: ChannelRef
    agent_id: str
    session_id: str
    default_session: bool
    subscribed: bool


@dataclass(frozen=True, slots=True)
class GatewayErrorReported:
    """The server reported an error in words (``WSSErrorEvent``)."""

    message: str


@dataclass(frozen=True, slots=True)
class UnknownEvent:
    """A dispatch this client does not know; kept so a newer server breaks nothing."""

    name: str
    data: Any


GatewayEvent = (
    GatewayStatusChanged
    | SessionReady
    | SessionCancelled
    | ChannelSynced
    | MessageCreated
    | MessageUpdated
    | AggregateUpdated
    | AlarmTriggered
    | OneShotReceived
    | SubscriberChanged
    | GatewayErrorReported
    | UnknownEvent
)


def parse_dispatch(name: str, data: Any) -> GatewayEvent:
    """Turn an op-0 dispatch (``t`` and ``d``) into a typed event.

    Raises:
        ProtocolError: a known event whose body lacks what it must hold.
    """
    if name == "MessageCreate":
        return MessageCreated(Message.from_json(data))
    body = expect_object(data, f"{name} event")
    if name == "MessageUpdate":
        message = Message.from_json(body.get("message"))
        channel = ChannelRef.from_json(body["channel"]) if "channel" in body else message.channel
        return MessageUpdated(channel, message, opt_id(body, "author_id") or "", body.get("request_data"))
    if name == "AggregateUpdate":
        return AggregateUpdated(
            ChannelRef.from_json(body.get("channel")),
            Aggregate.from_json(body.get("aggregate")),
            opt_id(body, "author_id") or "",
            body.get("request_data"),
        )
    if name == "ChannelSync":
        return ChannelSynced(ChannelRef.from_json(body.get("channel")), Aggregate.from_json(body.get("aggregate")))
    if name == "AlarmTrigger":
        return AlarmTriggered(
            ChannelRef.from_json(body.get("channel")),
            Alarm.from_json(body.get("alarm")),
            opt_str(body, "old_state"),
            opt_str(body, "new_state"),
        )
    if name == "OneShotMessage":
        return OneShotReceived(
            ChannelRef.from_json(body.get("channel")),
            opt_id(body, "author_id") or "",
            body.get("data"),
        )
    if name in ("ChannelSubscription", "ChannelUnsubscription"):
        return SubscriberChanged(
            ChannelRef.from_json(body.get("channel")),
            opt_id(body, "agent_id") or "",
            opt_id(body, "session_id") or "",
            opt_bool(body, "default_session"),
            subscribed=name == "ChannelSubscription",
        )
    if name == "WSSErrorEvent":
        return GatewayErrorReported(opt_str(body, "message"))
    return UnknownEvent(name, data)


def parse_ready(data: Any) -> tuple[str, str, list[Any]]:
    """Read ``session_id``, ``session_token`` and ``subscriptions`` from a Ready dispatch."""
    body = expect_object(data, "Ready event")
    session_id, token = opt_id(body, "session_id"), opt_str(body, "session_token")
    if not session_id:
        raise ProtocolError("Ready event without a session_id")
    return session_id, token, opt_list(body, "subscriptions")
