"""Data API models (reference §2.2): channels, aggregates, messages, alarms, connections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from doover_tui.api import snowflake
from doover_tui.api.models._parse import (
    JsonObject,
    expect_object,
    nullable_str,
    objects,
    opt_bool,
    opt_float,
    opt_id,
    opt_int,
    opt_list,
    opt_object,
    opt_str,
    req_id,
    req_str,
)


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel's identity: the owning agent and the channel name."""

    agent_id: str
    name: str

    @classmethod
    def from_json(cls, value: Any) -> ChannelRef:
        """Parse ``{"agent_id": …, "name": …}``."""
        obj = expect_object(value, "channel reference")
        return cls(
            agent_id=req_id(obj, "agent_id", "channel reference"),
            name=req_str(obj, "name", "channel reference"),
        )

    def to_json(self) -> dict[str, str]:
        """The wire form, ids as strings."""
        return {"agent_id": self.agent_id, "name": self.name}


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to an aggregate or message."""

    filename: str
    content_type: str | None
    size: int
    url: str

    @classmethod
    def from_json(cls, value: Any) -> Attachment:
        """Parse an attachment object."""
        obj = expect_object(value, "attachment")
        return cls(
            filename=opt_str(obj, "filename"),
            content_type=nullable_str(obj, "content_type"),
            size=opt_int(obj, "size") or 0,
            url=opt_str(obj, "url"),
        )

    def to_json(self) -> dict[str, Any]:
        """The wire form, as ``from_json`` reads it."""
        return {"filename": self.filename, "content_type": self.content_type, "size": self.size, "url": self.url}


def _attachments(obj: JsonObject) -> tuple[Attachment, ...]:
    if not obj.get("attachments"):  # nearly every message: skip building the generator
        return ()
    return tuple(Attachment.from_json(item) for item in objects(opt_list(obj, "attachments")))


@dataclass(frozen=True, slots=True)
class Aggregate:
    """A channel's current merged state: any JSON (normally an object)."""

    data: Any
    attachments: tuple[Attachment, ...] = ()
    last_updated: int | None = None
    """Unix milliseconds of the last write, when the server says."""

    @classmethod
    def from_json(cls, value: Any) -> Aggregate:
        """Parse an aggregate; ``attachments`` and ``last_updated`` may be absent."""
        obj = expect_object(value, "aggregate")
        return cls(
            data=obj.get("data"),
            attachments=_attachments(obj),
            last_updated=opt_int(obj, "last_updated"),
        )

    def to_json(self) -> dict[str, Any]:
        """The wire form, as ``from_json`` reads it."""
        return {
            "data": self.data,
            "attachments": [attachment.to_json() for attachment in self.attachments],
            "last_updated": self.last_updated,
        }


@dataclass(frozen=True, slots=True)
class Channel:
    """A channel of an agent: settings, and its aggregate when it was asked for."""

    name: str
    owner_id: str
    is_private: bool = False
    aggregate_schema: dict[str, Any] | None = None
    message_schema: dict[str, Any] | None = None
    alarms_enabled: bool = False
    aggregate: Aggregate | None = None
    id: str | None = None

    @classmethod
    def from_json(cls, value: Any, *, owner_id: str = "") -> Channel:
        """Parse a channel; ``owner_id`` fills in when the server leaves it out."""
        obj = expect_object(value, "channel")
        aggregate = obj.get("aggregate")
        return cls(
            name=req_str(obj, "name", "channel"),
            owner_id=opt_id(obj, "owner_id") or owner_id,
            is_private=opt_bool(obj, "is_private"),
            aggregate_schema=opt_object(obj, "aggregate_schema"),
            message_schema=opt_object(obj, "message_schema"),
            alarms_enabled=opt_bool(obj, "alarms_enabled"),
            aggregate=Aggregate.from_json(aggregate) if isinstance(aggregate, dict) else None,
            id=opt_id(obj, "id"),
        )

    def to_json(self) -> dict[str, Any]:
        """The wire form, as ``from_json`` reads it (the aggregate only when it was fetched)."""
        return {
            "name": self.name,
            "owner_id": self.owner_id,
            "is_private": self.is_private,
            "aggregate_schema": self.aggregate_schema,
            "message_schema": self.message_schema,
            "alarms_enabled": self.alarms_enabled,
            "aggregate": None if self.aggregate is None else self.aggregate.to_json(),
            "id": self.id,
        }


def _channel_ref(value: Any, cache: dict[tuple[Any, Any], ChannelRef] | None) -> ChannelRef:
    if cache is None or not isinstance(value, dict):
        return ChannelRef.from_json(value)
    key = (value.get("agent_id"), value.get("name"))
    try:
        return cache[key]
    except KeyError:
        ref = cache[key] = ChannelRef.from_json(value)
        return ref
    except TypeError:  # an unhashable id (an object, say): parse it, and let ChannelRef refuse it
        return ChannelRef.from_json(value)


