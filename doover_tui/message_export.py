"""Export loaded messages to an NDJSON or CSV file, oldest first, never overwriting an existing file."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import orjson

from doover_tui.api.models import Message
from doover_tui.api.snowflake import id_sort_key

ExportFormat = Literal["ndjson", "csv"]

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_META = ("id", "created_at", "author_id")
_MAX_NAME = 80
_MAX_TRIES = 1000


def export_messages(
    messages: Sequence[Message],
    directory: Path,
    *,
    channel_name: str,
    fmt: ExportFormat,
    now: datetime | None = None,
) -> Path:
    """Write ``messages`` oldest first to ``<channel>-<YYYYmmdd-HHMMSS>.<fmt>`` in ``directory``; return its path.

    ``now`` (default: the local time) stamps the name; if the name is taken, ``-1``,
    ``-2`` … are added. The file appears complete or not at all.

    Raises:
        OSError: the file could not be written.
    """
    ordered = sorted(messages, key=lambda m: id_sort_key(m.id))
    body = _ndjson(ordered) if fmt == "ndjson" else _csv(ordered).encode("utf-8")
    stamp = (now or datetime.now().astimezone()).strftime("%Y%m%d-%H%M%S")
    stem = f"{safe_file_stem(channel_name)}-{stamp}"
    return _write_new(directory, stem, fmt, body)


def safe_file_stem(name: str) -> str:
    """Turn a device-supplied name into a harmless file name stem (ASCII, no separators, no leading dot)."""
    stem = _UNSAFE_NAME.sub("_", name).strip("._-")[:_MAX_NAME]
    return stem or "channel"


def iso_time(message: Message) -> str | None:
    """The message's creation time as ISO 8601 UTC with milliseconds (``…T12:00:00.123Z``), or None."""
    created = message.created_at
    if created is None:
        return None
    return created.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _write_new(directory: Path, stem: str, suffix: str, body: bytes) -> Path:
    """Write ``body`` to a temp file, claim a free name with O_EXCL, then move the content onto it."""
    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=f".{stem}.", suffix=".tmp")
    target: Path | None = None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        target = _claim(directory, stem, suffix)
        os.replace(temp_name, target)
    except BaseException:
        for leftover in (temp_name, target):
            if leftover is not None:
                with contextlib.suppress(OSError):
                    os.unlink(leftover)
        raise
    return target


def _claim(directory: Path, stem: str, suffix: str) -> Path:
    """Create an empty file under the first free name: exclusive creation cannot race another writer."""
    for attempt in range(_MAX_TRIES):
        target = directory / (f"{stem}.{suffix}" if attempt == 0 else f"{stem}-{attempt}.{suffix}")
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            continue
        return target
    raise FileExistsError(f"no free file name for {stem}.{suffix} in {directory}")


def _ndjson(messages: Sequence[Message]) -> bytes:
    lines = []
    for message in messages:
        record = {
            "id": message.id,
            "created_at": iso_time(message),
            "author_id": message.author_id,
            "data": message.data,
        }
        lines.append(_json(record))
    return b"".join(line + b"\n" for line in lines)


def _json(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        # orjson refuses integers beyond 64 bits, which JSON itself allows.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


ColumnKey = tuple[str, ...]
_WHOLE: ColumnKey = ()
"""The column key for non-object data, which goes whole into a ``data`` column."""


def _csv(messages: Sequence[Message]) -> str:
    rows = [_flatten(message.data) for message in messages]
    columns: dict[ColumnKey, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*_META, *(_guard(_header(key)) for key in columns)])
    for message, row in zip(messages, rows, strict=True):
        meta = [_guard(message.id), iso_time(message) or "", _guard(message.author_id)]
        writer.writerow([*meta, *(row.get(key, "") for key in columns)])
    return out.getvalue()


def _header(key: ColumnKey) -> str:
    if key == _WHOLE:
        return "data"
    name = ".".join(key)
    # A data key named like a fixed column gets a prefix so the header stays unambiguous.
    return f"data.{name}" if name in _META else name


def _flatten(data: Any) -> dict[ColumnKey, str]:
    """Map each leaf path of an object to its cell text; arrays and non-objects stay whole as JSON."""
    cells: dict[ColumnKey, str] = {}
    if not isinstance(data, dict):
        cells[_WHOLE] = _cell(data)
        return cells
    stack: list[tuple[ColumnKey, Any]] = [((str(key),), value) for key, value in reversed(data.items())]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict) and value:
            stack.extend(((*path, str(key)), item) for key, item in reversed(value.items()))
        else:
            cells[path] = _cell(value)
    return cells


def _cell(value: Any) -> str:
    """A string as itself (guarded against formulas), anything else as its JSON text."""
    if isinstance(value, str):
        return _guard(value)
    text = _json(value).decode("utf-8")
    # Numbers are safe as they are ("-5" is a number to a spreadsheet); arrays and objects may hold text.
    return text if isinstance(value, int | float | bool) or value is None else _guard(text)


def _guard(text: str) -> str:
    """Prefix a quote to cells a spreadsheet would run as a formula."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text
