"""Agent filtering (substring and /regex/) and grouping order."""

from __future__ import annotations

import pytest

from doover_tui.agent_filter import compile_filter, group_agents, group_title
from doover_tui.api.models import Agent

AGENTS = [
    Agent(id="11", name="pump-3", display_name="Pump 3", organisation="Riverbend Water", group="Pumps"),
    Agent(id="12", name="tank-7", display_name="Tank 7", organisation="Riverbend Water", group="Tanks"),
    Agent(id="13", name="gate-1", display_name="", organisation="Acme", group="Gates"),
    Agent(id="14", name="weather", display_name="weather station", organisation="riverbend water", group="pumps"),
    Agent(id="15", name="loose", display_name="Loose one"),
    Agent(id="16", name="alpha", display_name="alpha", organisation="Acme"),
]


def matching(query: str) -> list[str]:
    matches = compile_filter(query)
    return [agent.id for agent in AGENTS if matches(agent)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("PUMP", ["11", "14"]),  # display name / name, and group "pumps"
        ("tank-7", ["12"]),  # internal name
        ("acme", ["13", "16"]),  # organisation
        ("gates", ["13"]),  # group
        ("15", ["15"]),  # id
        ("nothing like it", []),
    ],
)
def test_substring_is_case_insensitive_over_every_field(query: str, expected: list[str]) -> None:
    assert matching(query) == expected


def test_empty_or_blank_query_matches_all() -> None:
    assert matching("") == [agent.id for agent in AGENTS]
    assert matching("   ") == [agent.id for agent in AGENTS]


def test_slashes_make_a_case_insensitive_regex() -> None:
    assert matching(r"/^(pump|tank) \d$/") == ["11", "12"]
    assert matching("/^GATE-/") == ["13"]
    # Without the closing slash it is an ordinary substring.
    assert matching("/^gate") == []


def test_invalid_regex_raises_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"invalid regular expression '\(unclosed'"):
        compile_filter("/(unclosed/")


def test_grouped_order_is_organisation_then_group_then_label_casefolded() -> None:
    groups = group_agents(AGENTS, grouped=True)
    assert [(title, [agent.id for agent in members]) for title, members in groups] == [
        ("Acme · Gates", ["13"]),
        ("Acme", ["16"]),
        # Same organisation and group in another case fall into one group.
        ("Riverbend Water · Pumps", ["11", "14"]),
        ("Riverbend Water · Tanks", ["12"]),
        ("(no group)", ["15"]),
    ]


def test_flat_gives_one_untitled_group_sorted_by_label() -> None:
    assert [(title, [a.label for a in members]) for title, members in group_agents(AGENTS, grouped=False)] == [
        (None, ["alpha", "gate-1", "Loose one", "Pump 3", "Tank 7", "weather station"])
    ]
    assert group_agents([], grouped=False) == []
    assert group_agents([], grouped=True) == []


def test_group_title_uses_what_exists() -> None:
    assert group_title(AGENTS[0]) == "Riverbend Water · Pumps"
    assert group_title(Agent(id="1", name="x", group="Pumps")) == "Pumps"
    assert group_title(Agent(id="1", name="x")) == "(no group)"
