"""SQLite storage for the emulator: schema, and small typed queries. Every write runs in a transaction."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS agents (
    id TEXT PRIMARY KEY, organisation_id TEXT NOT NULL, online INTEGER, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS channels (
    agent_id TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL, is_private INTEGER NOT NULL,
    aggregate_schema TEXT, message_schema TEXT, archived INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL, attachments TEXT NOT NULL, last_updated INTEGER,
    PRIMARY KEY (agent_id, name)
);
CREATE TABLE IF NOT EXISTS messages (
    agent_id TEXT NOT NULL, channel TEXT NOT NULL, id INTEGER NOT NULL, author_id TEXT NOT NULL,
    data TEXT NOT NULL, attachments TEXT NOT NULL,
    PRIMARY KEY (agent_id, channel, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attachments (
    id TEXT PRIMARY KEY, filename TEXT NOT NULL, content_type TEXT, content BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS alarms (
    agent_id TEXT NOT NULL, channel TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (agent_id, channel, id)
);
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL, id TEXT NOT NULL, parent TEXT, organisation_id TEXT, body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS objects_parent ON objects (kind, parent);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, expires_at REAL);
"""


def dumps(value: Any) -> str:
    """JSON text for a column."""
    return orjson.dumps(value).decode()


def loads(text: str | None) -> Any:
    """A column's JSON, or None."""
    return None if text is None else orjson.loads(text)


class Database:
    """One SQLite connection shared by the server's threads under a lock.

    Reads and writes are short; holding the lock for each keeps SQLite's own
    locking out of the picture and makes every ``transaction()`` all-or-nothing.
    """

    def __init__(self, path: Path | str) -> None:
        target = str(path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL" if target != ":memory:" else "PRAGMA journal_mode=MEMORY")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)
            if self.meta("schema_version") is None:
                self.set_meta("schema_version", str(SCHEMA_VERSION))

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all of them happen, or (on any exception) none."""
        with self._lock:
            if self._conn.in_transaction:
                yield  # nested: the outer transaction decides
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Run one statement (callers hold a transaction for writes)."""
        with self._lock:
            return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many rows (bulk seeding)."""
        with self._lock:
            self._conn.executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All rows of a query."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""
        with self._lock:
            row: tuple[Any, ...] | None = self._conn.execute(sql, params).fetchone()
            return row

    # Meta -----------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        """A stored setting (schema version, seed, fleet)."""
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        self.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # Generic JSON objects (control API resources) -----------------------------------------------

    def put_object(
        self,
        kind: str,
        object_id: str,
        body: dict[str, Any],
        *,
        parent: str | None = None,
        organisation_id: str | None = None,
    ) -> None:
        """Insert or replace a control-API object."""
        self.execute(
            "INSERT OR REPLACE INTO objects (kind, id, parent, organisation_id, body) VALUES (?, ?, ?, ?, ?)",
            (kind, object_id, parent, organisation_id, dumps(body)),
        )

    def get_object(self, kind: str, object_id: str) -> dict[str, Any] | None:
        """One object's body, or None."""
        row = self.one("SELECT body FROM objects WHERE kind = ? AND id = ?", (kind, object_id))
        return None if row is None else dict(loads(row[0]))

    def list_objects(
        self, kind: str, *, parent: str | None = None, organisation_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Bodies of every object of a kind, optionally under a parent and within an organisation."""
        sql = "SELECT body FROM objects WHERE kind = ?"
        params: list[Any] = [kind]
        if parent is not None:
            sql += " AND parent = ?"
            params.append(parent)
        if organisation_id is not None:
            sql += " AND organisation_id = ?"
            params.append(organisation_id)
        return [dict(loads(row[0])) for row in self.query(sql + " ORDER BY rowid", params)]

    def delete_object(self, kind: str, object_id: str) -> bool:
        """Delete an object; False if there was none."""
        return self.execute("DELETE FROM objects WHERE kind = ? AND id = ?", (kind, object_id)).rowcount > 0
