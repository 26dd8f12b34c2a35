"""The ``:`` command line's grammar: ``:agent NAME``, ``:channel NAME``, ``:apps``, ``:tunnels``, ``:q`` and more."""

from __future__ import annotations

from dataclasses import dataclass

COMMANDS: dict[str, tuple[str, bool]] = {
    "agent": ("open an agent by id or name", True),
    "channel": ("open a channel of the current agent", True),
    "browser": ("the browser (1)", False),
    "apps": ("applications (2)", False),
    "tunnels": ("tunnels (3)", False),
    "log": ("the API log (L)", False),
    "help": ("keys of the focused pane (?)", False),
    "reload": ("reload what is on screen (r)", False),
    "theme": ("switch to a Textual theme", True),
    "profile": ("switch profile (needs a restart)", True),
    "quit": ("leave doover-tui", False),
}
"""Every command: what it does, and whether it takes an argument."""

ALIASES = {"q": "quit", "a": "agent", "c": "channel", "applications": "apps", "t": "tunnels", "b": "browser"}


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed command line: the command's full name and its argument ("" when none)."""

    name: str
    argument: str = ""


def parse_command(text: str) -> Command:
    """Parse what was typed after ``:``.

    Raises:
        ValueError: an unknown command, or a missing argument; the message lists what is known.
    """
    words = text.strip().removeprefix(":").strip().split(maxsplit=1)
    if not words:
        raise ValueError("type a command, e.g. :agent pump, :channel device_status, :apps, :tunnels, :q")
    name = ALIASES.get(words[0].casefold(), words[0].casefold())
    if name not in COMMANDS:
        known = ", ".join(f":{command}" for command in COMMANDS)
        raise ValueError(f"unknown command :{words[0]}; known: {known}")
    argument = words[1].strip() if len(words) > 1 else ""
    if COMMANDS[name][1] and not argument:
        raise ValueError(f":{name} needs an argument ({COMMANDS[name][0]})")
    return Command(name, argument)


def suggestions() -> list[str]:
    """Completions for the command line's input box."""
    return [f"{name} " if takes_argument else name for name, (_, takes_argument) in COMMANDS.items()]
