"""The ``doover-tui`` command line: flags → settings → connection → app; ``info`` prints the resolved setup.

Nothing heavy (Textual, httpx) is imported until a command needs it, so ``--help``,
``--version`` and ``info`` answer at once.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from doover_tui import __version__
from doover_tui.config.connection import (
    Connection,
    ConnectOptions,
    ServiceCredentials,
    UserCredentials,
    resolve_connection,
)
from doover_tui.config.errors import ConfigError
from doover_tui.config.paths import Paths, default_paths
from doover_tui.config.settings import Settings, load_settings
from doover_tui.emulator.cli import add_arguments as add_emulator_arguments
from doover_tui.emulator.cli import run as run_emulator

if TYPE_CHECKING:
    from doover_tui.app import DooverApp

EXIT_USAGE = 2
"""Bad configuration or arguments, as argparse itself uses."""


def _connection_flags(*, suppress_defaults: bool = False) -> argparse.ArgumentParser:
    # A subcommand's copy must not default its flags: argparse would overwrite the
    # values given before the subcommand (`doover-tui --profile x info`) with None.
    default = argparse.SUPPRESS if suppress_defaults else None
    flags = argparse.ArgumentParser(add_help=False, argument_default=default)
    group = flags.add_argument_group("connection")
    group.add_argument("--profile", metavar="NAME", help="profile in ~/.doover/config (default: default)")
    group.add_argument("--org", metavar="ID", help="organisation id (sent as X-Doover-Organisation)")
    group.add_argument("--data-url", metavar="URL", help="data API base URL, with its /api suffix")
    group.add_argument("--control-url", metavar="URL", help="control API base URL")
    group.add_argument(
        "--gateway-url",
        metavar="URL",
        help="live gateway WebSocket URL (default: derived from the data URL)",
    )
    group.add_argument("--client-id", metavar="ID", help="service-account client id (or DOOVER_CLIENT_ID)")
    group.add_argument(
        "--client-secret",
        metavar="SECRET",
        help="service-account secret; prefer DOOVER_CLIENT_SECRET, as other users can see command lines",
    )
    group.add_argument("--read-only", action="store_true", default=default or False, help="refuse every write")
    return flags


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    flags = _connection_flags()
    parser = argparse.ArgumentParser(
        prog="doover-tui",
        description="A terminal cockpit for fleets of Doover devices.",
        parents=[flags],
    )
    parser.add_argument("--version", action="version", version=f"doover-tui {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="no account needed: open on a local emulator with a demo fleet"
    )
    parser.add_argument("--agent", metavar="ID|NAME", help="open on this agent")
    parser.add_argument("--channel", metavar="NAME", help="open on this channel (with --agent)")
    parser.add_argument("--theme", metavar="NAME", help="Textual theme (default: from settings)")
    parser.add_argument("--debug", action="store_true", help="log at debug level")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "info",
        parents=[_connection_flags(suppress_defaults=True)],
        help="show the resolved profile, endpoints, token state and paths (never the token)",
    )
    emulator = commands.add_parser(
        "emulator", help="run a local Doover-compatible server (for the demo, tests and app developers)"
    )
    add_emulator_arguments(emulator)
    return parser


def _options(args: argparse.Namespace) -> ConnectOptions:
    return ConnectOptions(
        profile=args.profile,
        data_url=args.data_url,
        control_url=args.control_url,
        gateway_url=args.gateway_url,
        organisation=args.org,
        client_id=args.client_id,
        client_secret=args.client_secret,
        read_only=args.read_only,
    )


def run_in_terminal(app: DooverApp) -> int:
    """Run the built app in the terminal until it exits; its exit code."""
    app.run()
    return app.return_code or 0


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    run_app: Callable[[DooverApp], int] = run_in_terminal,
) -> int:
    """Run the command line; returns the exit code.

    ``run_app`` runs the app once it is built: the benchmarks drive it headless through this.
    """
    args = build_parser().parse_args(argv)
    environment = os.environ if env is None else env
    paths = default_paths()
    if args.command == "emulator":
        return run_emulator(args, paths)
    try:
        settings = load_settings(paths.settings_file)
        if args.demo:
            return _run_demo(args, settings, paths, run_app)
        connection = resolve_connection(_options(args), environment, paths, settings)
    except ConfigError as exc:
        print(f"doover-tui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for warning in connection.warnings:
        print(f"doover-tui: warning: {warning}", file=sys.stderr)
    if args.command == "info":
        print_info(connection, settings, paths, sys.stdout)
        return 0
    return _run_app(args, connection, settings, paths, run_app)


def _run_demo(args: argparse.Namespace, settings: Settings, paths: Paths, run_app: Callable[[DooverApp], int]) -> int:
    """Start the emulator with the small fleet on a free loopback port, and open the app on it."""
    from doover_tui.emulator.app import EmulatorConfig
    from doover_tui.emulator.server import running

    with running(EmulatorConfig(database=":memory:")) as emulator:
        urls = emulator.urls
        connection = Connection(
            source="demo (local emulator)",
            profile_name=None,
            profile_path=paths.doover_config,
            data_url=urls.data,
            control_url=urls.control,
            gateway_url=urls.gateway,
            auth_server_url=urls.root,
            organisation_id=args.org,
            credentials=UserCredentials(emulator.emulator.token, None),
            read_only=args.read_only,
        )
        return _run_app(args, connection, settings, paths, run_app)


def _run_app(
    args: argparse.Namespace,
    connection: Connection,
    settings: Settings,
    paths: Paths,
    run_app: Callable[[DooverApp], int],
) -> int:
    credentials = connection.credentials
    if not isinstance(credentials, ServiceCredentials) and not credentials.token and not credentials.refresh_token:
        print(
            f"doover-tui: {connection.source} has no TOKEN; log in with `doover login`",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from doover_tui.app import DooverApp
    from doover_tui.connect import build_client
    from doover_tui.logs import setup_logging
    from doover_tui.request_log import RequestLog
    from doover_tui.screens.browser_support import BrowserOptions
    from doover_tui.snapshot import Snapshot, snapshot_path
    from doover_tui.store import Store

    request_log = RequestLog()
    client = build_client(connection, settings, on_request=request_log.record)
    setup_logging(paths.log_file, debug=args.debug, secrets=client.tokens.secrets)
    scope = (connection.profile_name or "", connection.organisation_id or "")
    store = Store(
        client,
        cache_ages=settings.cache,
        read_only=connection.read_only,
        message_window=settings.message_window,
        request_log=request_log,
        poll_interval=settings.poll_interval,
        snapshot=Snapshot(snapshot_path(paths.cache_dir, client.endpoints.data_url, *scope)),
    )
    options = BrowserOptions(
        source=connection.source,
        host=connection.control_url.split("://", 1)[-1].rstrip("/"),
        organisation=connection.organisation_id,
        agent=args.agent,
        channel=args.channel,
        message_window=settings.message_window,
        drafts_dir=paths.state_dir / "drafts",
        log_update=settings.log_update,
    )
    app = DooverApp(store, options, theme=args.theme or settings.theme, keymap=settings.keymap)
    for warning in connection.warnings:  # also said on stderr, but the screen hides that at once
        app.notify(warning, title="Not encrypted", severity="warning", timeout=30, markup=False)
    return run_app(app)


def print_info(connection: Connection, settings: Settings, paths: Paths, out: TextIO) -> None:
    """Print what ``info`` shows: where we would connect and with what, never a secret."""
    from doover_tui.connect import endpoints_of

    endpoints = endpoints_of(connection)
    rows = [
        ("source", connection.source),
        ("data API", endpoints.data_url),
        ("control API", endpoints.control_url),
        (
            "gateway",
            endpoints.gateway_url + ("" if connection.gateway_url else "  (derived from the data URL)"),
        ),
        ("organisation", connection.organisation_id or "(none: the token's default)"),
        ("token", _token_summary(connection)),
        ("read-only", "yes" if connection.read_only else "no"),
        ("theme", settings.theme),
        ("profile file", _exists(paths.doover_config)),
        ("settings", _exists(paths.settings_file)),
        ("cache", str(paths.cache_dir)),
        ("state", str(paths.state_dir)),
        ("log", str(paths.log_file)),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}", file=out)


def _token_summary(connection: Connection) -> str:
    credentials = connection.credentials
    if isinstance(credentials, ServiceCredentials):
        return "service account: a token is requested at start (client credentials) and renewed before expiry"
    if not credentials.token:
        present = "absent"
    elif credentials.expires_at is None:
        present = "present, no expiry known"
    else:
        present = f"present, {_expiry_words(credentials.expires_at)}"
    refreshable = "refreshable" if credentials.refresh_token and credentials.client_id else "not refreshable"
    return f"{present}; {refreshable}"


def _expiry_words(expires_at: float) -> str:
    moment = datetime.fromtimestamp(expires_at, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    remaining = expires_at - time.time()
    if remaining <= 0:
        return f"expired {moment} ({_duration(-remaining)} ago)"
    return f"expires {moment} (in {_duration(remaining)})"


def _duration(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{int(seconds)} s"


def _exists(path: os.PathLike[str]) -> str:
    return f"{path}" if os.path.exists(path) else f"{path}  (not present)"
