"""What the seeded fleet's devices say: realistic aggregates, telemetry and schemas per device kind."""

from __future__ import annotations

import math
import random
from typing import Any

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "reporting_interval_s": {"type": "integer", "minimum": 5, "maximum": 3600},
        "setpoints": {
            "type": "object",
            "properties": {"low": {"type": "number"}, "high": {"type": "number"}},
            "required": ["low", "high"],
        },
        "mode": {"enum": ["auto", "manual", "off"]},
        "notify": {"type": "array", "items": {"type": "string", "format": "email"}},
    },
    "required": ["reporting_interval_s", "mode"],
}
"""The ``aggregate_schema`` of every ``config`` channel."""


def telemetry(kind: str, rng: random.Random, t: float) -> dict[str, Any]:
    """One telemetry reading of a device of ``kind`` at phase ``t`` (hours; drives daily cycles)."""
    day = math.sin(2 * math.pi * (t % 24) / 24)
    if kind == "pump":
        running = day > -0.3
        rpm = round(1450 + rng.gauss(0, 12), 1) if running else 0.0
        return {
            "pump": {
                "running": running,
                "rpm": rpm,
                "flow_lpm": round(max(0.0, 310 + 40 * day + rng.gauss(0, 6)), 1) if running else 0.0,
                "pressure_kpa": round(405 + 15 * day + rng.gauss(0, 3), 1),
                "motor": {
                    "temp_c": round(48 + 14 * (day + 1) / 2 + rng.gauss(0, 0.8), 1),
                    "current_a": round(rpm / 80, 2),
                },
            },
            "inlet_level_m": round(2.2 + 0.3 * math.cos(t / 7) + rng.gauss(0, 0.02), 3),
        }
    if kind == "tank":
        level = 55 + 30 * math.sin(t / 11) + rng.gauss(0, 0.4)
        return {
            "level_pct": round(level, 2),
            "level_m": round(level * 0.034, 3),
            "volume_l": int(level * 200),
            "temperature_c": round(17 + 3 * day + rng.gauss(0, 0.2), 2),
        }
    if kind == "weather":
        return {
            "air_temp_c": round(16 + 9 * day + rng.gauss(0, 0.5), 1),
            "humidity_pct": round(min(100.0, max(5.0, 62 - 20 * day + rng.gauss(0, 2))), 1),
            "pressure_hpa": round(1013 + 6 * math.sin(t / 30) + rng.gauss(0, 0.3), 1),
            "wind": {
                "speed_ms": round(abs(4 + 3 * day + rng.gauss(0, 1.2)), 1),
                "gust_ms": round(abs(7 + 4 * day + rng.gauss(0, 2)), 1),
                "direction_deg": int(rng.uniform(0, 360)),
            },
            "rain_mm": round(max(0.0, rng.gauss(-0.5, 0.6)), 1),
            "solar_wm2": int(max(0.0, 850 * day + rng.gauss(0, 30))),
        }
    opened = rng.random() < 0.1
    return {
        "gate": {"state": "open" if opened else "closed", "position_pct": 100 if opened else 0, "obstruction": False},
        "motor_current_a": round(abs(rng.gauss(0.2 if not opened else 3.1, 0.1)), 2),
        "cycles_today": int(rng.uniform(0, 40)),
    }


def device_status(kind: str, rng: random.Random, now_ms: int, online: bool) -> dict[str, Any]:
    """The ``device_status`` aggregate."""
    return {
        "online": online,
        "firmware": f"{rng.choice([2, 3])}.{rng.randint(0, 9)}.{rng.randint(0, 20)}",
        "hardware": {
            "model": f"DV-{kind.upper()[:4]}-{rng.randint(100, 400)}",
            "serial": f"SN{rng.randint(10**7, 10**8)}",
        },
        "uptime_s": rng.randint(3_600, 9_000_000),
        "signal": {
            "rssi_dbm": rng.randint(-105, -60),
            "snr_db": round(rng.uniform(2, 18), 1),
            "network": rng.choice(["LTE-M", "NB-IoT", "WiFi"]),
        },
        "battery": {
            "voltage": round(rng.uniform(11.8, 13.8), 2),
            "percent": rng.randint(35, 100),
            "charging": rng.random() < 0.6,
        },
        "last_reboot": now_ms - rng.randint(3_600_000, 900_000_000),
        "errors": []
        if rng.random() < 0.8
        else [{"code": "E042", "message": "sensor read timeout", "count": rng.randint(1, 9)}],
    }


def ui_state(kind: str, display_name: str) -> dict[str, Any]:
    """A pydoover-style UI tree (``state.children``)."""
    widgets = {
        "pump": {
            "start_stop": {"type": "uiAction", "displayString": "Start / stop pump"},
            "rpm": {"type": "uiVariable", "units": "rpm"},
        },
        "tank": {"level": {"type": "uiFloatParam", "units": "%", "min": 0, "max": 100}},
        "weather": {"temp": {"type": "uiVariable", "units": "°C"}, "wind": {"type": "uiVariable", "units": "m/s"}},
        "gate": {"open": {"type": "uiAction", "displayString": "Open gate", "requiresConfirm": True}},
    }[kind]
    return {"state": {"displayString": display_name, "type": "uiContainer", "children": widgets}}


