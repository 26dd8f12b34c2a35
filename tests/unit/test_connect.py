"""Wiring: a refreshed user token is written back to its profile; the request log never holds it."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from doover_tui.api.errors import NotFoundError
from doover_tui.config.connection import ConnectOptions, resolve_connection
from doover_tui.config.paths import default_paths
from doover_tui.config.profiles import load_profiles
from doover_tui.config.settings import NetworkSettings, Settings
from doover_tui.connect import build_client
from doover_tui.logs import setup_logging
from doover_tui.request_log import RequestLog
from tests.conftest import FakeServer, fixture_json

OLD = "old-access-SENTINEL"
NEW = "new-access-SENTINEL"


def profile_file(home: Path) -> Path:
    path = home / ".doover" / "config"
    path.parent.mkdir()
    path.write_text(
        "# kept\n\n[profile=default]\n"
        f"TOKEN={OLD}\nTOKEN_EXPIRES=1.0\nBASE_URL=http://127.0.0.1:9\nBASE_DATA_URL=http://127.0.0.1:9/api\n"
        "REFRESH_TOKEN=refresh-SENTINEL\nAUTH_SERVER_URL=http://127.0.0.1:9/auth\nAUTH_SERVER_CLIENT_ID=cid\n"
    )
    return path


async def test_refreshed_token_is_persisted_and_never_logged(isolated_env: Path, server: FakeServer) -> None:
    path = profile_file(isolated_env)
    server.on("POST", "/auth/oauth2/token", httpx.Response(200, json={"access_token": NEW, "expires_in": 3600}))
    server.on("GET", "/agents/", httpx.Response(200, json=fixture_json("agents_response.json")))
    settings = Settings()
    connection = resolve_connection(ConnectOptions(), {}, default_paths(), settings)
    log = RequestLog(size=3)
    client = build_client(connection, settings, transport=server.transport(), on_request=log.record)
    agents = await client.control.agents()
    assert agents.agents[0].id == "a1"
    assert server.last().headers["authorization"] == f"Bearer {NEW}"
    profile = load_profiles(path).get("default")
    assert profile.token == NEW
    assert profile.token_expires is not None
    assert profile.token_expires > 1.0
    assert path.read_text().startswith("# kept\n\n[profile=default]\n")
    assert path.stat().st_mode & 0o777 == 0o600
    assert [(r.method, r.url, r.status) for r in log.entries()] == [
        ("GET", "http://127.0.0.1:9/agents/?include-archived=false", 200)
    ]
    assert "SENTINEL" not in repr(log.entries())
    await client.aclose()


async def test_request_log_is_bounded_and_counts_errors(server: FakeServer, isolated_env: Path) -> None:
    profile_file(isolated_env)
    server.on("POST", "/auth/oauth2/token", httpx.Response(200, json={"access_token": NEW}))
    server.on("GET", "/users/me/", httpx.Response(404, text="no"))
    settings = Settings(network=NetworkSettings(retries=0))
    log = RequestLog(size=3)
    client = build_client(
        resolve_connection(ConnectOptions(), {}, default_paths(), settings),
        settings,
        transport=server.transport(),
        on_request=log.record,
    )
    for _ in range(5):
        with pytest.raises(NotFoundError):
            await client.control.me()
    assert len(log.entries()) == 3
    assert log.error_count == 5
    assert {r.error for r in log.entries()} == {"Not found"}
    await client.aclose()


def test_log_file_masks_secrets(tmp_path: Path) -> None:
    log_file = tmp_path / "log" / "doover-tui.log"
    setup_logging(log_file, debug=True, secrets=lambda: [OLD])
    logger = logging.getLogger("doover_tui.test")
    logger.info("token is %s", OLD)
    try:
        raise RuntimeError(f"failed with {OLD}")
    except RuntimeError:
        logger.exception("boom")
    logging.getLogger("httpx").info("HTTP Request: POST http://x/oauth2/token?refresh_token=%s", OLD)
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text()
    assert OLD not in text
    assert text.count("***") == 2
    assert "RuntimeError: failed with ***" in text
    assert "HTTP Request" not in text, "httpx request lines (which carry token URLs) are not logged"
    logging.getLogger().handlers.clear()


async def test_a_refresh_keeps_a_refresh_token_written_meanwhile_unless_the_server_rotates_it(
    isolated_env: Path, server: FakeServer
) -> None:
    path = profile_file(isolated_env)
    settings = Settings()
    connection = resolve_connection(ConnectOptions(), {}, default_paths(), settings)
    client = build_client(connection, settings, transport=server.transport())
    # `doover login` in another terminal, while the app runs, writes a new refresh token.
    path.write_text(path.read_text().replace("REFRESH_TOKEN=refresh-SENTINEL", "REFRESH_TOKEN=from-a-new-login"))
    same = {"access_token": NEW, "expires_in": 0, "refresh_token": "refresh-SENTINEL"}
    server.on("POST", "/auth/oauth2/token", httpx.Response(200, json=same))
    server.on("GET", "/agents/", httpx.Response(200, json=fixture_json("agents_response.json")))
    await client.control.agents()
    profile = load_profiles(path).get("default")
    assert profile.token == NEW
    assert profile.get("REFRESH_TOKEN") == "from-a-new-login", "the refresh token we already held is not written back"
    rotated = {"access_token": "third-access-SENTINEL", "expires_in": 3600, "refresh_token": "rotated-SENTINEL"}
    server.on("POST", "/auth/oauth2/token", httpx.Response(200, json=rotated))
    await client.control.agents()  # the token that expired at once is due again
    assert load_profiles(path).get("default").get("REFRESH_TOKEN") == "rotated-SENTINEL"
    await client.aclose()


async def test_failed_requests_reach_the_log_file(isolated_env: Path, server: FakeServer) -> None:
    profile_file(isolated_env)
    server.on("POST", "/auth/oauth2/token", httpx.Response(200, json={"access_token": NEW}))
    server.on("GET", "/users/me/", httpx.Response(404, text="no"))
    settings = Settings(network=NetworkSettings(retries=0))
    log_file = isolated_env / "log" / "doover-tui.log"
    setup_logging(log_file, debug=False, secrets=lambda: [NEW])
    requests = RequestLog()
    connection = resolve_connection(ConnectOptions(), {}, default_paths(), settings)
    client = build_client(connection, settings, transport=server.transport(), on_request=requests.record)
    with pytest.raises(NotFoundError):
        await client.control.me()
    await client.aclose()
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text()
    assert "GET http://127.0.0.1:9/users/me/ → 404 (Not found), try 1" in text
    assert NEW not in text
