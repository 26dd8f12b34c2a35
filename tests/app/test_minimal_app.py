"""The minimal app: agents listed through the store; errors shown, not fatal; markup shown literally."""

from __future__ import annotations

from pathlib import Path

import httpx
from textual.widgets import DataTable, Static

from doover_tui.api.auth import StaticToken
from doover_tui.api.client import DooverClient, Endpoints
from doover_tui.app import DooverApp
from doover_tui.config.connection import Connection, UserCredentials
from doover_tui.store import Store
from tests.conftest import FakeServer

AGENTS = {
    "agents": [
        {
            "id": "2",
            "name": "tank-7",
            "display_name": "Tank 7",
            "connection_determination": "Offline",
            "group": "North",
        },
        {"id": "1", "name": "pump", "display_name": "[bold]Pump 3[/]", "connection_determination": "online"},
        {"id": "3", "name": "gate", "display_name": "Gate \x1b[31m1\n"},
    ],
    "groups": [],
}


def make_app(server: FakeServer, *, read_only: bool = False, keymap: dict[str, str] | None = None) -> DooverApp:
    http = httpx.AsyncClient(transport=server.transport())
    endpoints = Endpoints("http://127.0.0.1:9/api", "http://127.0.0.1:9", "ws://127.0.0.1:9/ws")
    store = Store(DooverClient(endpoints, StaticToken("t"), http), read_only=read_only)
    connection = Connection(
        source="profile 'default'",
        profile_name="default",
        profile_path=Path("/nonexistent"),
        data_url=endpoints.data_url,
        control_url=endpoints.control_url,
        gateway_url=None,
        auth_server_url="http://127.0.0.1:9",
        organisation_id=None,
        credentials=UserCredentials("t", None),
        read_only=read_only,
    )
    return DooverApp(store, connection, keymap=keymap)


async def test_agents_listed_with_state_and_literal_names(server: FakeServer) -> None:
    server.on("GET", "/agents/", httpx.Response(200, json=AGENTS))
    app = make_app(server, read_only=True)
    async with app.run_test(size=(100, 20)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#agents", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows == [
            ["[bold]Pump 3[/]", "ONLINE", "", "1"],
            ["Gate \\x1b[31m1\\n", "UNKNOWN", "", "3"],
            ["Tank 7", "OFFLINE", "North", "2"],
        ]
        status = str(app.screen.query_one("#status", Static).render())
        assert "READ-ONLY" in status
        assert "3 agents" in status
        await pilot.press("r")  # the same data again: the status must not stay "reloading…"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert str(app.screen.query_one("#status", Static).render()).endswith("3 agents")
        assert len(server.seen) == 2


async def test_server_error_is_shown_and_reload_recovers(server: FakeServer, notes: list[str]) -> None:
    server.on("GET", "/agents/", httpx.Response(403, json={"detail": "not in this organisation"}))
    app = make_app(server)
    async with app.run_test(size=(100, 20)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = str(app.screen.query_one("#status", Static).render())
        assert "Forbidden: GET http://127.0.0.1:9/agents/: not in this organisation" in status
        assert notes == ["GET http://127.0.0.1:9/agents/: not in this organisation"]
        server.on("GET", "/agents/", httpx.Response(200, json=AGENTS))
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#agents", DataTable).row_count == 3
    assert app.return_code in (None, 0)


async def test_keymap_remaps_by_binding_id_and_warns_about_unknown_ids(server: FakeServer, notes: list[str]) -> None:
    server.on("GET", "/agents/", httpx.Response(200, json=AGENTS))
    app = make_app(server, keymap={"browser.refresh": "f5", "browser.nonsense": "x"})
    async with app.run_test(size=(100, 20)) as pilot:
        await app.workers.wait_for_complete()
        assert "keymap names unknown binding ids: browser.nonsense" in notes
        await pilot.press("r")
        await app.workers.wait_for_complete()
        assert len(server.seen) == 1, "r no longer reloads"
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        assert len(server.seen) == 2
