"""Snowflake ids (reference §3): the creation time is in the top 42 bits, in ms since 2025-01-01."""

from __future__ import annotations

import re
from datetime import UTC, datetime

DOOVER_EPOCH_MS = 1_735_689_600_000
"""2025-01-01T00:00:00Z in Unix milliseconds: time zero of every Doover snowflake."""

TIMESTAMP_SHIFT = 22
"""The timestamp sits above 4 region, 10 instance, 4 type and 4 sequence bits."""

_MAX_ID = (1 << 63) - 1
_DIGITS = re.compile(r"[0-9]+")
"""ASCII digits: str.isdigit() also accepts characters such as "²" that int() refuses."""


class SnowflakeType:
    """The 4-bit type codes in bits 7..4 (pydoover's layout)."""

    UNKNOWN = 0
    AGENT = 1
    MESSAGE = 2
    CHANNEL = 3
    WSS_SESSION = 4
    PROCESSOR_SCHEDULE = 5
    TOKEN = 6
    NOTIFICATION_ENDPOINT = 7
    NOTIFICATION_SUBSCRIPTION = 8
    ATTACHMENT = 9
    ALARM = 10
    ONE_SHOT_MESSAGE = 11


def parse_id(value: str | int) -> int:
    """Return a snowflake id as an int, accepting the decimal string or number forms.

    Raises:
        ValueError: the value is not a non-negative 63-bit integer.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a snowflake id: {value!r}")
    text = str(value).strip()
    if not isinstance(value, int) and not _DIGITS.fullmatch(text):
        raise ValueError(f"not a snowflake id: {value!r}")
    number = value if isinstance(value, int) else int(text)
    if not 0 <= number <= _MAX_ID:
        raise ValueError(f"snowflake id out of range: {value!r}")
    return number


def id_to_unix_ms(value: str | int) -> int:
    """Return the Unix time in milliseconds encoded in a snowflake id."""
    return (parse_id(value) >> TIMESTAMP_SHIFT) + DOOVER_EPOCH_MS


def id_to_datetime(value: str | int) -> datetime:
    """Return the creation time of a snowflake id as an aware UTC datetime."""
    return datetime.fromtimestamp(id_to_unix_ms(value) / 1000, tz=UTC)


def id_at_unix_ms(unix_ms: int) -> int:
    """Return the smallest id created at ``unix_ms``: an exclusive bound for ``before``/``after``.

    ``after=id_at_unix_ms(t)`` includes messages created at or after millisecond ``t``;
    for an inclusive upper bound at ``t`` use ``before=id_at_unix_ms(t + 1)``.
    """
    if unix_ms < DOOVER_EPOCH_MS:
        raise ValueError(f"{unix_ms} ms is before the Doover epoch (2025-01-01)")
    return (unix_ms - DOOVER_EPOCH_MS) << TIMESTAMP_SHIFT


def id_at(moment: datetime) -> int:
    """Return the id bound for an aware datetime (see :func:`id_at_unix_ms`)."""
    return id_at_unix_ms(round(moment.timestamp() * 1000))


def make_id(unix_ms: int, *, kind: int, region: int = 0, instance: int = 0, sequence: int = 0) -> int:
    """Build a snowflake id from its parts, as a Doover server (or our emulator) does."""
    return (
        id_at_unix_ms(unix_ms) | (region & 0xF) << 18 | (instance & 0x3FF) << 8 | (kind & 0xF) << 4 | (sequence & 0xF)
    )


def id_sort_key(value: str) -> tuple[int, int, str]:
    """Sort key that orders numeric ids numerically, and any non-numeric ids after them."""
    # The common case first, without a regex: a plain ASCII number (isdigit alone also takes "²").
    if value.isascii() and value.isdigit():
        return (0, int(value), "")
    text = value.strip()
    if _DIGITS.fullmatch(text):
        return (0, int(text), "")
    return (1, 0, text)
