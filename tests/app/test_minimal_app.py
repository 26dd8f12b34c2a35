"""The app shell over a scripted server: agents listed literally, errors shown and not fatal, keymap by id."""

from __future__ import annotations

import httpx

from doover_tui.api.auth import StaticToken
from doover_tui.api.client import DooverClient, Endpoints
from doover_tui.app import DooverApp
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.store import Store
from doover_tui.widgets.agent_list import AgentList
from doover_tui.widgets.status_bar import StatusBar
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
    return DooverApp(store, BrowserOptions(source="profile 'default'", host="127.0.0.1:9"), keymap=keymap)


def agent_lines(app: DooverApp) -> list[str]:
    agents = app.browser.query_one(AgentList)
    return [agents.render_line(y).text.rstrip() for y in range(len(agents.rows))]


def agent_requests(server: FakeServer) -> int:
    return len([seen for seen in server.seen if seen.path == "/agents/"])


def status_text(app: DooverApp) -> str:
    return str(app.browser.query_one(StatusBar).render())


async def test_agents_listed_with_state_and_literal_names(server: FakeServer) -> None:
    server.on("GET", "/agents/", httpx.Response(200, json=AGENTS))
    app = make_app(server, read_only=True)
    async with app.run_test(size=(100, 20)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        lines = [" ".join(line.split()) for line in agent_lines(app)]
        assert lines == [
            "North (1)",
            "○ Tank 7 OFFLINE",
            "(no group) (2)",
            "● [bold]Pump 3[/] ONLINE",
            "? Gate \\x1b[31m1\\n UNKNOWN",
        ]
        assert "READ-ONLY" in status_text(app)
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len([seen for seen in server.seen if seen.path == "/agents/"]) == 2
        assert "reloading" not in status_text(app)


async def test_server_error_is_shown_and_reload_recovers(server: FakeServer, notes: list[str]) -> None:
    server.on("GET", "/agents/", httpx.Response(403, json={"detail": "not in this organisation"}))
    app = make_app(server)
    async with app.run_test(size=(100, 20)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Forbidden: GET http://127.0.0.1:9/agents/: not in this organisation" in status_text(app)
        assert notes == ["GET http://127.0.0.1:9/agents/: not in this organisation"]
        server.on("GET", "/agents/", httpx.Response(200, json=AGENTS))
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.browser.query_one(AgentList).total_count == 3
    assert app.return_code in (None, 0)


async def test_keymap_remaps_by_binding_id_and_warns_about_unknown_ids(server: FakeServer, notes: list[str]) -> None:
    server.on("GET", "/agents/", httpx.Response(200, json=AGENTS))
    app = make_app(server, keymap={"browser.refresh": "f5", "browser.nonsense": "x"})
    async with app.run_test(size=(100, 20)) as pilot:
        await app.workers.wait_for_complete()
        assert "keymap names unknown binding ids: browser.nonsense" in notes
        await pilot.press("r")
        await app.workers.wait_for_complete()
        assert agent_requests(server) == 1, "r no longer reloads"
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        assert agent_requests(server) == 2