def config(kind: str, rng: random.Random) -> dict[str, Any]:
    """The ``config`` aggregate (valid against ``CONFIG_SCHEMA``)."""
    low, high = {"pump": (1.2, 2.8), "tank": (20.0, 95.0), "weather": (-5.0, 40.0), "gate": (0.0, 100.0)}[kind]
    return {
        "reporting_interval_s": rng.choice([30, 60, 120, 300]),
        "setpoints": {"low": low, "high": high},
        "mode": rng.choice(["auto", "auto", "manual"]),
        "notify": ["ops@example.com"],
    }


def connection(online: bool, now_ms: int, rng: random.Random) -> dict[str, Any]:
    """The ``doover_connection`` aggregate (reference §2.7)."""
    last = now_ms - (rng.randint(1_000, 30_000) if online else rng.randint(3_600_000, 90_000_000))
    return {
        "status": {
            "status": "ContinuousOnline" if online else "ContinuousOffline",
            "last_online": last,
            "last_ping": last,
            "user_agent": "doover-device-agent/2.6",
            "ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        },
        "determination": "Online" if online else "Offline",
        "config": {"expected_interval_s": 60},
    }


APPLICATIONS: list[dict[str, Any]] = [
    {
        "name": "pump_controller",
        "display_name": "Pump Controller",
        "type": "DEV",
        "visibility": "PRI",
        "kind": "pump",
        "description": "Runs a borehole or transfer pump on a schedule or on tank level.",
        "depends_on": ["modbus_bridge"],
    },
    {
        "name": "tank_monitor",
        "display_name": "Tank Monitor",
        "type": "DEV",
        "visibility": "PUB",
        "kind": "tank",
        "description": "Reads ultrasonic and pressure level sensors and reports volume.",
        "depends_on": [],
    },
    {
        "name": "weather_logger",
        "display_name": "Weather Logger",
        "type": "DEV",
        "visibility": "PUB",
        "kind": "weather",
        "description": "Logs a weather station's readings every minute.",
        "depends_on": [],
    },
    {
        "name": "gate_access",
        "display_name": "Gate Access",
        "type": "DEV",
        "visibility": "PRI",
        "kind": "gate",
        "description": "Opens gates from the app and keeps an access log.",
        "depends_on": [],
    },
    {
        "name": "modbus_bridge",
        "display_name": "Modbus Bridge",
        "type": "INT",
        "visibility": "COR",
        "kind": None,
        "description": "Exposes Modbus RTU/TCP registers as Doover tags.",
        "depends_on": [],
    },
    {
        "name": "alarm_notifier",
        "display_name": "Alarm Notifier",
        "type": "PRO",
        "visibility": "PUB",
        "kind": None,
        "description": "Sends SMS and e-mail when a channel alarm fires.",
        "depends_on": [],
    },
    {
        "name": "daily_report",
        "display_name": "Daily Report",
        "type": "REP",
        "visibility": "PRI",
        "kind": None,
        "description": "Builds a PDF summary of yesterday's telemetry.",
        "depends_on": [],
    },
    {
        "name": "firmware_rollout",
        "display_name": "Firmware Rollout",
        "type": "TAS",
        "visibility": "INT",
        "kind": None,
        "description": "Stages firmware updates across a group of devices.",
        "depends_on": [],
    },
]
"""The seeded applications; ``kind`` is the device kind that runs it."""


def long_description(app: dict[str, Any]) -> str:
    """A Markdown long description."""
    return (
        f"# {app['display_name']}\n\n{app['description']}\n\n"
        "## Features\n\n- Works offline and catches up when the link returns\n"
        "- Every setting is in the config schema, with defaults\n- Publishes to `telemetry` and `device_status`\n\n"
        "## Configuration\n\n| key | meaning |\n| --- | --- |\n| `interval` | seconds between readings |\n"
        '| `thresholds` | alarm levels |\n\n```json\n{"interval": 60}\n```\n'
    )


def app_config_schema(app: dict[str, Any]) -> dict[str, Any]:
    """An application's ``config_schema`` with defaults and required fields."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": app["display_name"],
        "type": "object",
        "properties": {
            "interval": {"type": "integer", "title": "Interval (s)", "default": 60, "minimum": 5},
            "thresholds": {
                "type": "object",
                "properties": {"low": {"type": "number", "default": 10}, "high": {"type": "number", "default": 90}},
                "required": ["high"],
            },
            "enabled": {"type": "boolean", "default": True},
        },
        "required": ["interval"],
    }
