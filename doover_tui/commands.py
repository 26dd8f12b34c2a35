"""Command palette providers: jump to an agent or a channel from anywhere (ctrl+p)."""

from __future__ import annotations

from functools import partial
from typing import Any

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from doover_tui.literal import printable
from doover_tui.screens.browser import BrowserScreen


def _browser(provider: Provider) -> BrowserScreen | None:
    browser = getattr(provider.app, "browser", None)
    return browser if isinstance(browser, BrowserScreen) else None


class AgentsProvider(Provider):
    """Every loaded agent, by name, group or id."""

    async def search(self, query: str) -> Hits:
        """Agents whose label, group or id match the query."""
        browser = _browser(self)
        if browser is None:
            return
        matcher = self.matcher(query)
        for agent in browser.agents:
            label = printable(agent.label)
            haystack = f"agent {label} {printable(agent.group)} {agent.id}"
            score = matcher.match(haystack)
            if score > 0:
                yield Hit(
                    score,
                    Text(f"agent {label} · {agent.online_state}"),
                    partial(self._open, agent.id),
                    text=haystack,
                    help=printable(f"{agent.organisation} · {agent.group}".strip(" ·")),
                )

    def _open(self, agent_id: str) -> None:
        open_agent: Any = getattr(self.app, "open_agent", None)
        if open_agent is not None:
            open_agent(agent_id)


class ChannelsProvider(Provider):
    """The channels of the agent open in the browser."""

    async def discover(self) -> Hits:
        """List them all when nothing is typed."""
        browser = _browser(self)
        if browser is None:
            return
        for channel in browser.channels:
            text = f"channel {printable(channel.name)}"
            yield DiscoveryHit(Text(text), partial(self._open, channel.name), text=text)

    async def search(self, query: str) -> Hits:
        """Channels whose name matches the query."""
        browser = _browser(self)
        if browser is None:
            return
        matcher = self.matcher(query)
        for channel in browser.channels:
            text = f"channel {printable(channel.name)}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, Text(text), partial(self._open, channel.name), text=text)

    def _open(self, name: str) -> None:
        open_channel: Any = getattr(self.app, "open_channel", None)
        if open_channel is not None:
            open_channel(name)
