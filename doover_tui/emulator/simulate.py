"""Live simulation: online devices publish telemetry and status; some drop offline and come back."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable

from doover_tui.emulator import fleet_content as content
from doover_tui.emulator.data_service import DataService
from doover_tui.emulator.db import Database, loads
from doover_tui.emulator.problems import Problem

log = logging.getLogger(__name__)


class Simulator:
    """Each tick, every online device reports; now and then one changes its online state."""

    def __init__(
        self,
        db: Database,
        data: DataService,
        *,
        seed: int = 1,
        interval: float = 3.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.data = data
        self.rng = random.Random(seed)
        self.interval = interval
        self.clock = clock

    def devices(self) -> list[tuple[str, str, bool]]:
        """(id, kind, online) of every simulated device (those with a telemetry channel)."""
        rows = self.db.query(
            "SELECT a.id, a.body, a.online FROM agents a JOIN channels c ON c.agent_id = a.id AND c.name = 'telemetry'"
        )
        return [(row[0], loads(row[1]).get("kind", "pump"), bool(row[2])) for row in rows]

    def tick(self) -> int:
        """Advance one step; returns how many devices reported."""
        reported = 0
        now = self.clock()
        for agent_id, kind, online in self.devices():
            if self.rng.random() < 0.01:
                online = not online
                self._set_online(agent_id, online, now)
            if not online:
                continue
            try:
                self.data.create_message(
                    agent_id, "telemetry", {"data": content.telemetry(kind, self.rng, now / 3600)}, author_id=agent_id
                )
                status = {
                    "online": True,
                    "uptime_s": int(now) % 9_000_000,
                    "signal": {"rssi_dbm": self.rng.randint(-100, -60)},
                }
                self.data.update_aggregate(agent_id, "device_status", status, author_id=agent_id, replace=False)
            except Problem as problem:  # a channel deleted or archived by the user meanwhile
                log.debug("simulation skipped %s: %s", agent_id, problem.body)
                continue
            reported += 1
        return reported

    def _set_online(self, agent_id: str, online: bool, now: float) -> None:
        with self.db.transaction():
            self.db.execute("UPDATE agents SET online = ? WHERE id = ?", (int(online), agent_id))
        try:
            status = content.connection(online, int(now * 1000), self.rng)
            self.data.update_aggregate(agent_id, "doover_connection", status, author_id=agent_id, replace=True)
            self.data.update_aggregate(agent_id, "device_status", {"online": online}, author_id=agent_id, replace=False)
        except Problem:
            pass  # devices without these channels only change their online flag

    async def run(self) -> None:
        """Tick forever (until cancelled)."""
        while True:
            await asyncio.sleep(self.interval)
            self.tick()
