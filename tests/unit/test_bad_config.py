"""Malformed ``~/.doover/config`` files through the real command line: a clear one-line error, the file untouched."""

from __future__ import annotations

import os
import pathlib
import re
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from doover_tui.api.auth import StaticToken
from doover_tui.api.client import DooverClient, Endpoints, new_http_client
from doover_tui.app import DooverApp
from doover_tui.cli import main
from doover_tui.config.profiles import load_profiles, update_profile
from doover_tui.emulator.app import EmulatorConfig
from doover_tui.emulator.server import RunningEmulator, Urls, running
from doover_tui.request_log import RequestLog
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.store import Store
from doover_tui.widgets.agent_list import AgentList
from doover_tui.widgets.status_bar import StatusBar
from tests.app.harness import until
from tests.conftest import make_jwt
from tests.emulator_fixtures import TOKEN

ESC = "\x1b"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where DOOVER_CONFIG_FILE points (nothing is there until a test writes it)."""
    path = tmp_path / "dot-doover" / "config"
    path.parent.mkdir()
    monkeypatch.setenv("DOOVER_CONFIG_FILE", str(path))
    return path


@dataclass(frozen=True)
class Outcome:
    """What one run of ``doover-tui`` printed and returned."""

    code: int
    out: str
    err: str


def run_info(capsys: pytest.CaptureFixture[str], *argv: str) -> Outcome:
    """``doover-tui info ARGV`` in-process: resolving the connection is the same as for the app itself."""
    code = main(["info", *argv])
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def assert_one_clean_line(outcome: Outcome) -> str:
    """Exit code 2, nothing on stdout, one line on stderr with no traceback and no raw control character."""
    assert outcome.code == 2
    assert outcome.out == ""
    assert "Traceback" not in outcome.err
    assert outcome.err.startswith("doover-tui: ")
    assert outcome.err.endswith("\n")
    assert outcome.err.count("\n") == 1
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", outcome.err), outcome.err
    return outcome.err.removeprefix("doover-tui: ").rstrip("\n")


GOOD = b"[profile=default]\nTOKEN=abc.def.ghi\n"

# (id, file bytes, extra argv, line the message must name, what it must say)
MALFORMED: list[tuple[str, bytes, tuple[str, ...], int, str]] = [
    ("binary garbage", GOOD + b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", (), 3, "is not UTF-8 text"),
    ("latin-1 value", GOOD + b"BASE_URL=https://d\xf6\xf6ver.example\n", (), 3, "is not UTF-8 text"),
    ("utf-16 le", "[profile=default]\r\nTOKEN=x\r\n".encode("utf-16"), (), 1, "is UTF-16 text"),
    ("utf-16 be", b"\xfe\xff" + "[profile=default]\n".encode("utf-16-be"), (), 1, "is UTF-16 text"),
    ("missing =", GOOD + b"BASE_URL https://api.example\n", (), 3, "expected KEY=VALUE in [profile=default]"),
    (
        "missing = crlf",
        GOOD.replace(b"\n", b"\r\n") + b"\r\n\r\n[profile=b]\r\nnonsense\r\n",
        ("--profile", "b"),
        6,
        "expected KEY=VALUE in [profile=b], found 'nonsense'",
    ),
    ("duplicate profile", GOOD + b"\n[profile=default]\nTOKEN=other\n", (), 4, "defined twice (first at line 1)"),
    ("expires words", GOOD + b"TOKEN_EXPIRES=tomorrow\n", (), 3, "TOKEN_EXPIRES='tomorrow' is neither"),
    ("expires bad date", GOOD + b"TOKEN_EXPIRES=2026-02-30T00:00:00Z\n", (), 3, "is neither Unix seconds"),
    ("expires nan", GOOD + b"TOKEN_EXPIRES=nan\n", (), 3, "TOKEN_EXPIRES='nan' is not a time between 1970"),
    ("expires inf", GOOD + b"TOKEN_EXPIRES=-inf\n", (), 3, "TOKEN_EXPIRES='-inf' is not a time"),
    ("expires 1e300", GOOD + b"TOKEN_EXPIRES=1e300\n", (), 3, "TOKEN_EXPIRES='1e300' is not a time"),
    ("expires negative", GOOD + b"TOKEN_EXPIRES=-99999999999999\n", (), 3, "is not a time between 1970"),
    ("expires past 9999", GOOD + b"TOKEN_EXPIRES=9999-12-31T23:59:59-05:00\n", (), 3, "is not a time between"),
    ("expires before 1", GOOD + b"TOKEN_EXPIRES=0001-01-01T00:00:00+05:00\n", (), 3, "is not a time between"),
    ("header with spaces", b"# mine\n\n[profile = default]\nTOKEN=x\n", (), 3, "write it as [profile=default]"),
    ("comment on the header", b"# mine\n[profile=default]\nTOKEN=x\n", (), 2, "put a blank line before it"),
    ("header unclosed", b"[profile=default\nTOKEN=x\n", (), 1, "'[profile=default' is not read as a profile"),
    ("header capitalised", b"[Profile=default]\nTOKEN=x\n", (), 1, "write it as [profile=default]"),
    ("doover 1 profile", b"[profile=old]\nUSERNAME=u\nPASSWORD=cA==\n", ("--profile", "old"), 1, "Doover 1 profile"),
    (
        "escapes in a bad line",
        GOOD + f"{ESC}]52;c;SGVsbG8{ESC}\\ {ESC}[2J \u202e\n".encode(),
        (),
        3,
        "found '\\x1b]52;c;SGVsbG8\\x1b\\\\ \\x1b[2J \\u202e'",
    ),
]


@pytest.mark.parametrize(
    ("content", "argv", "line", "says"), [case[1:] for case in MALFORMED], ids=[c[0] for c in MALFORMED]
)
def test_a_malformed_file_names_file_and_line_and_is_left_alone(
    config: Path, capsys: pytest.CaptureFixture[str], content: bytes, argv: tuple[str, ...], line: int, says: str
) -> None:
    config.write_bytes(content)
    message = assert_one_clean_line(run_info(capsys, *argv))
    assert message.startswith(f"{config}:{line}: "), message
    assert says in message
    assert config.read_bytes() == content


def test_the_message_about_a_line_shows_escape_sequences_escaped(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_bytes(f"[profile={ESC}[2Jx]\nTOKEN=a\n\n[profile={ESC}[2Jx]\n".encode())
    message = assert_one_clean_line(run_info(capsys, "--profile", f"{ESC}[2Jx"))
    assert message.endswith("profile '\\x1b[2Jx' is defined twice (first at line 1)")


@pytest.mark.parametrize(
    ("make", "says"),
    [
        ("directory", "cannot read: Is a directory"),
        ("symlink loop", "cannot read: Too many levels of symbolic links"),
    ],
)
def test_a_config_that_is_not_a_readable_file(
    config: Path, capsys: pytest.CaptureFixture[str], make: str, says: str
) -> None:
    if make == "directory":
        config.mkdir()
    else:
        config.symlink_to(config.parent / "loop")
        (config.parent / "loop").symlink_to(config)
    assert assert_one_clean_line(run_info(capsys)) == f"{config}: {says}"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a 0000 file")
def test_an_unreadable_file(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_bytes(GOOD)
    config.chmod(0)
    try:
        assert assert_one_clean_line(run_info(capsys)) == f"{config}: cannot read: Permission denied"
    finally:
        config.chmod(0o600)
    assert config.read_bytes() == GOOD


def test_an_unreadable_file_even_as_root(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config.write_bytes(GOOD)
    config.chmod(0)
    real = pathlib.Path.read_bytes

    def as_a_user(self: Path) -> bytes:
        if self == config:  # what a non-root user gets from a 0000 file
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", as_a_user)
    assert assert_one_clean_line(run_info(capsys)) == f"{config}: cannot read: Permission denied"


def test_a_dangling_symlink_is_no_file(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.symlink_to(config.parent / "gone")
    message = assert_one_clean_line(run_info(capsys))
    assert message.startswith(f"no Doover profile file at {config}. Run `doover login`")


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"# only a comment\n", b"\xef\xbb\xbf"], ids=repr)
def test_an_empty_file_says_there_are_no_profiles(
    config: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    config.write_bytes(content)
    assert assert_one_clean_line(run_info(capsys)) == f"no profile 'default' in {config}; available: none"
    assert config.read_bytes() == content


def test_an_unknown_profile_lists_every_profile_there_is(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = (
        "[profile=default]\nTOKEN=a\n\n[profile=my prod]\nTOKEN=b\n\n[profile=生产 🚜]\nTOKEN=c\n\n"
        "[profile=broken]\nTOKEN_EXPIRES=soon\n\n[profile=old]\nUSERNAME=u\nPASSWORD=p\n\n"
        f"[profile=evil{ESC}[2J\u202e]\nTOKEN=d\n"
    ).encode()
    config.write_bytes(content)
    message = assert_one_clean_line(run_info(capsys, "--profile", "staging"))
    # Broken profiles are listed (the user should see them); Doover 1 blocks are not usable, so not listed.
    available = "default, my prod, 生产 🚜, broken, evil\\x1b[2J\\u202e"
    assert message == f"no profile 'staging' in {config}; available: {available}"
    assert config.read_bytes() == content


# URLs -------------------------------------------------------------------------------------------

BAD_URLS = [
    ("BASE_URL", "ftp://api.example.test"),
    ("BASE_URL", "api.doover.com"),
    ("BASE_URL", "https://"),
    ("BASE_DATA_URL", "http://127.0.0.1:99999/api"),
    ("BASE_DATA_URL", "http://127.0.0.1:8O00/api"),
    ("BASE_DATA_URL", "http://[::1/api"),
    ("BASE_DATA_URL", "https://dööver.example/api"),
    ("BASE_DATA_URL", "wss://data.doover.com/api"),
]


@pytest.mark.parametrize(("key", "url"), BAD_URLS, ids=[url for _, url in BAD_URLS])
def test_a_wrong_url_names_the_key_and_profile(
    config: Path, capsys: pytest.CaptureFixture[str], key: str, url: str
) -> None:
    content = f"[profile=default]\nTOKEN=abc\n{key}={url}\n".encode()
    config.write_bytes(content)
    message = assert_one_clean_line(run_info(capsys))
    assert f"{key} of profile 'default' is {url!r}, which is not a valid http:// or https:// URL" in message
    assert config.read_bytes() == content


def test_a_wrong_url_names_file_and_line(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_bytes(b"[profile=default]\nTOKEN=abc\nBASE_URL=ftp://x\n")
    message = assert_one_clean_line(run_info(capsys))
    assert (
        message
        == f"{config}:3: BASE_URL of profile 'default' is 'ftp://x', which is not a valid http:// or https:// URL"
    )


def test_key_lines_point_at_the_value_that_is_used(config: Path) -> None:
    config.write_bytes(b"[profile=a]\r\nBASE_URL=https://one\r\n# note\r\nTOKEN=t\r\nBASE_URL=https://two\r\n")
    profile = load_profiles(config).get("a")
    assert profile.key_lines == {"BASE_URL": 5, "TOKEN": 4}
    assert profile.control_url == "https://two"


# What is odd but fine ---------------------------------------------------------------------------

FINE: list[tuple[str, bytes, tuple[str, ...], str]] = [
    ("crlf", b"[profile=default]\r\nTOKEN=a\r\nBASE_URL=https://api.crlf.test\r\n", (), "https://api.crlf.test"),
    ("utf-8 bom", b"\xef\xbb\xbf[profile=default]\nTOKEN=a\nBASE_URL=https://api.bom.test\n", (), "api.bom.test"),
    ("no final newline", b"[profile=default]\nTOKEN=a\nBASE_URL=https://api.eof.test", (), "api.eof.test"),
    (
        "duplicate keys: the last wins, as in pydoover",
        b"[profile=default]\nBASE_URL=https://first.test\nTOKEN=a\nBASE_URL=https://last.test\n",
        (),
        "https://last.test",
    ),
    ("unknown keys", b"[profile=default]\nTOKEN=a\nCOLOUR=green\nX-Y=1\nBASE_URL=https://k.test\n", (), "k.test"),
    ("spaces and tabs", b"  [profile=default]\t\n\tTOKEN = a \nBASE_URL =\thttps://ws.test  \n", (), "ws.test"),
    ("comments", b"# by hand\n\n[profile=default]\n# the token\nTOKEN=a\n#BASE_URL=x\n", (), "api.doover.com"),
    (
        "name with spaces",
        b"[profile=my prod]\nTOKEN=a\nBASE_URL=https://sp.test\n",
        ("--profile", "my prod"),
        "sp.test",
    ),
    (
        "unicode name",
        "[profile=生产 🚜]\nTOKEN=a\nBASE_URL=https://u.test\n".encode(),
        ("--profile", "生产 🚜"),
        "u.test",
    ),
    ("expires iso", b"[profile=default]\nTOKEN=a\nTOKEN_EXPIRES=2030-01-01T00:00:00.000Z\n", (), "2030-01-01 00:00"),
    ("expires seconds", b"[profile=default]\nTOKEN=a\nTOKEN_EXPIRES=1893456000.0\n", (), "2030-01-01 00:00"),
    (
        "foreign text and nul bytes around",
        b"\x00\x01 junk = \x7f\n\n[profile=default]\nTOKEN=a\nBASE_URL=https://n.test\n\nmore junk\n",
        (),
        "n.test",
    ),
]


@pytest.mark.parametrize(("content", "argv", "shows"), [case[1:] for case in FINE], ids=[c[0] for c in FINE])
def test_odd_but_valid_files_work_and_stay_untouched(
    config: Path, capsys: pytest.CaptureFixture[str], content: bytes, argv: tuple[str, ...], shows: str
) -> None:
    config.write_bytes(content)
    outcome = run_info(capsys, *argv)
    assert (outcome.code, outcome.err) == (0, "")
    assert shows in outcome.out
    assert config.read_bytes() == content


def test_an_impossible_expiry_inside_the_token_means_unknown(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_bytes(f"[profile=default]\nTOKEN={make_jwt(exp=1e300)}\n".encode())
    outcome = run_info(capsys)
    assert outcome.code == 0
    assert "token         present, no expiry known; not refreshable" in outcome.out


def test_a_huge_file_with_a_huge_token(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = "t" * 1_000_000
    junk = b"".join(b"note %d = something someone pasted\n" % i for i in range(150_000))  # about 5 MB
    content = junk + b"\n[profile=default]\nTOKEN=" + token.encode() + b"\nBASE_URL=https://huge.test\n"
    config.write_bytes(content)
    outcome = run_info(capsys)
    assert outcome.code == 0
    assert "https://huge.test" in outcome.out
    assert "t" * 100 not in outcome.out
    assert config.read_bytes() == content


def test_a_refreshed_token_is_written_back_without_disturbing_bom_crlf_or_foreign_bytes(config: Path) -> None:
    content = b"\xef\xbb\xbf[profile=default]\r\nTOKEN=old\r\nODD=\x1b[2J\r\n\r\n\x00 foreign \xe2\x80\xae\r\n"
    config.write_bytes(content)
    update_profile(config, "default", {"TOKEN": "new"})
    assert config.read_bytes() == content.replace(b"TOKEN=old", b"TOKEN=new")
    assert load_profiles(config).get("default").token == "new"


# Our own settings.toml ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        (b"poll_interval = nan\n", "'poll_interval' must be a finite number, got float nan"),
        (b"[network]\ntimeout = inf\n", "'network.timeout' must be a finite number, got float inf"),
        (b"[cache]\nagents = -inf\n", "'cache.agents' must be a finite number, got float -inf"),
        (b'"\\u001b[2J" = 1\n', "unknown key '\\x1b[2J' (known here: cache, keymap,"),
        (
            b'theme = "\\u202e"\nmessage_window = "\\u001b"\n',
            "'message_window' must be a whole number, got str '\\x1b'",
        ),
        (b'theme = "\x1b"\n', "not valid TOML: Illegal character '\\x1b' (at line 1, column 10)"),
        (b"\xff\xfe", "not valid TOML"),
    ],
)
def test_malformed_settings_name_the_file_and_key_and_are_left_alone(
    config: Path, capsys: pytest.CaptureFixture[str], toml: bytes, says: str
) -> None:
    config.write_bytes(GOOD)
    settings = Path(os.environ["DOOVER_TUI_CONFIG_DIR"]) / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_bytes(toml)
    message = assert_one_clean_line(run_info(capsys))
    assert message.startswith(f"{settings}: ")
    assert says in message
    assert settings.read_bytes() == toml


def test_settings_saved_with_a_byte_order_mark_are_read(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_bytes(GOOD)
    settings = Path(os.environ["DOOVER_TUI_CONFIG_DIR"]) / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_bytes(b'\xef\xbb\xbftheme = "nord"\n')
    outcome = run_info(capsys)
    assert (outcome.code, outcome.err) == (0, "")
    assert "theme         nord" in outcome.out


# The real entry point ---------------------------------------------------------------------------


def run_command(config: Path, tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m doover_tui ARGV`` in a child process, with every directory under ``tmp_path``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DOOVER")}
    env |= {"HOME": str(tmp_path / "home"), "DOOVER_CONFIG_FILE": str(config)}
    for name in ("CONFIG", "CACHE", "STATE", "DATA", "LOG"):
        env[f"DOOVER_TUI_{name}_DIR"] = str(tmp_path / name.lower())
    return subprocess.run(
        [sys.executable, "-m", "doover_tui", *argv],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def test_the_app_itself_refuses_to_start_on_a_malformed_file(config: Path, tmp_path: Path) -> None:
    content = GOOD + b"TOKEN_EXPIRES=nan\n"
    config.write_bytes(content)
    result = run_command(config, tmp_path)  # no subcommand: this would start the TUI
    assert result.returncode == 2
    assert result.stdout == ""
    assert (
        result.stderr == f"doover-tui: {config}:3: TOKEN_EXPIRES='nan' is not a time between 1970 and the year 9999\n"
    )
    assert config.read_bytes() == content


def test_the_app_itself_names_the_profiles_when_one_is_unknown(config: Path, tmp_path: Path) -> None:
    content = b"[profile=default]\nTOKEN=a\n\n[profile=staging]\nTOKEN=b\n"
    config.write_bytes(content)
    result = run_command(config, tmp_path, "--profile", "prod")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"doover-tui: no profile 'prod' in {config}; available: default, staging\n"
    assert config.read_bytes() == content


# Unreachable and wrong URLs: the app starts, says what failed where, and recovers ---------------


def free_port() -> int:
    """A loopback port nothing listens on (until a test starts the emulator there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def app_for(endpoints: Endpoints) -> DooverApp:
    """The app as the command line builds it (without the offline snapshot), for these endpoints."""
    request_log = RequestLog()
    client = DooverClient(endpoints, StaticToken(TOKEN), new_http_client(5), on_request=request_log.record)
    store = Store(client, request_log=request_log)
    host = endpoints.control_url.split("://", 1)[-1].rstrip("/")
    return DooverApp(store, BrowserOptions(source="test", host=host, drafts_dir=None))


def status_text(app: DooverApp) -> str:
    return str(app.browser.query_one(StatusBar).render())


async def test_an_unreachable_host_is_named_and_r_recovers_once_it_answers(notes: list[str]) -> None:
    port = free_port()
    urls = Urls.at("127.0.0.1", port)
    app = app_for(Endpoints(urls.data, urls.control, urls.gateway))
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: "Network error" in status_text(app), "the failure on the status bar")
        status = status_text(app)
        assert f"127.0.0.1:{port}" in status
        assert "OFFLINE" in status
        assert any(f"http://127.0.0.1:{port}/agents/" in note for note in notes), notes
        assert app.is_running
        with running(EmulatorConfig(token=TOKEN, simulate=False), port=port):
            await pilot.press("r")
            agents = app.browser.query_one(AgentList)
            await until(pilot, lambda: agents.total_count == 13, "the agents after r", limit=20)
            assert "Network error" not in status_text(app)
        await pilot.press("q")


@pytest.mark.parametrize(
    ("wrong", "where"),
    [
        ("control", "/api/agents/"),  # the data URL given as the control URL
        ("data", "/nope/agents/"),  # a data URL whose path is wrong
    ],
)
async def test_a_wrong_url_names_the_request_that_failed_and_the_app_lives_on(
    live: RunningEmulator, notes: list[str], wrong: str, where: str
) -> None:
    urls = live.urls
    control = urls.data if wrong == "control" else urls.control
    data = f"{urls.root}/nope" if wrong == "data" else urls.data
    app = app_for(Endpoints(data, control, urls.gateway))
    async with app.run_test(size=(160, 40)) as pilot:
        agents = app.browser.query_one(AgentList)
        if wrong == "control":
            await until(pilot, lambda: "Not found" in status_text(app), "the failure on the status bar")
            assert f"{urls.data}/agents/" in status_text(app)
        else:
            await until(pilot, lambda: agents.total_count == 13, "the agents (the control URL is right)")
            await until(pilot, lambda: any(where in note for note in notes), "the failed channel read")
        assert any(f"{live.urls.root}{where}" in note for note in notes), notes
        assert app.is_running
        assert app.screen is app.browser
