"""Security: secret masking, private atomic profile writes, plain-http warnings, and the emulator's guard."""

from __future__ import annotations

import argparse
import base64
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from doover_tui import logs
from doover_tui.api.auth import RefreshedToken, UserToken
from doover_tui.api.errors import BadRequestError, ServerError
from doover_tui.api.http import RequestRecord
from doover_tui.cli import build_parser, main
from doover_tui.config.connection import (
    ConnectOptions,
    ServiceCredentials,
    UserCredentials,
    is_loopback_host,
    resolve_connection,
)
from doover_tui.config.errors import ConfigError, ProfileFileError
from doover_tui.config.paths import default_paths
from doover_tui.config.profiles import update_profile, write_private_file
from doover_tui.config.settings import ProfileSettings, Settings
from doover_tui.emulator import server as emulator_server
from doover_tui.emulator.app import Emulator
from doover_tui.emulator.cli import hidden_token
from doover_tui.emulator.server import RunningEmulator, is_loopback
from doover_tui.logs import MASK, RedactSecrets, redact, remember_secrets, setup_logging
from doover_tui.request_log import RequestLog
from tests.conftest import FakeServer

TOKEN = "SENTINEL-77c2-access-1f0e9d3b"
REFRESH = "SENTINEL-77c2-refresh-5a4b3c2d"
NEW = "SENTINEL-77c2-new-access-8e7f6a5b"


@pytest.fixture(autouse=True)
def fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """No secret remembered by an earlier test."""
    monkeypatch.setattr(logs, "_known", {})


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield
    for handler in root.handlers:
        handler.close()
    root.handlers[:], root.level = saved


# Masking -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Authorization: Bearer {TOKEN}.", "Authorization: Bearer ***."),
        (f"/oauth2/token?refresh_token={quote(TOKEN + '/+=', safe='')}", "/oauth2/token?refresh_token=***"),
        (f"basic {base64.b64encode(TOKEN.encode()).decode()} end", "basic *** end"),
        (f"urlsafe {base64.urlsafe_b64encode(TOKEN.encode()).decode().rstrip('=')}", "urlsafe ***"),
        (f"a body cut at 200 bytes: Bearer {TOKEN[:13]}…", "a body cut at 200 bytes: Bearer ***…"),
        (f"ends with {TOKEN[:9]}", "ends with ***"),
        (f"…{TOKEN[-11:]} rest", "…*** rest"),
        (f"{TOKEN[-8:]} at the start", "*** at the start"),
        (f"{TOKEN}{TOKEN}", "******"),
    ],
)
def test_redact_masks_a_secret_verbatim_encoded_and_cut_off(text: str, expected: str) -> None:
    remember_secrets(TOKEN, TOKEN + "/+=")
    assert redact(text) == expected


def test_redact_leaves_ordinary_text_and_short_values_alone() -> None:
    remember_secrets("emulator-test-token", "tok", None, "")
    assert redact("the emulator answered; tok tok") == "the emulator answered; tok tok"
    assert redact("SENTINEL-77c2 in the middle of a sentence") == "SENTINEL-77c2 in the middle of a sentence"
    assert redact("key tok", ["tok"]) == f"key {MASK}", "a value given explicitly is masked whatever its size"


def test_remembered_secrets_are_bounded_oldest_forgotten_first() -> None:
    values = [f"secret-value-{n:04d}" for n in range(logs.MAX_KNOWN + 1)]
    remember_secrets(*values)
    assert redact(values[0]) == values[0]
    assert redact(values[1]) == MASK
    assert redact(values[-1]) == MASK


