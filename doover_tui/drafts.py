"""Unsent editor text kept on disk, one file per draft, so a crash or quit loses nothing.

Each draft is a small versioned JSON file named by a hash of its key. Writes are atomic
(a temporary file, then ``os.replace``) and private (0600, in a 0700 directory). Every method
is synchronous and cheap; the UI calls them through ``asyncio.to_thread``. A file that cannot
be read or understood is logged and skipped, never raised.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import orjson

from doover_tui.jsonedit import compact

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
"""The ``version`` written into every draft file; files with another version are skipped."""

DraftKind = Literal["aggregate", "message", "restore"]
"""What the draft edits: a channel's aggregate, a new message, or a restore (``path`` names the message)."""

_SUFFIX = ".draft.json"


@dataclass(frozen=True, slots=True)
class DraftKey:
    """Which edit a draft belongs to; ``scope`` tells profiles/endpoints apart."""

    scope: str
    agent_id: str
    channel: str
    kind: DraftKind
    path: str = ""

    def file_name(self) -> str:
        """The draft's file name: a hash of the key, so any key text is a safe name."""
        canonical = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(canonical).hexdigest()[:32] + _SUFFIX


@dataclass(frozen=True, slots=True)
class Draft:
    """One saved draft: the editor's text (possibly invalid JSON) and the aggregate it started from."""

    key: DraftKey
    text: str
    base: Any
    saved_at: float


class Drafts:
    """The drafts stored in one directory (created on the first save)."""

    def __init__(self, directory: Path, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self._clock = clock

    def save(self, key: DraftKey, text: str, base: Any) -> Draft:
        """Store (or replace) the draft for ``key`` atomically; returns what was stored."""
        draft = Draft(key=key, text=text, base=base, saved_at=self._clock())
        record = {"version": FORMAT_VERSION, "saved_at": draft.saved_at, "key": asdict(key), "base": base, "text": text}
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")  # created 0600
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(_encode(record))
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.directory / key.file_name())
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        return draft

    def load(self, key: DraftKey) -> Draft | None:
        """The draft for ``key``, or None when there is none (or it cannot be read)."""
        draft = self._read(self.directory / key.file_name())
        return draft if draft is not None and draft.key == key else None

    def delete(self, key: DraftKey) -> None:
        """Forget the draft for ``key`` (after it was sent or discarded); no error if there is none."""
        (self.directory / key.file_name()).unlink(missing_ok=True)

    def all(self) -> list[Draft]:
        """Every readable draft, newest first (for "quit with unsent drafts?")."""
        try:
            paths = sorted(self.directory.glob("*" + _SUFFIX))
        except OSError as exc:
            log.warning("cannot list drafts in %s: %s", self.directory, exc)
            return []
        drafts = [draft for draft in map(self._read, paths) if draft is not None]
        return sorted(drafts, key=lambda draft: draft.saved_at, reverse=True)

    def _read(self, path: Path) -> Draft | None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read draft %s: %s", path, exc)
            return None
        try:
            return _decode(raw)
        except ValueError as exc:
            log.warning("skipping unreadable draft %s: %s", path, exc)
            return None


def _encode(record: dict[str, Any]) -> bytes:
    # orjson stops at 254 levels and json.dumps at the recursion limit, but the service stores deeper aggregates:
    # compact writes any depth (and integers beyond 64 bits), so a deep base never costs the draft.
    return compact(record)


def _decode(raw: bytes) -> Draft:
    """The draft in a file's bytes.

    Raises:
        ValueError: The bytes are not a draft this version understands.
    """
    record = orjson.loads(raw)
    if not isinstance(record, dict) or record.get("version") != FORMAT_VERSION:
        raise ValueError(f"not a version {FORMAT_VERSION} draft")
    key, text, saved_at = record.get("key"), record.get("text"), record.get("saved_at")
    if not isinstance(text, str) or isinstance(saved_at, bool) or not isinstance(saved_at, int | float):
        raise ValueError("text or saved_at missing")
    if not isinstance(key, dict) or key.get("kind") not in get_args(DraftKind):
        raise ValueError("bad key")
    fields = {name: key.get(name, "") for name in ("scope", "agent_id", "channel", "kind", "path")}
    if not all(isinstance(value, str) for value in fields.values()):
        raise ValueError("bad key")
    return Draft(key=DraftKey(**fields), text=text, base=record.get("base"), saved_at=float(saved_at))
