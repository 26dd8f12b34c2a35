"""AgentList: grouped, filtered agents with their state in words; cursor follows the agent id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.message import Message

from doover_tui.api.models import Agent
from doover_tui.widgets.agent_list import AgentList, _Heading

AGENTS = [
    Agent(
        id="1",
        name="pump-3",
        display_name="Pump 3",
        organisation="Riverbend Water",
        group="Pumps",
        connection_determination="Online",
    ),
    Agent(
        id="2",
        name="pump-1",
        display_name="pump 1",
        organisation="Riverbend Water",
        group="Pumps",
        connection_determination="offline",
    ),
    Agent(id="3", name="tank-7", display_name="Tank 7", organisation="Riverbend Water", group="Tanks"),
    Agent(
        id="4",
        name="gate",
        display_name="Gate 1",
        organisation="Acme",
        group="Gates",
        connection_determination="online",
    ),
]


class AgentsApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield AgentList()

    def on_agent_list_agent_highlighted(self, message: AgentList.AgentHighlighted) -> None:
        self.seen.append(message)

    def on_agent_list_agent_chosen(self, message: AgentList.AgentChosen) -> None:
        self.seen.append(message)


def lines(agents: AgentList) -> list[str]:
    return [agents.render_line(y).text.rstrip() for y in range(len(agents.rows))]


def highlighted_ids(app: AgentsApp) -> list[str]:
    return [m.agent.id for m in app.seen if type(m) is AgentList.AgentHighlighted]


async def test_grouped_rows_with_headings_glyphs_and_states_in_words() -> None:
    app = AgentsApp()
    async with app.run_test(size=(40, 12)) as pilot:
        agents = app.query_one(AgentList)
        agents.show(AGENTS)
        await pilot.pause()
        assert lines(agents) == [
            "Acme · Gates (1)",
            "● Gate 1" + " " * 25 + "ONLINE",
            "Riverbend Water · Pumps (2)",
            "○ pump 1" + " " * 25 + "OFFLINE",
            "● Pump 3" + " " * 25 + "ONLINE",
            "Riverbend Water · Tanks (1)",
            "? Tank 7" + " " * 25 + "UNKNOWN",
        ]
        assert (agents.total_count, agents.shown_count) == (4, 4)
        agents.show(AGENTS, grouped=False)
        await pilot.pause()
        assert [line.split()[1] for line in lines(agents)] == ["Gate", "pump", "Pump", "Tank"]


async def test_state_words_use_the_theme_component_colours() -> None:
    app = AgentsApp()
    async with app.run_test(size=(40, 12)) as pilot:
        agents = app.query_one(AgentList)
        agents.show(AGENTS, grouped=False)
        await pilot.pause()
        # Row 0 carries the cursor, so look at the others.
        for y, state in ((1, "offline"), (2, "online"), (3, "unknown")):
            expected = agents.get_component_rich_style(f"agent-list--{state}").color
            colours = {
                seg.style and seg.style.color for seg in agents.render_line(y) if seg.text.strip() == state.upper()
            }
            assert colours == {expected}
        assert agents.get_component_rich_style("agent-list--online").color != (
            agents.get_component_rich_style("agent-list--offline").color
        )


async def test_filter_counts_and_invalid_regex_leave_the_list_alone() -> None:
    app = AgentsApp()
    async with app.run_test(size=(40, 12)) as pilot:
        agents = app.query_one(AgentList)
        agents.show(AGENTS, query="pump")
        await pilot.pause()
        assert (agents.total_count, agents.shown_count) == (4, 2)
        assert lines(agents)[0] == "Riverbend Water · Pumps (2)"
        with pytest.raises(ValueError, match="invalid regular expression"):
            agents.show(AGENTS, query="/[/")
        assert (agents.total_count, agents.shown_count) == (4, 2)
        assert len(agents.rows) == 3
        agents.show(AGENTS, query="/^(gate|tank)/")
        assert agents.shown_count == 2


async def test_cursor_skips_headings_and_posts_agents() -> None:
    app = AgentsApp()
    async with app.run_test(size=(40, 12)) as pilot:
        agents = app.query_one(AgentList)
        agents.show(AGENTS)
        agents.focus()
        await pilot.pause()
        assert agents.highlighted_agent == AGENTS[3]
        await pilot.press("down", "down", "down", "up")
        assert highlighted_ids(app) == ["4", "2", "1", "3", "1"]
        await pilot.press("enter")
        chosen = [m for m in app.seen if isinstance(m, AgentList.AgentChosen)]
        assert [(m.agent.id, m.control) for m in chosen] == [("1", agents)]


async def test_click_selects_and_chooses() -> None:
    app = AgentsApp()
    async with app.run_test(size=(40, 12)) as pilot:
        agents = app.query_one(AgentList)
        agents.show(AGENTS)
        await pilot.pause()
        await pilot.click(AgentList, offset=(4, 3))
        assert agents.highlighted_agent == AGENTS[1]
        assert [m.agent.id for m in app.seen if isinstance(m, AgentList.AgentChosen)] == ["2"]
        await pilot.click(AgentList, offset=(4, 2))  # a heading
        assert agents.highlighted_agent == AGENTS[1]


async def test_cursor_stays_on_the_same_agent_across_updates() -> None:
    app = AgentsApp()
    async with app.run_test(size=(40, 12)) as pilot:
        agents = app.query_one(AgentList)
        agents.show(AGENTS)
        assert agents.select_agent("3")
        assert not agents.select_agent("nope")
        await pilot.pause()
        assert highlighted_ids(app) == ["4", "3"]
        app.seen.clear()
        updated = [replace(AGENTS[2], connection_determination="online"), *AGENTS[:2], AGENTS[3]]
        updated.append(Agent(id="0", name="aaa", organisation="Aardvark"))
        agents.show(updated)
        await pilot.pause()
        assert agents.highlighted_agent == updated[0]
        assert "● Tank 7" in agents.render_line(agents.cursor_index).text
        assert app.seen == []
        agents.show(AGENTS, query="gate")
        await pilot.pause()
        assert highlighted_ids(app) == ["4"]


async def test_names_are_shown_literally() -> None:
    app = AgentsApp()
    async with app.run_test(size=(50, 12)) as pilot:
        agents = app.query_one(AgentList)
        agents.show(
            [
                Agent(id="1", name="a", display_name="[red]x[/]", group="[b]grp"),
                Agent(id="2", name="b", display_name="evil \x1b[2J\u202e"),
            ],
            grouped=True,
        )
        await pilot.pause()
        text = lines(agents)
        assert text[0] == "[b]grp (1)"
        assert text[1].startswith("? [red]x[/] ")
        assert text[3].startswith("? evil \\x1b[2J\\u202e ")
        assert all("\x1b" not in line for line in text)


class CountingAgents(AgentList):
    cells_built = 0

    def row_cells(self, row: Agent | _Heading) -> Sequence[Text]:
        self.cells_built += 1
        return super().row_cells(row)


class CountingApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CountingAgents()


async def test_five_thousand_agents_render_only_what_is_visible() -> None:
    fleet = [
        Agent(
            id=str(i),
            name=f"dev-{i}",
            organisation=f"Org {i % 3}",
            group=f"Group {i % 40}",
            connection_determination=("online", "offline", "")[i % 3],
        )
        for i in range(5000)
    ]
    app = CountingApp()
    async with app.run_test(size=(40, 20)) as pilot:
        agents = app.query_one(CountingAgents)
        agents.show(fleet)
        await pilot.pause()
        assert agents.shown_count == 5000
        assert len(agents.rows) == 5000 + 120
        assert 0 < agents.cells_built <= 2 * 20