async def test_a_replaced_token_is_still_masked_in_the_log(
    tmp_path: Path, server: FakeServer, root_logging: None
) -> None:
    server.on("POST", "/oauth2/token", httpx.Response(200, json={"access_token": NEW, "refresh_token": REFRESH + "2"}))
    async with httpx.AsyncClient(transport=server.transport()) as http:
        tokens = UserToken(
            TOKEN, 1.0, http=http, auth_server_url="http://127.0.0.1:9", client_id="c", refresh_token=REFRESH
        )
        assert await tokens.get_token() == NEW
    assert TOKEN not in tokens.secrets(), "the source no longer holds it…"
    log_file = tmp_path / "log" / "doover-tui.log"
    setup_logging(log_file, debug=True, secrets=tokens.secrets)
    logger = logging.getLogger("doover_tui.test")
    logger.warning("old %s, refresh %s, new %s, rotated %s", TOKEN, REFRESH, NEW, REFRESH + "2")
    logger.error("with a stack, %s", TOKEN[:12], stack_info=True)
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text()
    assert "old ***, refresh ***, new ***, rotated ***" in text, "…but the log still masks it"
    assert "with a stack, ***" in text
    assert "Stack (most recent call last)" in text
    assert "SENTINEL" not in text


def test_the_log_filter_masks_exception_text(root_logging: None) -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s", (TOKEN,), None)
    try:
        raise RuntimeError(f"Bearer {TOKEN}")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactSecrets(lambda: [TOKEN]).filter(record)
    assert record.getMessage().startswith("failed: ***")
    assert "RuntimeError: Bearer ***" in record.getMessage()
    assert TOKEN not in record.getMessage()


def test_api_errors_mask_a_token_the_server_echoed() -> None:
    remember_secrets(TOKEN)
    error = ServerError(f"GET /agents/: token {TOKEN} refused (HTTP 500)", status=500)
    assert error.detail == "GET /agents/: token *** refused (HTTP 500)"
    assert TOKEN not in str(error)
    assert TOKEN not in repr(error.args)
    bad = BadRequestError("rejected", field_errors={"token": [f"{TOKEN} is not valid"]})
    assert bad.field_errors == {"token": ["*** is not valid"]}


def test_the_request_log_masks_a_url_holding_a_secret() -> None:
    remember_secrets(TOKEN)
    log = RequestLog()
    log.record(RequestRecord("GET", f"http://127.0.0.1:9/x?token={TOKEN}", 200, 1.0, 1, None, 0.0))
    plain = RequestRecord("GET", "http://127.0.0.1:9/y", 200, 1.0, 1, None, 0.0)
    log.record(plain)
    assert [entry.url for entry in log.entries()] == ["http://127.0.0.1:9/x?token=***", plain.url]
    assert log.entries()[1] is plain, "nothing to mask: the record is kept as it is"


def test_reprs_of_credentials_never_show_a_secret(isolated_env: Path) -> None:
    user = UserCredentials(TOKEN, None, REFRESH, "cid", persist_to="p")
    service = ServiceCredentials("client-7", TOKEN)
    fresh = RefreshedToken(TOKEN, 1.0, REFRESH)
    for value in (user, service, fresh):
        assert "SENTINEL" not in repr(value)
    assert "client-7" in repr(service)
    options = ConnectOptions(data_url="https://d.example.test/api", client_id="client-7", client_secret=TOKEN)
    connection = resolve_connection(options, {}, default_paths(), Settings())
    assert "SENTINEL" not in repr(connection)


# Profile writes ----------------------------------------------------------------------------

EXISTING = "# my notes: keep me\n\n[profile=other]\nTOKEN=other-token\n# a comment inside\n\nforeign text block\n"


@pytest.fixture
def umask_000() -> Iterator[None]:
    old = os.umask(0)
    yield
    os.umask(old)


def test_profile_writes_are_0600_even_with_umask_000(tmp_path: Path, umask_000: None) -> None:
    fresh = tmp_path / "new" / ".doover" / "config"
    update_profile(fresh, "emu", {"TOKEN": TOKEN})
    assert fresh.stat().st_mode & 0o777 == 0o600
    assert fresh.parent.stat().st_mode & 0o777 == 0o700
    existing = tmp_path / "config"
    existing.write_text(EXISTING)
    existing.chmod(0o644)
    update_profile(existing, "emu", {"TOKEN": TOKEN})
    assert existing.stat().st_mode & 0o777 == 0o600, "a world-readable file becomes private when we write it"
    assert existing.read_text() == EXISTING + f"\n[profile=emu]\nTOKEN={TOKEN}\n", "other profiles, comments kept"


