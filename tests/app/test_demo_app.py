"""The app over a live emulator, as ``doover-tui --demo`` runs it."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from doover_tui.api.auth import StaticToken
from doover_tui.api.client import DooverClient, Endpoints, new_http_client
from doover_tui.app import DooverApp
from doover_tui.config.connection import Connection, UserCredentials
from doover_tui.emulator.server import RunningEmulator
from doover_tui.store import Store
from tests.emulator_fixtures import TOKEN


async def test_demo_fleet_is_listed(live: RunningEmulator) -> None:
    urls = live.urls
    client = DooverClient(Endpoints(urls.data, urls.control, urls.gateway), StaticToken(TOKEN), new_http_client(10))
    connection = Connection(
        source="demo (local emulator)",
        profile_name=None,
        profile_path=Path("/nonexistent"),
        data_url=urls.data,
        control_url=urls.control,
        gateway_url=urls.gateway,
        auth_server_url=urls.root,
        organisation_id=None,
        credentials=UserCredentials(TOKEN, None),
        read_only=False,
    )
    app = DooverApp(Store(client), connection)
    async with app.run_test(size=(120, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#agents", DataTable)
        labels = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert len(labels) == 13
        assert "Pump Station Riverside" in labels
        assert str(app.screen.query_one("#status", Static).render()).startswith("demo (local emulator) · 127.0.0.1:")
