"""``doover-tui emulator``: run the emulator in the foreground, and optionally write a profile for it.

The token is printed only with ``--show-token``: tokens are never printed or logged by default,
and ``--write-profile`` hands it to doover-tui, pydoover and doover-cli without showing it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from doover_tui.config.errors import ConfigError
from doover_tui.config.paths import Paths
from doover_tui.config.profiles import format_expiry, update_profile
from doover_tui.emulator.auth import CLIENT_ID

if TYPE_CHECKING:
    from doover_tui.emulator.app import EmulatorConfig
    from doover_tui.emulator.server import Urls

TEN_YEARS_S = 10 * 365 * 86400


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator's own options."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; others are warned about)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where the SQLite database lives (default: the user data dir; ':memory:' keeps nothing)",
    )
    parser.add_argument("--token", help="the bearer token clients must send (default: one generated and kept)")
    parser.add_argument(
        "--fleet", choices=("small", "large"), default="small", help="which fleet to seed a new database with"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the fleet and simulation (default 1)")
    parser.add_argument("--no-simulate", action="store_true", help="no live telemetry")
    parser.add_argument(
        "--faults",
        metavar="SPEC",
        default="",
        # Not faults.EXAMPLE: importing faults here would slow every `doover-tui --help` (a test keeps them alike).
        help="inject faults, e.g. latency=200ms,error_rate=0.1,status=503,rate_limit=20/s,drop_ws=30s,"
        "truncate=0.05,malformed=0.05,seed=1 (methods=PATCH+PUT limits them to those methods)",
    )
    parser.add_argument(
        "--activation-delay",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="how long tunnel (de)activation takes, as the real service's is asynchronous (default 1)",
    )
    parser.add_argument(
        "--token-ttl",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="lifetime of tokens issued by the refresh and client-credentials grants (default 3600)",
    )
    parser.add_argument(
        "--write-profile", metavar="NAME", help="add or update [profile=NAME] in ~/.doover/config for this emulator"
    )
    parser.add_argument(
        "--show-token",
        action="store_true",
        help="print the token at start (hidden by default: terminals are recorded and shared; prefer --write-profile)",
    )


def database_path(data_dir: str | None, paths: Paths, fleet: str) -> Path | str:
    """The database file for a fleet in ``data_dir`` (or ``:memory:``)."""
    if data_dir == ":memory:":
        return ":memory:"
    directory = Path(data_dir).expanduser() if data_dir else paths.data_dir
    return directory / f"emulator-{fleet}.sqlite3"


def write_profile(paths: Paths, name: str, root: str, token: str, refresh_token: str) -> None:
    """Point ``[profile=NAME]`` at an emulator (round-trip safe, 0600), so pydoover and doover-cli work unchanged."""
    update_profile(
        paths.doover_config,
        name,
        {
            "TOKEN": token,
            "TOKEN_EXPIRES": format_expiry(time.time() + TEN_YEARS_S),
            "BASE_URL": root,
            "REFRESH_TOKEN": refresh_token,
            "BASE_DATA_URL": f"{root}/api",
            "AUTH_SERVER_URL": root,
            "AUTH_SERVER_CLIENT_ID": CLIENT_ID,
        },
    )


def run(args: argparse.Namespace, paths: Paths, out: TextIO = sys.stdout) -> int:
    """Serve until interrupted; returns the exit code."""
    from doover_tui.emulator.app import Emulator, EmulatorConfig
    from doover_tui.emulator.faults import parse_faults
    from doover_tui.emulator.server import RunningEmulator, Urls, bind, is_loopback

    try:
        faults = parse_faults(args.faults)
    except ValueError as exc:
        print(f"doover-tui: {exc}", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        print(
            f"doover-tui: warning: binding {args.host}: the emulator is reachable from other machines", file=sys.stderr
        )
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"doover-tui: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    config = EmulatorConfig(
        database=database_path(args.data_dir, paths, args.fleet),
        token=args.token,
        fleet=args.fleet,
        seed=args.seed,
        simulate=not args.no_simulate,
        faults=faults,
        activation_delay=max(0.0, args.activation_delay),
        token_ttl=max(1.0, args.token_ttl),
    )
    started = time.perf_counter()
    emulator = Emulator(config)
    server = RunningEmulator(emulator, sock)
    urls = Urls.at(*sock.getsockname()[:2])
    if args.write_profile:
        try:
            write_profile(paths, args.write_profile, urls.root, emulator.token, emulator.auth.refresh_token)
        except ConfigError as exc:
            print(f"doover-tui: {exc}", file=sys.stderr)
            return 2
    server.start()
    try:
        # Announced inside the try: a Ctrl+C right after "Press Ctrl+C" must still stop cleanly.
        token = emulator.token if args.show_token else hidden_token(args.write_profile, given=args.token is not None)
        elapsed = time.perf_counter() - started
        _announce(out, urls, token, config, args.write_profile, paths, elapsed, args.faults.strip())
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def hidden_token(profile: str | None, *, given: bool) -> str:
    """What the start-up lines say instead of the token: where to find it."""
    if profile:
        where = f"in [profile={profile}]"
    elif given:
        where = "as given by --token"
    else:
        where = "use --write-profile NAME to hand it to clients"
    return f"*** ({where}; --show-token prints it)"


def _announce(
    out: TextIO,
    urls: Urls,
    token: str,
    config: EmulatorConfig,
    profile: str | None,
    paths: Paths,
    seconds: float,
    faults: str = "",
) -> None:
    lines = [
        f"Doover emulator ready in {seconds:.1f} s ({config.fleet} fleet, database {config.database})",
        f"  data API     {urls.data}",
        f"  control API  {urls.control}",
        f"  gateway      {urls.gateway}",
        f"  token        {token}",
    ]
    if profile:
        lines.append(f"  profile      [{profile}] written to {paths.doover_config}: doover-tui --profile {profile}")
    if faults:
        # Said plainly, so nobody mistakes injected failures for a broken client.
        lines.append(f"  faults       {faults} (injected on purpose)")
    lines.append("Press Ctrl+C to stop.")
    print("\n".join(lines), file=out, flush=True)
