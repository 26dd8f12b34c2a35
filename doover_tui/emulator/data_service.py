"""The data API's behaviour (reference §2): channels, aggregates, messages, alarms, attachments.

Methods take and return wire-shaped JSON (dicts), raise ``Problem`` for HTTP errors, and
report every committed change to ``publish`` so the gateway can fan it out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from doover_tui.api import merge
from doover_tui.api.snowflake import DOOVER_EPOCH_MS, SnowflakeType, id_at_unix_ms
from doover_tui.emulator.alarms import evaluate_alarms, validate_alarm
from doover_tui.emulator.db import Database, loads
from doover_tui.emulator.ids import IdMaker
from doover_tui.emulator.problems import data_error
from doover_tui.jsonedit import MISSING, compact, get_path

Publish = Callable[[dict[str, str], str, dict[str, Any]], None]
"""``publish(channel_ref, event_name, payload)``: called after each committed change."""

MAX_TS_MS = DOOVER_EPOCH_MS + (1 << 41)
"""The last millisecond a 63-bit snowflake can hold (about the year 2094)."""

FIELD_SCAN_BATCH = 500

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000


class DataService:
    """Channels, aggregates and messages stored in SQLite, with the reference's semantics."""

    def __init__(self, db: Database, ids: IdMaker, publish: Publish, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.ids = ids
        self.publish = publish
        self.clock = clock

    # Channels -------------------------------------------------------------------------------

    def require_agent(self, agent_id: str, visible: Callable[[str], bool]) -> None:
        """404 unless the agent exists and the caller's organisation may see it."""
        row = self.db.one("SELECT organisation_id FROM agents WHERE id = ?", (agent_id,))
        if row is None or not visible(row[0]):
            raise data_error(404, f"agent {agent_id} not found")

    def _channel_row(self, agent_id: str, name: str) -> tuple[Any, ...]:
        row = self.db.one(
            "SELECT name, id, is_private, aggregate_schema, message_schema, archived, data, attachments, last_updated "
            "FROM channels WHERE agent_id = ? AND name = ?",
            (agent_id, name),
        )
        if row is None:
            raise data_error(404, f"channel {name} not found")
        return row

    def channel_json(self, agent_id: str, row: tuple[Any, ...], *, aggregate: bool, summaries: bool) -> dict[str, Any]:
        """A Channel as the API serialises it."""
        name, channel_id, is_private, agg_schema, msg_schema, archived, data, attachments, last_updated = row
        body: dict[str, Any] = {
            "id": channel_id,
            "name": name,
            "owner_id": agent_id,
            "is_private": bool(is_private),
            "aggregate_schema": loads(agg_schema),
            "message_schema": loads(msg_schema),
            "alarms_enabled": self.db.one("SELECT 1 FROM alarms WHERE agent_id = ? AND channel = ?", (agent_id, name))
            is not None,
            "archived": bool(archived),
        }
        if aggregate:
            body["aggregate"] = {"data": loads(data), "attachments": loads(attachments), "last_updated": last_updated}
        if summaries:
            body["daily_message_summaries"] = []
        return body

    def list_channels(self, agent_id: str, *, aggregate: bool, summaries: bool, archived: bool) -> list[dict[str, Any]]:
        """An agent's channels, by name."""
        rows = self.db.query(
            "SELECT name, id, is_private, aggregate_schema, message_schema, archived, data, attachments, last_updated "
            "FROM channels WHERE agent_id = ? AND (archived = 0 OR ?) ORDER BY name",
            (agent_id, int(archived)),
        )
        return [self.channel_json(agent_id, row, aggregate=aggregate, summaries=summaries) for row in rows]

    def get_channel(self, agent_id: str, name: str, *, aggregate: bool) -> dict[str, Any]:
        """One channel."""
        return self.channel_json(agent_id, self._channel_row(agent_id, name), aggregate=aggregate, summaries=False)

    def create_channel(self, agent_id: str, name: str, body: Any) -> tuple[dict[str, Any], bool]:
        """Create a channel (or return the existing one's id); True when it was created."""
        settings = _channel_settings(body, require_private=False)
        existing = self.db.one("SELECT id FROM channels WHERE agent_id = ? AND name = ?", (agent_id, name))
        if existing is not None:
            return {"id": existing[0]}, False
        channel_id = str(self.ids.new(SnowflakeType.CHANNEL))
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO channels (agent_id, name, id, is_private, aggregate_schema, message_schema,"
                " data, attachments) VALUES (?, ?, ?, ?, ?, ?, '{}', '[]')",
                (agent_id, name, channel_id, int(settings["is_private"]), *settings["schemas"]),
            )
        return {"id": channel_id}, True

    def put_channel(self, agent_id: str, name: str, body: Any) -> dict[str, Any]:
        """Replace a channel's settings (creating it when absent)."""
        settings = _channel_settings(body, require_private=True)
        with self.db.transaction():
            if self.db.one("SELECT 1 FROM channels WHERE agent_id = ? AND name = ?", (agent_id, name)) is None:
                self.create_channel(agent_id, name, body)
            self.db.execute(
                "UPDATE channels SET is_private = ?, aggregate_schema = ?, message_schema = ?"
                " WHERE agent_id = ? AND name = ?",
                (int(settings["is_private"]), *settings["schemas"], agent_id, name),
            )
        return self.get_channel(agent_id, name, aggregate=True)

    def set_archived(self, agent_id: str, name: str, archived: bool) -> dict[str, Any]:
        """Archive or unarchive a channel (doover-js only)."""
        self._channel_row(agent_id, name)
        with self.db.transaction():
            self.db.execute(
                "UPDATE channels SET archived = ? WHERE agent_id = ? AND name = ?", (int(archived), agent_id, name)
            )
        return {}

    # Aggregates -----------------------------------------------------------------------------

    def get_aggregate(self, agent_id: str, name: str) -> dict[str, Any]:
        """The channel's aggregate."""
        row = self._channel_row(agent_id, name)
        return {"data": loads(row[6]), "attachments": loads(row[7]), "last_updated": row[8]}

    def update_aggregate(
        self,
        agent_id: str,
        name: str,
        body: Any,
        *,
        author_id: str,
        replace: bool,
        replace_paths: Sequence[str] = (),
        log_update: bool = False,
        clear_attachments: bool = False,
        new_attachments: Sequence[dict[str, Any]] = (),
        organisation_id: str | None = None,
    ) -> dict[str, Any]:
        """PATCH (merge, §2.4) or PUT the aggregate; returns it after the write."""
        with self.db.transaction():
            old = self.get_aggregate(agent_id, name)
            data = body if replace else merge.apply(old["data"], body, replace_paths)
            attachments = [] if clear_attachments else list(old["attachments"])
            attachments.extend(new_attachments)
            now_ms = int(self.clock() * 1000)
            self.db.execute(
                "UPDATE channels SET data = ?, attachments = ?, last_updated = ? WHERE agent_id = ? AND name = ?",
                (dumps(data), dumps(attachments), now_ms, agent_id, name),
            )
            logged = self._insert_message(agent_id, name, author_id, body, []) if log_update else None
            triggered = evaluate_alarms(self.db, agent_id, name, data, now_ms)
        aggregate = {"data": data, "attachments": attachments, "last_updated": now_ms}
        ref = {"agent_id": agent_id, "name": name}
        framed = _wire(aggregate)
        self.publish(
            ref,
            "AggregateUpdate",
            {
                "author_id": author_id,
                "channel": ref,
                "aggregate": framed,
                "request_data": _wire({"data": body, "attachments": list(new_attachments)}),
                "organisation_id": organisation_id,
            },
        )
        if logged is not None:
            self.publish(ref, "MessageCreate", logged | {"data": _wire(logged["data"])})
        for alarm, old_state in triggered:
            trigger = {"channel": ref, "alarm": alarm, "old_state": old_state, "new_state": alarm["state"]}
            trigger |= {"aggregate": framed, "request_data": _wire({"data": body})}
            trigger["organisation_id"] = organisation_id
            self.publish(ref, "AlarmTrigger", trigger)
        return aggregate

    # Messages -------------------------------------------------------------------------------

    def _insert_message(
        self,
        agent_id: str,
        name: str,
        author_id: str,
        data: Any,
        attachments: list[dict[str, Any]],
        message_id: int | None = None,
    ) -> dict[str, Any]:
        message_id = message_id if message_id is not None else self.ids.new(SnowflakeType.MESSAGE)
        self.db.execute(
            "INSERT INTO messages (agent_id, channel, id, author_id, data, attachments) VALUES (?, ?, ?, ?, ?, ?)",
            (agent_id, name, message_id, author_id, dumps(data), dumps(attachments)),
        )
        return _message_json(agent_id, name, message_id, author_id, data, attachments)

    def new_message_id(self, agent_id: str, name: str, body: Any) -> int:
        """A free id for a new message: minted now, or at the body's ``ts`` (Unix ms) when it gives one."""
        ts = body.get("ts") if isinstance(body, dict) else None
        if ts is None:
            return self.ids.new(SnowflakeType.MESSAGE)
        if isinstance(ts, bool) or not isinstance(ts, int) or not DOOVER_EPOCH_MS <= ts < MAX_TS_MS:
            raise data_error(400, "ts must be Unix milliseconds after 2025-01-01")
        base = id_at_unix_ms(ts) | (SnowflakeType.MESSAGE << 4)
        # Several messages may claim the same millisecond: the instance and sequence bits tell them apart.
        for spare in range(1 << 14):
            candidate = base | (spare >> 4) << 8 | (spare & 0xF)
            if self._message_row(agent_id, name, candidate) is None:
                return candidate
        raise data_error(409, f"too many messages at ts={ts}")

    def create_message(
        self,
        agent_id: str,
        name: str,
        body: Any,
        *,
        author_id: str,
        message_id: int | None = None,
        attachments: Sequence[dict[str, Any]] = (),
    ) -> tuple[dict[str, Any], bool]:
        """Append a message; an existing ``message_id`` makes the call a no-op. True when created."""
        if not isinstance(body, dict) or "data" not in body:
            raise data_error(400, 'the body must be an object with a "data" field')
        self._channel_row(agent_id, name)
        if message_id is None:
            message_id = self.new_message_id(agent_id, name, body)
        else:
            existing = self._message_row(agent_id, name, message_id)
            if existing is not None:
                return existing, False
        with self.db.transaction():
            message = self._insert_message(agent_id, name, author_id, body["data"], list(attachments), message_id)
        self.publish({"agent_id": agent_id, "name": name}, "MessageCreate", message | {"data": _wire(message["data"])})
        return message, True

    def _message_row(self, agent_id: str, name: str, message_id: int) -> dict[str, Any] | None:
        row = self.db.one(
            "SELECT id, author_id, data, attachments FROM messages WHERE agent_id = ? AND channel = ? AND id = ?",
            (agent_id, name, message_id),
        )
        return None if row is None else _message_json(agent_id, name, row[0], row[1], loads(row[2]), loads(row[3]))

    def get_message(self, agent_id: str, name: str, message_id: int) -> dict[str, Any]:
        """One message."""
        self._channel_row(agent_id, name)
        message = self._message_row(agent_id, name, message_id)
        if message is None:
            raise data_error(404, f"message {message_id} not found")
        return message

    def update_message(
        self,
        agent_id: str,
        name: str,
        message_id: int,
        body: Any,
        *,
        author_id: str,
        replace: bool,
        clear_attachments: bool = False,
        organisation_id: str | None = None,
    ) -> dict[str, Any]:
        """Merge into or replace a message's data."""
        if not isinstance(body, dict) or "data" not in body:
            raise data_error(400, 'the body must be an object with a "data" field')
        with self.db.transaction():
            message = self.get_message(agent_id, name, message_id)
            message["data"] = body["data"] if replace else merge.apply(message["data"], body["data"])
            if clear_attachments:
                message["attachments"] = []
            self.db.execute(
                "UPDATE messages SET data = ?, attachments = ? WHERE agent_id = ? AND channel = ? AND id = ?",
                (dumps(message["data"]), dumps(message["attachments"]), agent_id, name, message_id),
            )
        ref = {"agent_id": agent_id, "name": name}
        update = {"channel": ref, "author_id": author_id, "organisation_id": organisation_id}
        self.publish(
            ref,
            "MessageUpdate",
            update | {"message": message | {"data": _wire(message["data"])}, "request_data": _wire(body["data"])},
        )
        return message

    def delete_message(self, agent_id: str, name: str, message_id: int) -> None:
        """Delete a message."""
        with self.db.transaction():
            self.get_message(agent_id, name, message_id)
            self.db.execute(
                "DELETE FROM messages WHERE agent_id = ? AND channel = ? AND id = ?", (agent_id, name, message_id)
            )

    def list_messages(
        self,
        agent_id: str,
        name: str,
        *,
        before: int | None,
        after: int | None,
        limit: int | None,
        fields: Sequence[str],
    ) -> list[dict[str, Any]]:
        """Messages between exclusive bounds: newest first, except a bare ``after`` (oldest first)."""
        self._channel_row(agent_id, name)
        oldest_first = after is not None and before is None
        count = min(limit or DEFAULT_LIMIT, MAX_LIMIT)
        sql = "SELECT id, author_id, data, attachments FROM messages WHERE agent_id = ? AND channel = ?"
        params: list[Any] = [agent_id, name]
        if before is not None:
            sql += " AND id < ?"
            params.append(before)
        if after is not None:
            sql += " AND id > ?"
            params.append(after)
        sql += f" ORDER BY id {'ASC' if oldest_first else 'DESC'}"
        if not fields:
            rows = self.db.query(sql + " LIMIT ?", (*params, count))
            return [_message_json(agent_id, name, r[0], r[1], loads(r[2]), loads(r[3])) for r in rows]
        return self._projected(agent_id, name, sql, params, count, fields)

    def _projected(
        self, agent_id: str, name: str, sql: str, params: list[Any], count: int, fields: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Messages holding any of ``fields``, their data cut down to those fields (dotted paths allowed).

        Rows are read a batch at a time, each batch under the database lock, until enough match.
        """
        found: list[dict[str, Any]] = []
        for offset in range(0, 1 << 62, FIELD_SCAN_BATCH):
            rows = self.db.query(f"{sql} LIMIT ? OFFSET ?", (*params, FIELD_SCAN_BATCH, offset))
            for row in rows:
                data = loads(row[2])
                picked = {field: value for field in fields if (value := get_path(data, field)) is not MISSING}
                if picked:
                    found.append(_message_json(agent_id, name, row[0], row[1], picked, loads(row[3])))
                    if len(found) >= count:
                        return found
            if len(rows) < FIELD_SCAN_BATCH:
                break
        return found

    def timeseries(
        self,
        agent_id: str,
        name: str,
        fields: Sequence[str],
        *,
        before: int | None,
        after: int | None,
        limit: int | None,
    ) -> dict[str, Any]:
        """Values of fields over time, newest first; ``next`` continues the series (pass it as ``before``)."""
        if not fields:
            raise data_error(400, "field_name is required")
        count = min(limit or DEFAULT_LIMIT, MAX_LIMIT)
        page = self.list_messages(agent_id, name, before=before, after=after, limit=count + 1, fields=fields)
        if after is not None and before is None:
            page.reverse()
        more = len(page) > count
        page = page[:count]
        results = [
            {"value": m["data"][fields[0]] if len(fields) == 1 else m["data"], "message_id": m["id"]} for m in page
        ]
        body: dict[str, Any] = {"count": len(results), "results": results}
        if more and page:
            body["next"] = page[-1]["id"]
        return body

    # Alarms ---------------------------------------------------------------------------------

    def list_alarms(self, agent_id: str, name: str) -> list[dict[str, Any]]:
        """The channel's alarms."""
        self._channel_row(agent_id, name)
        rows = self.db.query("SELECT body FROM alarms WHERE agent_id = ? AND channel = ? ORDER BY id", (agent_id, name))
        return [loads(row[0]) for row in rows]

    def get_alarm(self, agent_id: str, name: str, alarm_id: str) -> dict[str, Any]:
        """One alarm."""
        self._channel_row(agent_id, name)
        row = self.db.one(
            "SELECT body FROM alarms WHERE agent_id = ? AND channel = ? AND id = ?", (agent_id, name, alarm_id)
        )
        if row is None:
            raise data_error(404, f"alarm {alarm_id} not found")
        return dict(loads(row[0]))

    def save_alarm(self, agent_id: str, name: str, body: Any, *, alarm_id: str | None, partial: bool) -> dict[str, Any]:
        """Create (no id), replace or patch an alarm."""
        current = self.get_alarm(agent_id, name, alarm_id) if alarm_id is not None else None
        alarm = validate_alarm(body, current if partial else None)
        with self.db.transaction():
            if current is None:
                alarm_id = str(self.ids.new(SnowflakeType.ALARM))
                alarm |= {"state": "NoData", "entered_state_ts": int(self.clock() * 1000)}
            else:
                alarm |= {"state": current["state"], "entered_state_ts": current["entered_state_ts"]}
            alarm["id"] = alarm_id
            self.db.execute(
                "INSERT OR REPLACE INTO alarms (agent_id, channel, id, body) VALUES (?, ?, ?, ?)",
                (agent_id, name, alarm_id, dumps(alarm)),
            )
        return alarm

    def delete_alarm(self, agent_id: str, name: str, alarm_id: str) -> None:
        """Delete an alarm."""
        with self.db.transaction():
            self.get_alarm(agent_id, name, alarm_id)
            self.db.execute(
                "DELETE FROM alarms WHERE agent_id = ? AND channel = ? AND id = ?", (agent_id, name, alarm_id)
            )


def dumps(value: Any) -> str:
    """JSON text for a column, at any depth: the real service stores documents orjson alone would refuse."""
    return compact(value).decode()


def _wire(value: Any) -> orjson.Fragment:
    """``value`` encoded for a gateway frame now, so the frame can hold it however deep it is."""
    return orjson.Fragment(compact(value))


def _message_json(
    agent_id: str, name: str, message_id: int, author_id: str, data: Any, attachments: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": str(message_id),
        "author_id": author_id,
        "channel": {"agent_id": agent_id, "name": name},
        "data": data,
        "attachments": attachments,
    }


def _channel_settings(body: Any, *, require_private: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise data_error(400, "the body must be a JSON object")
    if require_private and "is_private" not in body:
        raise data_error(400, "is_private is required")
    is_private = body.get("is_private", False)
    if not isinstance(is_private, bool):
        raise data_error(400, "is_private must be true or false")
    schemas = []
    for key in ("aggregate_schema", "message_schema"):
        value = body.get(key)
        if value is not None and not isinstance(value, dict):
            raise data_error(400, f"{key} must be a JSON object or null")
        schemas.append(None if value is None else dumps(value))
    return {"is_private": is_private, "schemas": schemas}
