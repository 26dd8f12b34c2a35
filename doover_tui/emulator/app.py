"""Assemble the emulator: storage, services, routes, gateway, simulation and faults, as one ASGI app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import WebSocketRoute

from doover_tui.emulator.auth import EmulatorAuth
from doover_tui.emulator.control_routes import ControlRoutes
from doover_tui.emulator.control_service import ControlService
from doover_tui.emulator.data_routes import DataRoutes
from doover_tui.emulator.data_service import DataService
from doover_tui.emulator.db import Database
from doover_tui.emulator.faults import ASGIApp, FaultMiddleware, FaultSpec
from doover_tui.emulator.fleet import seed_large, seed_small
from doover_tui.emulator.gateway import GatewayHub
from doover_tui.emulator.http_util import JsonResponse
from doover_tui.emulator.ids import IdMaker
from doover_tui.emulator.simulate import Simulator
from doover_tui.emulator.tunnels import TunnelService

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    """How to run the emulator.

    Attributes:
        database: SQLite file, or ``:memory:``.
        token: the bearer token clients must send (generated when None).
        seed_time_ms: the "now" the seeded fleet's history ends at (Unix ms); None is the real now.
            Screenshots fix it so message times and ages come out the same on every run.
    """

    database: Path | str = ":memory:"
    token: str | None = None
    fleet: str = "small"
    seed: int = 1
    simulate: bool = True
    simulate_interval: float = 3.0
    faults: FaultSpec = field(default_factory=FaultSpec)
    activation_delay: float = 1.0
    token_ttl: float = 3600.0
    seed_time_ms: int | None = None


class Emulator:
    """A Doover-compatible server: ``asgi`` is the application to serve."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.ready = threading.Event()
        """Set once the ASGI lifespan has started (background tasks running)."""
        self.db = Database(config.database)
        self.ids = IdMaker()
        user_id = self._ensure_seeded()
        self.token = config.token or self.db.meta("token") or secrets.token_urlsafe(24)
        self.db.set_meta("token", self.token)
        self.auth = EmulatorAuth(self.db, self.token, user_id, token_ttl=config.token_ttl)
        self.data = DataService(self.db, self.ids, lambda ref, name, payload: self.hub.publish(ref, name, payload))
        self.hub = GatewayHub(self.ids, self.auth.authenticate, self.data.get_aggregate)
        self.control = ControlService(self.db, self.ids, user_id)
        self.tunnels = TunnelService(
            self.db, self.ids, self.control.device_record, activation_delay=config.activation_delay
        )
        self.simulator = Simulator(self.db, self.data, seed=config.seed, interval=config.simulate_interval)
        routes = [
            *DataRoutes(self.db, self.data, self.hub, self.auth).routes(),
            *ControlRoutes(self.db, self.control, self.tunnels, self.auth).routes(),
            WebSocketRoute("/ws", self.hub.endpoint),
            WebSocketRoute("/gateway", self.hub.endpoint),
        ]
        starlette = Starlette(routes=routes, lifespan=self._lifespan, exception_handlers={Exception: _internal_error})
        self.asgi: ASGIApp = FaultMiddleware(starlette, config.faults) if config.faults.active else starlette

    def _ensure_seeded(self) -> str:
        """Seed an empty database; reuse one seeded before (data survives restarts)."""
        existing = self.db.meta("user_agent_id")
        if existing is not None:
            if self.db.meta("fleet") != self.config.fleet:
                log.warning(
                    "the database holds the %s fleet; --fleet %s is ignored", self.db.meta("fleet"), self.config.fleet
                )
            return existing
        seeder = seed_large if self.config.fleet == "large" else seed_small
        user_id = seeder(self.db, self.config.seed, self.config.seed_time_ms)
        self.db.set_meta("fleet", self.config.fleet)
        return user_id

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        tasks = []
        if self.config.simulate:
            tasks.append(asyncio.create_task(self.simulator.run(), name="simulation"))
        if self.config.faults.drop_ws:
            tasks.append(asyncio.create_task(self._drop_gateways(self.config.faults.drop_ws), name="drop_ws"))
        self.ready.set()
        try:
            yield
        finally:
            self.ready.clear()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _drop_gateways(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            dropped = await self.hub.drop_connections()
            log.info("fault injection dropped %d gateway connections", dropped)

    def close(self) -> None:
        """Close the database."""
        self.db.close()


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JsonResponse({"detail": "internal server error", "error": type(exc).__name__}, status_code=500)
