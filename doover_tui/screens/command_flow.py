"""What a ``:`` command does: parse the line, then switch area, open an agent or channel, or say why not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from doover_tui.command_line import parse_command

if TYPE_CHECKING:
    from doover_tui.app import DooverApp


def run_command(app: DooverApp, text: str) -> None:
    """Do what the command line ``text`` says, or say in a toast why not."""
    try:
        command = parse_command(text)
    except ValueError as exc:
        app.notify(str(exc), title="Command line", severity="error", markup=False)
        return
    modes = {"browser": "browser", "apps": "applications", "tunnels": "tunnels"}
    simple = {"log": app.action_api_log, "help": app.action_toggle_help, "quit": app.action_quit}
    if command.name in modes:
        app.switch_mode(modes[command.name])
    elif command.name in simple:
        simple[command.name]()
    elif command.name == "agent":
        app.open_agent(command.argument)
    elif command.name == "channel":
        app.open_channel(command.argument)
    elif command.name == "reload":
        app.browser.action_refresh()
    elif command.name == "theme":
        _switch_theme(app, command.argument)
    elif command.name == "profile":
        app.notify(f"switching profile needs a restart: doover-tui --profile {command.argument}", markup=False)


def _switch_theme(app: DooverApp, name: str) -> None:
    if name in app.available_themes:
        app.theme = name
    else:
        app.notify(f"no theme {name!r}; try ctrl+p → Theme", severity="error", markup=False)
