"""The app over a live emulator, as ``doover-tui --demo`` runs it."""

from __future__ import annotations

from doover_tui.emulator.server import RunningEmulator
from doover_tui.widgets.agent_list import AgentList
from doover_tui.widgets.status_bar import StatusBar
from tests.app.harness import build_app, until


async def test_demo_fleet_is_listed(live: RunningEmulator) -> None:
    app = build_app(live)
    async with app.run_test(size=(120, 30)) as pilot:
        agents = app.browser.query_one(AgentList)
        await until(pilot, lambda: agents.total_count == 13, "the demo fleet")
        lines = [agents.render_line(y).text for y in range(len(agents.rows))]
        assert any("Pump Station Riverside" in line for line in lines)
        assert str(app.browser.query_one(StatusBar).render()).startswith("test emulator · 127.0.0.1:")
