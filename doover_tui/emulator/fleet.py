"""Seed the emulator's database: the small demo fleet, or the large one for benchmarks.

Everything is deterministic from the seed except message times, which end at "now"
so that ages look real.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from doover_tui.api.snowflake import SnowflakeType, make_id
from doover_tui.emulator import fleet_content as content
from doover_tui.emulator.db import Database, dumps
from doover_tui.emulator.tunnels import endpoint_for

BASE_MS = 1_748_736_000_000
"""2025-06-01: the creation time of seeded (non-message) objects, so their ids are stable."""

KINDS = {
    "pump": (
        "Pump Station",
        "fa-solid fa-faucet-drip",
        ["device_status", "telemetry", "ui_state", "config", "pump_control", "doover_connection"],
    ),
    "tank": ("Tank", "fa-solid fa-water", ["device_status", "telemetry", "ui_state", "config", "doover_connection"]),
    "weather": ("Weather Station", "fa-solid fa-cloud-sun", ["device_status", "telemetry", "ui_state", "config"]),
    "gate": (
        "Gate",
        "fa-solid fa-torii-gate",
        ["device_status", "telemetry", "ui_state", "config", "access_log", "doover_connection"],
    ),
}

SMALL_FLEET = [
    ("pump", "Riverside", "Riverbend Water", "Pump Stations"),
    ("pump", "Mill Road", "Riverbend Water", "Pump Stations"),
    ("pump", "Quarry Hill", "Riverbend Water", "Pump Stations"),
    ("tank", "North Reservoir", "Riverbend Water", "Reservoirs"),
    ("tank", "Hilltop", "Riverbend Water", "Reservoirs"),
    ("tank", "Stock Trough 7", "Acme Agriculture", "North Farm"),
    ("weather", "Ridge", "Riverbend Water", "Reservoirs"),
    ("weather", "Home Paddock", "Acme Agriculture", "North Farm"),
    ("gate", "Main Entrance", "Acme Agriculture", "Gates"),
    ("gate", "Cattle Yard", "Acme Agriculture", "Gates"),
    ("gate", "Back Lane", "Acme Agriculture", "Gates"),
    ("pump", "Bore 2", "Acme Agriculture", "North Farm"),
]
"""(kind, place, organisation, group) of each small-fleet device."""


class Seeder:
    """Writes one fleet into an empty database in a single transaction."""

    def __init__(self, db: Database, seed: int, now_ms: int | None = None) -> None:
        self.db = db
        self.rng = random.Random(seed)
        """Drives the fleet's structure: ids, names, states, installs, tunnels."""
        self.noise = random.Random(seed + 1)
        """Drives readings. Separate, since how many draws a reading takes depends on the time
        of day, and that must not leak into the structure."""
        self.now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
        self._serial = 0

    def next_id(self, kind: int) -> str:
        """A stable id for a seeded object (one per millisecond after BASE_MS)."""
        self._serial += 1
        return str(make_id(BASE_MS + self._serial, kind=kind, instance=1))

    # Structure ------------------------------------------------------------------------------

    def organisation(self, name: str) -> str:
        """Store an organisation (with its root group) and return its id."""
        org_id = self.next_id(SnowflakeType.UNKNOWN)
        body = {
            "id": org_id,
            "name": name,
            "archived": False,
            "application_id": self.next_id(SnowflakeType.UNKNOWN),
            "domains": [],
            "root_group": {"id": self.next_id(SnowflakeType.UNKNOWN), "name": f"{name} (all)"},
            "retention_period": 365,
            "extra_config": {},
        }
        self.db.put_object("organisation", org_id, body, organisation_id=org_id)
        return org_id

    def group(self, name: str, org_id: str, parent_id: str | None = None) -> str:
        """Store a group and return its id."""
        group_id = self.next_id(SnowflakeType.UNKNOWN)
        body = {
            "id": group_id,
            "name": name,
            "archived": False,
            "shared": False,
            "organisation_id": org_id,
            "parent_id": parent_id,
        }
        self.db.put_object("group", group_id, body, parent=parent_id, organisation_id=org_id)
        return group_id

    def agent(self, body: dict[str, Any], org_id: str, online: bool | None) -> str:
        """Store an agent and return its id."""
        agent_id = self.next_id(SnowflakeType.AGENT)
        self.db.execute(
            "INSERT INTO agents (id, organisation_id, online, body) VALUES (?, ?, ?, ?)",
            (agent_id, org_id, None if online is None else int(online), dumps(body)),
        )
        return agent_id

    def user(self, org_id: str) -> str:
        """The emulator's one user, as an agent of type ``user`` and a control-API user."""
        body = {"name": "demo", "display_name": "Demo User", "type": "user", "group_id": None}
        user_id = self.agent(body, org_id, None)
        self.db.put_object(
            "user",
            user_id,
            {
                "id": user_id,
                "fusionauth_id": None,
                "username": "demo",
                "email": "demo@example.com",
                "first_name": "Demo",
                "last_name": "User",
                "is_superuser": False,
                "organisation_info": {"role": "admin"},
                "custom_data": {},
                "last_synced": None,
                "last_login": self.now_ms,
            },
        )
        return user_id

    def channel(self, agent_id: str, name: str, data: Any, *, private: bool = False, schema: Any = None) -> None:
        """Store a channel with its aggregate."""
        self.db.execute(
            "INSERT INTO channels (agent_id, name, id, is_private, aggregate_schema, message_schema, data,"
            " attachments, last_updated) VALUES (?, ?, ?, ?, ?, NULL, ?, '[]', ?)",
            (
                agent_id,
                name,
                self.next_id(SnowflakeType.CHANNEL),
                int(private),
                None if schema is None else dumps(schema),
                dumps(data),
                self.now_ms - self.noise.randint(1_000, 600_000),
            ),
        )

    def messages(
        self, agent_id: str, channel: str, author: str, readings: Iterator[tuple[int, Any]], instance: int
    ) -> int:
        """Store historical messages (``(unix ms, data)`` pairs); returns how many."""
        rows = [
            (
                agent_id,
                channel,
                make_id(ms, kind=SnowflakeType.MESSAGE, instance=instance % 1024, sequence=i % 16),
                author,
                dumps(data),
                "[]",
            )
            for i, (ms, data) in enumerate(readings)
        ]
        self.db.executemany(
            "INSERT OR IGNORE INTO messages (agent_id, channel, id, author_id, data, attachments)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    def history(self, kind: str, count: int, interval_ms: int) -> Iterator[tuple[int, Any]]:
        """``count`` telemetry readings ending now."""
        start = self.now_ms - count * interval_ms
        for i in range(count):
            ms = start + i * interval_ms + self.noise.randint(0, interval_ms // 4)
            yield ms, content.telemetry(kind, self.noise, ms / 3_600_000)


def seed_small(db: Database, seed: int = 1, now_ms: int | None = None) -> str:
    """The demo fleet: about 12 devices in two organisations. Returns the user's agent id."""
    seeder = Seeder(db, seed, now_ms)
    with db.transaction():
        orgs = {name: seeder.organisation(name) for name in ("Riverbend Water", "Acme Agriculture")}
        groups = {
            "Pump Stations": seeder.group("Pump Stations", orgs["Riverbend Water"]),
            "Reservoirs": seeder.group("Reservoirs", orgs["Riverbend Water"]),
            "North Farm": seeder.group("North Farm", orgs["Acme Agriculture"]),
        }
        groups["Gates"] = seeder.group("Gates", orgs["Acme Agriculture"], parent_id=groups["North Farm"])
        user_id = seeder.user(orgs["Riverbend Water"])
        apps = _seed_applications(seeder, orgs["Riverbend Water"])
        for index, (kind, place, org, group) in enumerate(SMALL_FLEET):
            _seed_device(seeder, index, kind, place, orgs[org], groups[group], apps)
        db.set_meta("user_agent_id", user_id)
    return user_id


def _seed_device(
    seeder: Seeder, index: int, kind: str, place: str, org_id: str, group_id: str, apps: dict[str, str]
) -> None:
    rng = seeder.rng
    title, icon, channels = KINDS[kind]
    online = rng.random() < 0.75
    display = f"{title} {place}" if kind != "tank" else f"{place} Tank"
    name = display.lower().replace(" ", "-")
    lat, lon = round(-37.8 + rng.uniform(-0.5, 0.5), 5), round(145.0 + rng.uniform(-0.5, 0.5), 5)
    body = {
        "name": name,
        "display_name": display,
        "type": "device",
        "group_id": group_id,
        "fa_icon": icon,
        "fixed_location": {"latitude": lat, "longitude": lon},
        "archived": False,
        "notes": f"{title} at {place}.",
        "device_type": {"id": str(1000 + list(KINDS).index(kind)), "name": title, "description": f"A {title.lower()}."},
        "kind": kind,
    }
    agent_id = seeder.agent(body, org_id, online)
    aggregates = {
        "device_status": content.device_status(kind, rng, seeder.now_ms, online),
        "telemetry": content.telemetry(kind, seeder.noise, seeder.now_ms / 3_600_000),
        "ui_state": content.ui_state(kind, display),
        "config": content.config(kind, rng),
        "pump_control": {
            "requested": {"running": True, "speed_pct": 80},
            "interlocks": {"low_level": False, "overload": False},
        },
        "access_log": {"last_entry": {"card": "0x4F21A9", "granted": True}},
        "doover_connection": content.connection(online, seeder.now_ms, rng),
    }
    for channel in channels:
        schema = content.CONFIG_SCHEMA if channel == "config" else None
        seeder.channel(agent_id, channel, aggregates[channel], private=channel == "access_log", schema=schema)
    count = 2000 + rng.randint(0, 1500)
    seeder.messages(agent_id, "telemetry", agent_id, seeder.history(kind, count, 120_000), instance=index * 8)
    statuses = ((seeder.now_ms - i * 3_600_000, {"online": online, "uptime_s": 3600 * i}) for i in range(48, 0, -1))
    seeder.messages(agent_id, "device_status", agent_id, statuses, instance=index * 8 + 1)
    _seed_installs(seeder, agent_id, kind, apps)
    if index % 2 == 0:
        _seed_tunnels(seeder, agent_id, body, org_id, kind)


def _seed_applications(seeder: Seeder, org_id: str) -> dict[str, str]:
    ids = {}
    for spec in content.APPLICATIONS:
        app_id = seeder.next_id(SnowflakeType.UNKNOWN)
        ids[spec["name"]] = app_id
        body = {
            "id": app_id,
            "archived": False,
            "name": spec["name"],
            "display_name": spec["display_name"],
            "description": spec["description"],
            "long_description": content.long_description(spec),
            "type": spec["type"],
            "visibility": spec["visibility"],
            "allow_many": spec["type"] == "INT",
            "config_schema": content.app_config_schema(spec),
            "ui_schema": {},
            "tag_schema": {},
            "depends_on": spec["depends_on"],
            "stars": seeder.rng.randint(0, 40),
            "container_registry_profile": None,
            "deployment_data": None,
            "image_name": f"ghcr.io/example/{spec['name']}:latest",
            "lambda_arn": None,
            "lambda_config": {},
            "config_profiles": [],
            "icon_url": None,
            "banner_url": None,
            "repository_url": f"https://github.com/example/{spec['name'].replace('_', '-')}",
            "_org": org_id,
        }
        seeder.db.put_object("application", app_id, body, organisation_id=org_id)
    return ids


def _seed_installs(seeder: Seeder, device_id: str, kind: str, apps: dict[str, str]) -> None:
    names = [a["name"] for a in content.APPLICATIONS if a["kind"] == kind]
    names += ["modbus_bridge"] if kind == "pump" else []
    names += ["alarm_notifier"] if seeder.rng.random() < 0.5 else []
    for name in names:
        install_id = seeder.next_id(SnowflakeType.UNKNOWN)
        created = datetime.fromtimestamp((seeder.now_ms - seeder.rng.randint(1, 60) * 86_400_000) / 1000, tz=UTC)
        body = {
            "id": install_id,
            "name": name,
            "display_name": name.replace("_", " ").title(),
            "application_id": apps[name],
            "version": f"1.{seeder.rng.randint(0, 9)}.{seeder.rng.randint(0, 9)}",
            "status": seeder.rng.choice(["RUN", "RUN", "RUN", "SUC", "FAI"]),
            "synced": seeder.rng.choice(["OK", "OK", "NO", "OV"]),
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "deployment_config": {"interval": 60},
        }
        seeder.db.put_object("app_install", install_id, body, parent=device_id)


def _seed_tunnels(seeder: Seeder, device_id: str, device: dict[str, Any], org_id: str, kind: str) -> None:
    wanted = [("ssh", "tcp", 22), ("web-ui", "http", 80)]
    if kind == "gate":
        wanted.append(("camera", "rtsp", 554))
    if kind == "pump":
        wanted.append(("hmi", "https", 443))
    for name, protocol, port in wanted:
        tunnel_id = seeder.next_id(SnowflakeType.UNKNOWN)
        body = {
            "id": tunnel_id,
            "name": name,
            "device": {"id": device_id, "name": device["name"], "display_name": device["display_name"]},
            "endpoint": endpoint_for(device["name"], tunnel_id),
            "endpoint_id": tunnel_id,
            "is_active": seeder.rng.random() < 0.3,
            "hostname": "127.0.0.1" if port == 22 else "192.168.1.10",
            "port": port,
            "protocol": protocol,
            "username": "pi" if port == 22 else None,
            "password": None,
            "timeout": 15,
            "ip_restricted": port == 22,
            "disable_tls_verification": protocol == "https",
            "ip_whitelist": ["203.0.113.0/24"] if port == 22 else [],
            "is_favourite": port == 22,
            "_org": org_id,
        }
        seeder.db.put_object("tunnel", tunnel_id, body, parent=device_id, organisation_id=org_id)


def seed_large(db: Database, seed: int = 1, now_ms: int | None = None) -> str:
    """The benchmark fleet: 5,000 devices, one 100,000-message channel, one 1 MB aggregate."""
    seeder = Seeder(db, seed, now_ms)
    with db.transaction():
        org_id = seeder.organisation("Large Fleet Pty Ltd")
        groups = [seeder.group(f"Region {n + 1}", org_id) for n in range(10)]
        user_id = seeder.user(org_id)
        first_device = ""
        for n in range(5000):
            kind = ("pump", "tank", "weather", "gate")[n % 4]
            name = f"{kind}-{n:04d}"
            body = {
                "name": name,
                "display_name": f"{KINDS[kind][0]} {n:04d}",
                "type": "device",
                "group_id": groups[n % 10],
                "fa_icon": KINDS[kind][1],
                "fixed_location": None,
                "archived": False,
                "kind": kind,
            }
            agent_id = seeder.agent(body, org_id, seeder.rng.random() < 0.8)
            first_device = first_device or agent_id
            seeder.channel(agent_id, "device_status", {"online": True, "firmware": "3.1.0"})
        seeder.channel(first_device, "telemetry", content.telemetry("pump", seeder.noise, 0))
        seeder.messages(first_device, "telemetry", first_device, seeder.history("pump", 100_000, 5_000), instance=7)
        seeder.channel(first_device, "big_state", _large_aggregate(seeder.rng))
        db.set_meta("user_agent_id", user_id)
    return user_id


def _large_aggregate(rng: random.Random) -> dict[str, Any]:
    """About 1 MB of nested JSON: many sensors, each with history and metadata."""
    return {
        f"sensor_{n:04d}": {
            "label": f"Sensor {n}",
            "unit": rng.choice(["kPa", "°C", "%", "m3/h"]),
            "readings": [round(rng.uniform(0, 100), 3) for _ in range(40)],
            "meta": {"installed": "2024-03-01", "calibrated": rng.random() < 0.5, "zone": n % 17},
        }
        for n in range(2600)
    }
