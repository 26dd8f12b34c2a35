"""Channel alarms: validate their bodies, and re-evaluate them when the aggregate changes."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from doover_tui.emulator.db import Database, dumps, loads
from doover_tui.emulator.problems import data_error
from doover_tui.jsonedit import MISSING, get_path

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ge": operator.ge,
    "gt": operator.gt,
    "le": operator.le,
    "lt": operator.lt,
}

_FIELDS = {
    "name": str,
    "description": str,
    "key": str,
    "operator": str,
    "enabled": bool,
}


def validate_alarm(body: Any, current: dict[str, Any] | None) -> dict[str, Any]:
    """Check an alarm body; ``current`` is the alarm being patched (None for create/replace)."""
    if not isinstance(body, dict):
        raise data_error(400, "the body must be a JSON object")
    alarm = dict(current or {"description": "", "enabled": True, "expiry_mins": None})
    for key, kind in _FIELDS.items():
        if key in body:
            if not isinstance(body[key], kind):
                raise data_error(400, f"{key} must be a {kind.__name__}")
            alarm[key] = body[key]
    for key in ("value", "expiry_mins", "alarm_pending_ms"):
        if key in body:
            alarm[key] = body[key]
    missing = [key for key in ("name", "key", "operator", "value") if key not in alarm]
    if missing:
        raise data_error(400, f"missing fields: {', '.join(missing)}")
    if alarm["operator"] not in OPERATORS:
        raise data_error(400, f"operator must be one of {', '.join(OPERATORS)}")
    return alarm


def _state(alarm: dict[str, Any], data: Any) -> str:
    value = get_path(data, alarm["key"])
    if value is MISSING or value is None:
        return "NoData"
    try:
        return "Alarm" if OPERATORS[alarm["operator"]](value, alarm["value"]) else "OK"
    except TypeError:  # comparing a string with a number: not comparable, so no data
        return "NoData"


def evaluate_alarms(
    db: Database, agent_id: str, channel: str, data: Any, now_ms: int
) -> list[tuple[dict[str, Any], str]]:
    """Update each enabled alarm's state; return (alarm, old state) for those that changed."""
    changed: list[tuple[dict[str, Any], str]] = []
    for (body,) in db.query("SELECT body FROM alarms WHERE agent_id = ? AND channel = ?", (agent_id, channel)):
        alarm = loads(body)
        if not alarm.get("enabled", True):
            continue
        new_state = _state(alarm, data)
        if new_state != alarm["state"]:
            old_state = alarm["state"]
            alarm |= {"state": new_state, "entered_state_ts": now_ms}
            db.execute(
                "UPDATE alarms SET body = ? WHERE agent_id = ? AND channel = ? AND id = ?",
                (dumps(alarm), agent_id, channel, alarm["id"]),
            )
            changed.append((alarm, old_state))
    return changed
