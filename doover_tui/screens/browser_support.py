"""Pure helpers of the browser screen: its options, finding an agent by id or name, status-bar facts."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from doover_tui.api.models import Agent, ChannelRef
from doover_tui.cache import CacheKey
from doover_tui.store import Store
from doover_tui.store_events import FeedState
from doover_tui.widgets.status_bar import StatusFacts


@dataclass(frozen=True, slots=True)
class BrowserOptions:
    """What the command line and settings tell the browser.

    Attributes:
        source: where the connection came from, in words (shown in the status bar).
        host: the API host shown in the status bar.
        organisation: the organisation header, if set.
        agent: open on this agent (id or name) once agents load.
        channel: then open this channel of it.
        message_window: the most messages kept on screen per channel.
        wall_clock: the time now in Unix seconds, for ages ("3 min"); fixed for screenshots.
        drafts_dir: where unsent edits are kept (the state directory); None keeps them nowhere.
        log_update: aggregate edits are also recorded in the channel's message log.
    """

    source: str
    host: str
    organisation: str | None = None
    agent: str | None = None
    channel: str | None = None
    message_window: int = 2000
    wall_clock: Callable[[], float] = time.time
    drafts_dir: Path | None = None
    log_update: bool = True


def find_agent(agents: Sequence[Agent], wanted: str) -> Agent | None:
    """The agent with id ``wanted``, else the one named so (any case), else the only one whose name contains it."""
    for agent in agents:
        if agent.id == wanted:
            return agent
    folded = wanted.casefold()
    for agent in agents:
        if folded in (agent.label.casefold(), agent.name.casefold()):
            return agent
    partial = [agent for agent in agents if folded in agent.label.casefold() or folded in agent.name.casefold()]
    return partial[0] if len(partial) == 1 else None


def shown_key(agent: Agent | None, channel: ChannelRef | None) -> CacheKey:
    """The cache key of the data the user is looking at (its age is the one the status bar shows)."""
    if channel is not None:
        return ("aggregate", channel)
    if agent is not None:
        return ("channels", agent.id)
    return ("agents",)


def _freshest(store: Store, key: CacheKey) -> float | None:
    """The age of what is on screen; for a channel, of its aggregate or messages, whichever is newer."""
    if key[0] != "aggregate":
        return store.age(key)
    ages = [age for age in (store.age(key), store.age(("messages", key[1]))) if age is not None]
    return min(ages) if ages else None


def status_facts(store: Store, options: BrowserOptions, key: CacheKey, note: str) -> StatusFacts:
    """The status bar's facts, read from the store now."""
    feed = store.feed_state
    # Before a channel is followed there is nothing live or polled to speak of, unless the API is unreachable.
    show_feed = bool(store.followed) or feed is FeedState.OFFLINE
    return StatusFacts(
        source=options.source,
        host=options.host,
        organisation=options.organisation,
        read_only=store.read_only,
        feed=feed.name if show_feed else "",
        feed_detail=store.feed_detail if show_feed else "",
        age=_freshest(store, key),
        stale=store.served_offline(key),
        errors=store.request_log.error_count,
        note=note,
    )
