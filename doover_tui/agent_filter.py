"""Filter and group agents for the agents pane: substring or ``/regex/`` queries, grouped by organisation and group."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from doover_tui.api.models import Agent

AgentPredicate = Callable[[Agent], bool]
"""A test applied to each agent: True keeps it."""


def _haystacks(agent: Agent) -> tuple[str, ...]:
    return (agent.display_name, agent.name, agent.group, agent.organisation, agent.id)


def compile_filter(query: str) -> AgentPredicate:
    """Turn a filter query into a predicate over agents.

    A query written as ``/pattern/`` is a case-insensitive regular expression; anything
    else is a case-insensitive substring. Both look at the display name, name, group,
    organisation and id. An empty (or blank) query matches every agent.

    Raises:
        ValueError: the query is a ``/regex/`` that does not compile.
    """
    text = query.strip()
    if not text:
        return lambda agent: True
    if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
        try:
            pattern = re.compile(text[1:-1], re.IGNORECASE)
        except re.error as error:
            raise ValueError(f"invalid regular expression {text[1:-1]!r}: {error}") from None
        return lambda agent: any(pattern.search(field) for field in _haystacks(agent))
    needle = text.casefold()
    return lambda agent: any(needle in field.casefold() for field in _haystacks(agent))


def group_title(agent: Agent) -> str:
    """The heading an agent is listed under: ``organisation · group`` (or what exists of them)."""
    parts = [part for part in (agent.organisation, agent.group) if part]
    return " · ".join(parts) if parts else "(no group)"


def _group_sort_key(agent: Agent) -> tuple[bool, str, bool, str]:
    # Agents without an organisation or group sort after the named ones, not before.
    return (not agent.organisation, agent.organisation.casefold(), not agent.group, agent.group.casefold())


def _label_sort_key(agent: Agent) -> tuple[str, str]:
    return (agent.label.casefold(), agent.id)


def group_agents(agents: Iterable[Agent], *, grouped: bool) -> list[tuple[str | None, list[Agent]]]:
    """Sort agents by organisation and group, then by label (case-insensitively).

    Returns:
        ``(title, agents)`` pairs in display order; with ``grouped=False`` a single
        ``(None, all agents sorted by label)`` pair (or none when there are no agents).
    """
    if not grouped:
        flat = sorted(agents, key=_label_sort_key)
        return [(None, flat)] if flat else []
    buckets: dict[tuple[bool, str, bool, str], list[Agent]] = {}
    for agent in agents:
        buckets.setdefault(_group_sort_key(agent), []).append(agent)
    result: list[tuple[str | None, list[Agent]]] = []
    for key in sorted(buckets):
        members = sorted(buckets[key], key=_label_sort_key)
        result.append((group_title(members[0]), members))
    return result