class _FailingFile:
    """A file whose writes stop half-way with an I/O error (a full disk)."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()

    def fileno(self) -> int:
        return int(self.handle.fileno())

    def write(self, data: bytes) -> int:
        self.handle.write(data[: len(data) // 2])
        raise OSError(28, "No space left on device")


def _fail_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> None:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)


def _fail_write(monkeypatch: pytest.MonkeyPatch) -> None:
    original = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, mode: _FailingFile(original(fd, mode)))


def _fail_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", refuse)


@pytest.mark.parametrize("failure", [_fail_replace, _fail_write, _fail_fsync])
def test_a_failed_profile_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: Any
) -> None:
    path = tmp_path / "config"
    path.write_text(EXISTING)
    before = sorted(tmp_path.iterdir())
    failure(monkeypatch)
    with pytest.raises(ProfileFileError, match="cannot write"):
        update_profile(path, "other", {"TOKEN": TOKEN})
    assert path.read_text() == EXISTING
    assert sorted(tmp_path.iterdir()) == before, "the temporary file was removed"


def test_an_interrupted_profile_write_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config"
    path.write_text(EXISTING)

    def interrupted(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_private_file(path, f"[profile=a]\nTOKEN={TOKEN}\n")
    assert path.read_text() == EXISTING
    assert not list(tmp_path.glob(".config.*.tmp"))


# Plain http warnings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://data.example.com/api",
        "http://127.0.0.1:8765/api",
        "http://127.3.4.5/api",
        "http://localhost:8765/api",
        "http://LOCALHOST./api",
        "http://emu.localhost/api",
        "http://[::1]:8765/api",
    ],
)
def test_tls_or_loopback_urls_do_not_warn(isolated_env: Path, url: str) -> None:
    options = ConnectOptions(data_url=url, control_url=url.removesuffix("/api"))
    connection = resolve_connection(options, {"DOOVER_API_TOKEN": TOKEN}, default_paths(), Settings())
    assert connection.warnings == ()


def test_a_plain_http_url_to_another_host_warns(isolated_env: Path) -> None:
    options = ConnectOptions(data_url="http://data.example.com/api", control_url="https://api.example.com")
    connection = resolve_connection(options, {"DOOVER_API_TOKEN": TOKEN}, default_paths(), Settings())
    assert connection.warnings == (
        "the data API URL http://data.example.com/api is not encrypted: "
        "the token would reach data.example.com in clear text; use https://",
    )


def test_every_plaintext_endpoint_warns_including_the_gateway_and_auth_server(isolated_env: Path) -> None:
    (isolated_env / ".doover").mkdir()
    (isolated_env / ".doover" / "config").write_text(
        "[profile=p]\nTOKEN=t\nBASE_URL=http://10.0.0.5\nBASE_DATA_URL=http://10.0.0.5/api\n"
        "REFRESH_TOKEN=r\nAUTH_SERVER_CLIENT_ID=c\nAUTH_SERVER_URL=http://auth.example.com\n"
    )
    settings = Settings(profiles={"p": ProfileSettings(gateway_url="ws://gw.example.com/ws")})
    connection = resolve_connection(ConnectOptions(profile="p"), {}, default_paths(), settings)
    assert [re.sub(r" is not.*use", " →", w) for w in connection.warnings] == [
        "the data API URL http://10.0.0.5/api → https://",
        "the control API URL http://10.0.0.5 → https://",
        "the gateway URL ws://gw.example.com/ws → wss://",
        "the auth server URL http://auth.example.com → https://",
    ]


def test_the_auth_server_is_not_warned_about_without_a_refresh_token(isolated_env: Path) -> None:
    (isolated_env / ".doover").mkdir()
    (isolated_env / ".doover" / "config").write_text("[profile=p]\nTOKEN=t\nAUTH_SERVER_URL=http://auth.example.com\n")
    connection = resolve_connection(ConnectOptions(profile="p"), {}, default_paths(), Settings())
    assert connection.warnings == ()


def test_a_url_with_a_password_is_refused_without_repeating_it(isolated_env: Path) -> None:
    options = ConnectOptions(data_url=f"https://me:{TOKEN}@data.example.com/api")
    with pytest.raises(ConfigError) as caught:
        resolve_connection(options, {"DOOVER_API_TOKEN": "t"}, default_paths(), Settings())
    assert str(caught.value) == (
        "--data-url holds a user name or password; remove them (the token goes in a header): "
        "https://data.example.com/api"
    )


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.0.0.1", False),
        ("localhost.example.com", False),
        ("", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


# The emulator ------------------------------------------------------------------------------

PUBLIC_ROUTES = {"/oauth2/token", "/api/oauth2/token", "/.well-known/openid-configuration"}
"""The only routes served without a bearer token: the token endpoints and OIDC discovery."""


async def test_every_emulator_route_refuses_a_missing_or_wrong_token(emulator: Emulator) -> None:
    asgi = emulator.asgi
    assert isinstance(asgi, Starlette)
    routes = [r for r in asgi.routes if isinstance(r, Route)]
    assert {r.path for r in routes} >= PUBLIC_ROUTES
    transport = httpx.ASGITransport(app=asgi, raise_app_exceptions=False)
    checked = 0
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as client:
        for route in routes:
            if route.path in PUBLIC_ROUTES:
                continue
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            for method in sorted((route.methods or set()) - {"HEAD"}):
                for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}, {"Authorization": f"Basic {TOKEN}"}):
                    reply = await client.request(method, path, headers=headers, json={})
                    assert reply.status_code == 401, f"{method} {route.path} with {headers}"
                    assert reply.headers["www-authenticate"] == "Bearer"
                    assert TOKEN not in reply.text
                    checked += 1
    assert checked > 100, "data, control, tunnel and application routes were all tried"


@pytest.mark.parametrize("path", ["/ws", "/gateway"])
@pytest.mark.parametrize("credentials", ["none", "header", "query"])
async def test_the_gateway_refuses_a_handshake_without_its_token(
    live: RunningEmulator, path: str, credentials: str
) -> None:
    url = live.urls.root.replace("http://", "ws://") + path + ("?token=wrong" if credentials == "query" else "")
    headers = {"Authorization": "Bearer wrong"} if credentials == "header" else {}
    with pytest.raises(InvalidStatus) as caught:
        async with connect(url, additional_headers=headers):
            pass
    assert caught.value.response.status_code == 401


def test_the_emulator_binds_loopback_by_default(live: RunningEmulator) -> None:
    args = build_parser().parse_args(["emulator"])
    assert args.host == "127.0.0.1"
    assert live.socket.getsockname()[0] == "127.0.0.1", "running() (the demo, tests) binds loopback"
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")


@pytest.mark.parametrize(("host", "warned"), [("0.0.0.0", True), ("192.0.2.7", True), ("::1", False)])
def test_a_non_loopback_host_is_warned_about(
    host: str, warned: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_bind(host: str, port: int) -> Any:
        raise OSError(99, "not bound in tests")

    monkeypatch.setattr(emulator_server, "bind", no_bind)
    assert main(["emulator", "--host", host, "--data-dir", ":memory:"]) == 2
    err = capsys.readouterr().err
    warning = f"doover-tui: warning: binding {host}: the emulator is reachable from other machines"
    assert (warning in err) is warned
    assert "cannot listen" in err


def test_the_emulator_says_where_its_token_is_instead_of_printing_it() -> None:
    assert hidden_token("emu", given=False) == "*** (in [profile=emu]; --show-token prints it)"
    assert hidden_token(None, given=True) == "*** (as given by --token; --show-token prints it)"
    assert hidden_token(None, given=False).startswith("*** (use --write-profile NAME")
    args = build_parser().parse_args(["emulator", "--show-token"])
    assert isinstance(args, argparse.Namespace)
    assert args.show_token is True
    assert build_parser().parse_args(["emulator"]).show_token is False