@dataclass(frozen=True, slots=True)
class Message:
    """One entry of a channel's append-only message log."""

    id: str
    author_id: str
    channel: ChannelRef
    data: Any
    attachments: tuple[Attachment, ...] = ()

    @classmethod
    def from_json(cls, value: Any, channels: dict[tuple[Any, Any], ChannelRef] | None = None) -> Message:
        """Parse a message; ``attachments`` may be absent and ids may be numbers.

        ``channels`` caches channel references across a page, whose messages all name the same
        channel: one ChannelRef is then parsed and shared instead of one per message.
        """
        obj = expect_object(value, "message")
        return cls(
            id=req_id(obj, "id", "message"),
            author_id=opt_id(obj, "author_id") or "",
            channel=_channel_ref(obj.get("channel"), channels),
            data=obj.get("data"),
            attachments=_attachments(obj),
        )

    @classmethod
    def page_from_json(cls, values: list[Any]) -> list[Message]:
        """Parse a page of messages, sharing one ChannelRef per channel named."""
        channels: dict[tuple[Any, Any], ChannelRef] = {}
        return [cls.from_json(value, channels) for value in values]

    def to_json(self) -> dict[str, Any]:
        """The wire form, as ``from_json`` reads it."""
        return {
            "id": self.id,
            "author_id": self.author_id,
            "channel": self.channel.to_json(),
            "data": self.data,
            "attachments": [attachment.to_json() for attachment in self.attachments],
        }

    @property
    def created_at(self) -> datetime | None:
        """When the message was created, read from its snowflake id (None if it is not one)."""
        try:
            return snowflake.id_to_datetime(self.id)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Alarm:
    """A threshold alarm on one aggregate field of a channel."""

    id: str
    name: str
    key: str
    operator: str
    value: Any
    state: str
    enabled: bool = True
    description: str = ""
    entered_state_ts: int | None = None
    expiry_mins: float | None = None
    alarm_pending_ms: float | None = None

    @classmethod
    def from_json(cls, value: Any) -> Alarm:
        """Parse an alarm; unknown states (e.g. ``AlarmPending``) are kept as text."""
        obj = expect_object(value, "alarm")
        return cls(
            id=req_id(obj, "id", "alarm"),
            name=opt_str(obj, "name"),
            key=opt_str(obj, "key"),
            operator=opt_str(obj, "operator"),
            value=obj.get("value"),
            state=opt_str(obj, "state", "NoData"),
            enabled=opt_bool(obj, "enabled", True),
            description=opt_str(obj, "description"),
            entered_state_ts=opt_int(obj, "entered_state_ts"),
            expiry_mins=opt_float(obj, "expiry_mins"),
            alarm_pending_ms=opt_float(obj, "alarm_pending_ms"),
        )


@dataclass(frozen=True, slots=True)
class TimeseriesPoint:
    """One value of a field, and the message it came from."""

    value: Any
    message_id: str


@dataclass(frozen=True, slots=True)
class TimeseriesPage:
    """A page of a field's values; pass ``next`` back as ``before`` for the next page."""

    count: int
    points: tuple[TimeseriesPoint, ...]
    next: str | None = None

    @classmethod
    def from_json(cls, value: Any) -> TimeseriesPage:
        """Parse ``{"count", "results": [{"value", "message_id"}], "next"?}``."""
        obj = expect_object(value, "timeseries page")
        points = tuple(
            TimeseriesPoint(value=item.get("value"), message_id=req_id(item, "message_id", "timeseries point"))
            for item in objects(opt_list(obj, "results"))
        )
        return cls(count=opt_int(obj, "count") or len(points), points=points, next=opt_id(obj, "next"))


@dataclass(frozen=True, slots=True)
class ChannelSubscription:
    """A live connection's subscription to one channel."""

    channel: ChannelRef
    subscribed_at: int | None
    connection_id: str | None

    @classmethod
    def from_json(cls, value: Any) -> ChannelSubscription:
        """Parse ``{"channel", "subscribed_at", "connection_id"}``."""
        obj = expect_object(value, "subscription")
        return cls(
            channel=ChannelRef.from_json(obj.get("channel")),
            subscribed_at=opt_int(obj, "subscribed_at"),
            connection_id=opt_id(obj, "connection_id"),
        )


@dataclass(frozen=True, slots=True)
class ConnectionDetail:
    """A live gateway connection of an agent (``wss_connections``)."""

    agent_id: str
    session_id: str
    default_session: bool
    address: str
    status: int | None
    subscriptions: tuple[ChannelSubscription, ...] = ()
    last_ping: int | None = None
    latency: float | None = None

    @classmethod
    def from_json(cls, value: Any) -> ConnectionDetail:
        """Parse a connection; ``last_ping`` and ``latency`` are optional."""
        obj = expect_object(value, "connection")
        return cls(
            agent_id=req_id(obj, "agent_id", "connection"),
            session_id=req_id(obj, "session_id", "connection"),
            default_session=opt_bool(obj, "default_session"),
            address=opt_str(obj, "address"),
            status=opt_int(obj, "status"),
            subscriptions=tuple(ChannelSubscription.from_json(s) for s in objects(opt_list(obj, "subscriptions"))),
            last_ping=opt_int(obj, "last_ping"),
            latency=opt_float(obj, "latency"),
        )
