"""The agents pane: agents filtered and grouped under headings, with their online state in words and colour."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.message import Message

from doover_tui.agent_filter import compile_filter, group_agents
from doover_tui.api.models import Agent
from doover_tui.literal import printable
from doover_tui.widgets.row_list import Column, RowList

_GLYPHS = {"ONLINE": "●", "OFFLINE": "○", "UNKNOWN": "?"}


@dataclass(frozen=True, slots=True)
class _Heading:
    """A group heading row."""

    key: tuple[str, str]
    title: str


class AgentList(RowList[Agent | _Heading]):
    """Agents in groups (or flat), filtered by a query; the cursor follows an agent across updates.

    Keys are RowList's (``rows.*`` ids): up/down, pageup/pagedown, home/g, end/G, and enter to choose.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"agent-list--online", "agent-list--offline", "agent-list--unknown"}

    DEFAULT_CSS = """
    AgentList {
        & > .agent-list--online { color: $text-success; }
        & > .agent-list--offline { color: $text-error; }
        & > .agent-list--unknown { color: $text-warning; }
    }
    """

    @dataclass
    class AgentHighlighted(Message):
        """The cursor moved to an agent."""

        agent_list: AgentList
        """The list that posted this."""
        agent: Agent
        """The agent under the cursor."""

        @property
        def control(self) -> AgentList:
            """The list that posted this."""
            return self.agent_list

    @dataclass
    class AgentChosen(AgentHighlighted):
        """Enter or a click chose an agent."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        columns = (Column("", width=1), Column("Agent"), Column("State", width=7))
        super().__init__(columns, show_header=False, name=name, id=id, classes=classes)
        self._total = 0
        self._shown = 0

    @property
    def total_count(self) -> int:
        """How many agents were given to the last ``show``."""
        return self._total

    @property
    def shown_count(self) -> int:
        """How many of them passed the filter."""
        return self._shown

    @property
    def highlighted_agent(self) -> Agent | None:
        """The agent under the cursor."""
        row = self.cursor_row
        return row if isinstance(row, Agent) else None

    def show(self, agents: Sequence[Agent], *, query: str = "", grouped: bool = True) -> None:
        """Show the agents matching ``query``, grouped or flat, keeping the cursor on the same agent.

        Raises:
            ValueError: the query is an invalid ``/regex/``; nothing shown changes.
        """
        matches = compile_filter(query)
        shown = [agent for agent in agents if matches(agent)]
        rows: list[Agent | _Heading] = []
        for title, members in group_agents(shown, grouped=grouped):
            if title is not None:
                rows.append(_Heading(("heading", title), f"{title} ({len(members)})"))
            rows.extend(members)
        self._total, self._shown = len(agents), len(shown)
        self.set_rows(rows)

    def select_agent(self, agent_id: str) -> bool:
        """Move the cursor to the agent with ``agent_id``; False when it is not shown."""
        return self.select_key(agent_id)

    def row_key(self, row: Agent | _Heading) -> Hashable:
        """Agents are keyed by id, headings by their title."""
        return row.id if isinstance(row, Agent) else row.key

    def row_is_heading(self, row: Agent | _Heading) -> bool:
        """Group headings are not selectable."""
        return isinstance(row, _Heading)

    def row_cells(self, row: Agent | _Heading) -> Sequence[Text]:
        """State glyph, label and state in words; or the heading title."""
        if isinstance(row, _Heading):
            return [Text(printable(row.title))]
        state = row.online_state
        style = self.get_component_rich_style(f"agent-list--{state.lower()}", partial=True)
        return [Text(_GLYPHS[state], style=style), Text(printable(row.label)), Text(state, style=style)]

    def cursor_moved(self, index: int) -> None:
        """Say which agent the cursor is on."""
        self._post_agent(index, self.AgentHighlighted)

    def row_chosen(self, index: int) -> None:
        """Say which agent was chosen."""
        self._post_agent(index, self.AgentChosen)

    def _post_agent(self, index: int, message: type[AgentList.AgentHighlighted]) -> None:
        row = self.rows[index]
        if isinstance(row, Agent):
            self.post_message(message(self, row))
