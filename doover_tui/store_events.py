"""What the store tells its listeners: refreshed resources, live changes, failures."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Literal

from doover_tui.api.errors import DooverError
from doover_tui.api.gateway_events import GatewayEvent, GatewayState
from doover_tui.api.models import Aggregate, ChannelRef, Message
from doover_tui.cache import CacheKey


class FeedState(enum.Enum):
    """How current the data on screen is, for the status bar."""

    LIVE = "live"
    """The gateway is connected: changes arrive as they happen."""
    POLLING = "polling"
    """No live connection, but the API answers: the channel on screen is polled."""
    OFFLINE = "offline"
    """The API cannot be reached: what is shown is cached, perhaps from the on-disk snapshot."""


@dataclass(frozen=True, slots=True)
class ResourceRefreshed:
    """A background refresh stored a new value for ``key``."""

    key: CacheKey
    value: Any


@dataclass(frozen=True, slots=True)
class RefreshFailed:
    """A background refresh of ``key`` failed; the cached value is still served."""

    key: CacheKey
    error: DooverError


@dataclass(frozen=True, slots=True)
class AggregateChanged:
    """A channel's aggregate has a new value, from a live event, a poll or our own write."""

    channel: ChannelRef
    aggregate: Aggregate
    source: Literal["live", "poll", "write"]


@dataclass(frozen=True, slots=True)
class MessagesArrived:
    """New messages on a channel, newest first."""

    channel: ChannelRef
    messages: tuple[Message, ...]


@dataclass(frozen=True, slots=True)
class MessageChanged:
    """A message was updated; ``message`` is its new state."""

    channel: ChannelRef
    message: Message


@dataclass(frozen=True, slots=True)
class LiveStatusChanged:
    """The gateway connection changed state (LIVE, or not: then poll)."""

    state: GatewayState
    detail: str
    retry_in: float | None


@dataclass(frozen=True, slots=True)
class FeedStateChanged:
    """The feed state changed (LIVE, POLLING or OFFLINE); ``detail`` says why in words."""

    state: FeedState
    detail: str


@dataclass(frozen=True, slots=True)
class LiveEventReceived:
    """Any other gateway event (alarms, one-shot messages, subscribers, server errors)."""

    event: GatewayEvent


StoreEvent = (
    ResourceRefreshed
    | RefreshFailed
    | AggregateChanged
    | MessagesArrived
    | MessageChanged
    | LiveStatusChanged
    | FeedStateChanged
    | LiveEventReceived
)
