"""The data API (reference §2): channels, aggregates, messages, timeseries, alarms, connections."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any
from urllib.parse import quote

from doover_tui.api.http import Endpoint
from doover_tui.api.models import (
    Aggregate,
    Alarm,
    Channel,
    ConnectionDetail,
    Message,
    TimeseriesPage,
)
from doover_tui.api.models._parse import expect_list, objects
from doover_tui.api.snowflake import id_sort_key

Id = str | int
"""Ids are accepted as decimal strings or numbers; they go on the wire as strings."""


def _agent(agent_id: Id) -> str:
    return f"/agents/{quote(str(agent_id), safe='')}"


def channel_path(agent_id: Id, name: str) -> str:
    """The data API path of a channel (requests append to it)."""
    # Names are normally [A-Za-z0-9_-]; quoting only changes names that would break the path.
    return f"{_agent(agent_id)}/channels/{quote(name, safe='')}"


def newest_first(messages: Iterable[Message]) -> list[Message]:
    """Sort messages newest first by snowflake id, whatever order the server sent."""
    return sorted(messages, key=lambda message: id_sort_key(message.id), reverse=True)


class DataClient:
    """Typed calls to the data API. Every method raises a ``DooverError`` subclass on failure."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._api = endpoint

    # Channels ----------------------------------------------------------------------------

    async def list_channels(
        self, agent_id: Id, *, include_aggregate: bool = False, include_archived: bool = False
    ) -> list[Channel]:
        """The agent's channels (daily summaries are never asked for: they only bloat the reply)."""
        params = {
            "include_aggregate": include_aggregate,
            "include_daily_summaries": False,
            "include_archived": include_archived or None,
        }
        body = await self._api.call("GET", f"{_agent(agent_id)}/channels", params=params)
        return [Channel.from_json(item, owner_id=str(agent_id)) for item in objects(expect_list(body, "channel list"))]

    async def get_channel(self, agent_id: Id, name: str, *, include_aggregate: bool = True) -> Channel:
        """One channel, with its aggregate unless told otherwise."""
        body = await self._api.call(
            "GET", channel_path(agent_id, name), params={"include_aggregate": include_aggregate}
        )
        return Channel.from_json(body, owner_id=str(agent_id))

    async def create_channel(
        self,
        agent_id: Id,
        name: str,
        *,
        is_private: bool = False,
        message_schema: dict[str, Any] | None = None,
        aggregate_schema: dict[str, Any] | None = None,
    ) -> str | None:
        """Create a channel and return its id (the reply is treated loosely, as the reference advises)."""
        body = await self._api.call(
            "POST",
            channel_path(agent_id, name),
            json=_channel_settings(is_private, message_schema, aggregate_schema),
        )
        return str(body["id"]) if isinstance(body, dict) and isinstance(body.get("id"), str | int) else None

    async def put_channel(
        self,
        agent_id: Id,
        name: str,
        *,
        is_private: bool,
        message_schema: dict[str, Any] | None = None,
        aggregate_schema: dict[str, Any] | None = None,
    ) -> Channel:
        """Replace a channel's whole configuration (privacy and both schemas)."""
        body = await self._api.call(
            "PUT",
            channel_path(agent_id, name),
            json=_channel_settings(is_private, message_schema, aggregate_schema),
        )
        return Channel.from_json(body, owner_id=str(agent_id))

    # Aggregates --------------------------------------------------------------------------

    async def get_aggregate(self, agent_id: Id, name: str) -> Aggregate:
        """The channel's current aggregate."""
        return Aggregate.from_json(await self._api.call("GET", f"{channel_path(agent_id, name)}/aggregate"))

    async def update_aggregate(
        self,
        agent_id: Id,
        name: str,
        data: Any,
        *,
        replace: bool = False,
        replace_paths: Sequence[str] = (),
        log_update: bool = False,
        suppress_response: bool = False,
        clear_attachments: bool = False,
    ) -> Aggregate | None:
        """Merge ``data`` into the aggregate (PATCH) or, with ``replace``, replace it (PUT).

        The body is the data itself, not wrapped. Returns the aggregate after the write,
        or None when ``suppress_response`` asked the server not to echo it.
        """
        params = {
            "suppress_response": suppress_response or None,
            "log_update": log_update or None,
            "clear_attachments": clear_attachments or None,
            "replace": list(replace_paths) or None,
        }
        # A merge patch applied twice gives the same state, so a lost reply may be resent;
        # not when it is also logged, which would log it twice.
        body = await self._api.call(
            "PUT" if replace else "PATCH",
            f"{channel_path(agent_id, name)}/aggregate",
            params=params,
            json=data,
            idempotent=not log_update,
        )
        return None if body is None else Aggregate.from_json(body)

    # Messages ----------------------------------------------------------------------------

    async def list_messages(
        self,
        agent_id: Id,
        name: str,
        *,
        before: Id | None = None,
        after: Id | None = None,
        limit: int | None = None,
        field_names: Sequence[str] = (),
    ) -> list[Message]:
        """Messages between the exclusive bounds, **always newest first**.

        The server answers a bare ``after`` oldest first and everything else newest
        first; this method hides that.
        """
        params = {
            "before": _opt_str(before),
            "after": _opt_str(after),
            "limit": limit,
            "field_name": list(field_names) or None,
        }
        body = await self._api.call("GET", f"{channel_path(agent_id, name)}/messages", params=params)
        return newest_first(Message.page_from_json(expect_list(body, "message list")))

    async def iter_messages_backward(
        self,
        agent_id: Id,
        name: str,
        *,
        before: Id | None = None,
        page_size: int = 200,
        field_names: Sequence[str] = (),
    ) -> AsyncIterator[list[Message]]:
        """Yield pages going back in time, each newest first, until the oldest message."""
        bound = _opt_str(before)
        while True:
            raw = await self.list_messages(agent_id, name, before=bound, limit=page_size, field_names=field_names)
            # Guard, as pydoover does, against a server that lets the bound itself through.
            page = raw if bound is None else _older_than(raw, bound)
            if page:
                yield page
            # A short page from the server is the end; so is a full page that held nothing new.
            if len(raw) < page_size or not page:
                return
            bound = page[-1].id

    async def iter_messages_forward(
        self,
        agent_id: Id,
        name: str,
        *,
        after: Id,
        page_size: int = 200,
        field_names: Sequence[str] = (),
    ) -> AsyncIterator[list[Message]]:
        """Yield pages going forward in time from ``after``, each **oldest first**, until the newest."""
        bound = str(after)
        while True:
            raw = await self.list_messages(agent_id, name, after=bound, limit=page_size, field_names=field_names)
            limit = id_sort_key(bound)
            page = [m for m in reversed(raw) if id_sort_key(m.id) > limit]
            if page:
                yield page
            if len(raw) < page_size or not page:
                return
            bound = page[-1].id

    async def get_message(self, agent_id: Id, name: str, message_id: Id) -> Message:
        """One message."""
        return Message.from_json(await self._api.call("GET", f"{channel_path(agent_id, name)}/messages/{message_id}"))

    async def create_message(self, agent_id: Id, name: str, data: Any, *, ts: int | None = None) -> Message:
        """Append a message (body ``{"data": …}``) and return it as stored."""
        body: dict[str, Any] = {"data": data}
        if ts is not None:
            body["ts"] = ts
        return Message.from_json(await self._api.call("POST", f"{channel_path(agent_id, name)}/messages", json=body))

    async def update_message(
        self,
        agent_id: Id,
        name: str,
        message_id: Id,
        data: Any,
        *,
        replace: bool = False,
        suppress_response: bool = False,
    ) -> Message | None:
        """Merge into (PATCH) or replace (PUT) a message's data."""
        body = await self._api.call(
            "PUT" if replace else "PATCH",
            f"{channel_path(agent_id, name)}/messages/{message_id}",
            params={"suppress_response": suppress_response or None},
            json={"data": data},
            idempotent=True,
        )
        return None if body is None else Message.from_json(body)

    async def delete_message(self, agent_id: Id, name: str, message_id: Id) -> None:
        """Delete a message."""
        await self._api.call("DELETE", f"{channel_path(agent_id, name)}/messages/{message_id}")

    async def timeseries(
        self,
        agent_id: Id,
        name: str,
        field_names: Sequence[str],
        *,
        before: Id | None = None,
        after: Id | None = None,
        limit: int | None = None,
    ) -> TimeseriesPage:
        """Values of fields over time; pass the reply's ``next`` as ``before`` for more."""
        params = {
            "field_name": list(field_names),
            "before": _opt_str(before),
            "after": _opt_str(after),
            "limit": limit,
        }
        body = await self._api.call("GET", f"{channel_path(agent_id, name)}/messages/timeseries", params=params)
        return TimeseriesPage.from_json(body)

    # Alarms and connections -----------------------------------------------------------------

    async def list_alarms(self, agent_id: Id, name: str) -> list[Alarm]:
        """The channel's alarms."""
        body = await self._api.call("GET", f"{channel_path(agent_id, name)}/alarms")
        return [Alarm.from_json(item) for item in objects(expect_list(body, "alarm list"))]

    async def wss_connections(self, agent_id: Id) -> list[ConnectionDetail]:
        """The agent's live gateway connections."""
        body = await self._api.call("GET", f"{_agent(agent_id)}/wss_connections")
        return [ConnectionDetail.from_json(item) for item in objects(expect_list(body, "connection list"))]


def _channel_settings(
    is_private: bool, message_schema: dict[str, Any] | None, aggregate_schema: dict[str, Any] | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"is_private": is_private}
    if message_schema is not None:
        body["message_schema"] = message_schema
    if aggregate_schema is not None:
        body["aggregate_schema"] = aggregate_schema
    return body


def _older_than(page: list[Message], bound: str) -> list[Message]:
    """The messages of a newest-first page older than ``bound``: only its head can be at or past it."""
    limit = id_sort_key(bound)
    start = 0
    while start < len(page) and id_sort_key(page[start].id) >= limit:
        start += 1
    return page[start:] if start else page


def _opt_str(value: Id | None) -> str | None:
    return None if value is None else str(value)
