"""The seeded fleets and the live simulation."""

from __future__ import annotations

import json
from typing import Any

from doover_tui.emulator.app import Emulator, EmulatorConfig
from doover_tui.emulator.db import Database
from doover_tui.emulator.fleet import seed_large, seed_small
from tests.emulator_fixtures import TOKEN


def structure(db: Database) -> list[Any]:
    return db.query("SELECT id, body FROM agents ORDER BY id") + db.query(
        "SELECT agent_id, name, data FROM channels ORDER BY 1, 2"
    )


def test_small_fleet_is_deterministic_from_the_seed() -> None:
    first, second, other = Database(":memory:"), Database(":memory:"), Database(":memory:")
    seed_small(first, seed=5, now_ms=1_800_000_000_000)
    seed_small(second, seed=5, now_ms=1_800_000_000_000)
    seed_small(other, seed=6, now_ms=1_800_000_000_000)
    assert structure(first) == structure(second)
    assert structure(first) != structure(other)


def test_small_fleet_structure_does_not_depend_on_the_clock() -> None:
    morning, evening = Database(":memory:"), Database(":memory:")
    seed_small(morning, seed=1, now_ms=1_800_000_000_000)
    seed_small(evening, seed=1, now_ms=1_800_000_000_000 + 11 * 3_600_000)

    def skeleton(db: Database) -> list[Any]:
        return (
            db.query("SELECT id, online, body FROM agents ORDER BY id")
            + db.query("SELECT agent_id, name, id FROM channels ORDER BY 1, 2")
            + db.query("SELECT kind, id FROM objects WHERE kind IN ('tunnel', 'app_install') ORDER BY 1, 2")
        )

    assert skeleton(morning) == skeleton(evening)


def test_small_fleet_shape() -> None:
    db = Database(":memory:")
    seed_small(db, seed=1)
    devices = [
        json.loads(body) for (body,) in db.query("SELECT body FROM agents") if json.loads(body)["type"] == "device"
    ]
    assert len(devices) == 12
    assert {d["kind"] for d in devices} == {"pump", "tank", "weather", "gate"}
    per_device = db.query("SELECT agent_id, COUNT(*) FROM channels GROUP BY agent_id")
    assert all(4 <= count <= 8 for _, count in per_device)
    telemetry = db.query("SELECT COUNT(*) FROM messages WHERE channel = 'telemetry' GROUP BY agent_id")
    assert all(2000 <= count <= 3500 for (count,) in telemetry)
    assert db.one("SELECT COUNT(*) FROM channels WHERE aggregate_schema IS NOT NULL")[0] == 12  # type: ignore[index]
    tunnelled = {body["device"]["id"] for body in db.list_objects("tunnel")}
    assert len(tunnelled) == 6
    assert len(db.list_objects("application")) == 8


def test_large_fleet_sizes() -> None:
    db = Database(":memory:")
    seed_large(db, seed=1)
    assert db.one("SELECT COUNT(*) FROM agents WHERE json_extract(body, '$.type') = 'device'")[0] == 5000  # type: ignore[index]
    (biggest,) = db.one("SELECT COUNT(*) FROM messages GROUP BY agent_id, channel ORDER BY 1 DESC LIMIT 1")  # type: ignore[misc]
    assert biggest == 100_000
    (size,) = db.one("SELECT LENGTH(data) FROM channels WHERE name = 'big_state'")  # type: ignore[misc]
    assert 900_000 < size < 1_300_000


def test_simulation_publishes_for_online_devices() -> None:
    emulator = Emulator(EmulatorConfig(token=TOKEN, simulate=False))
    published: list[tuple[str, str]] = []
    emulator.data.publish = lambda ref, name, payload: published.append((ref["name"], name))
    online = sum(1 for _, _, is_online in emulator.simulator.devices() if is_online)
    reported = emulator.simulator.tick()
    assert 0 < reported <= online + 2
    assert published.count(("telemetry", "MessageCreate")) == reported
    assert published.count(("device_status", "AggregateUpdate")) >= reported
    emulator.close()
