"""ApiSession: auth, retries, Retry-After, refresh, gzip, error mapping — through httpx.MockTransport."""

from __future__ import annotations

import gzip
from collections.abc import Callable

import httpx
import pytest

from doover_tui.api.auth import StaticToken, TokenSource, UserToken
from doover_tui.api.errors import (
    AuthError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NetworkError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    ServerError,
)
from doover_tui.api.http import ApiSession, RequestRecord, RetryPolicy, user_agent
from tests.conftest import FakeServer, fixture_json, make_jwt

BASE = "http://127.0.0.1:9"


class Sleeps:
    """An injected sleep that records delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def session_for(
    server: FakeServer,
    tokens: TokenSource | None = None,
    *,
    attempts: int = 3,
    sleeps: Sleeps | None = None,
    log: list[RequestRecord] | None = None,
    organisation_id: str | None = None,
) -> ApiSession:
    http = httpx.AsyncClient(transport=server.transport(), headers={"User-Agent": user_agent()})
    return ApiSession(
        http,
        tokens or StaticToken("tok"),
        organisation_id=organisation_id,
        retry=RetryPolicy(attempts=attempts),
        sleep=sleeps or Sleeps(),
        rand=lambda: 1.0,
        on_request=(log.append if log is not None else None),
    )


async def test_headers_token_org_user_agent(server: FakeServer) -> None:
    server.on("GET", "/x", httpx.Response(200, json={"ok": True}))
    session = session_for(server, organisation_id="160537971806708483")
    assert await session.request("GET", f"{BASE}/x", params={"a": True, "b": None, "c": ["1", "2"]}) == {"ok": True}
    seen = server.last()
    assert seen.headers["authorization"] == "Bearer tok"
    assert seen.headers["x-doover-organisation"] == "160537971806708483"
    assert seen.headers["user-agent"].startswith("doover-tui/")
    assert seen.query == [("a", "true"), ("c", "1"), ("c", "2")]


async def test_no_authorization_header_without_token(server: FakeServer) -> None:
    server.on("GET", "/x", httpx.Response(200, json=[]))
    await session_for(server, StaticToken(None)).request("GET", f"{BASE}/x")
    assert "authorization" not in server.last().headers


async def test_gzip_only_at_or_above_50_bytes(server: FakeServer) -> None:
    server.on("POST", "/x", httpx.Response(200, json={}))
    session = session_for(server)
    small = {"a": 1}
    await session.request("POST", f"{BASE}/x", json=small, gzip_body=True)
    assert "content-encoding" not in server.last().headers
    big = {"payload": "x" * 60}
    await session.request("POST", f"{BASE}/x", json=big, gzip_body=True)
    seen = server.last()
    assert seen.headers["content-encoding"] == "gzip"
    assert seen.headers["content-type"] == "application/json"
    assert gzip.decompress(seen.raw_body) == b'{"payload":"' + b"x" * 60 + b'"}'
    await session.request("POST", f"{BASE}/x", json=big, gzip_body=False)
    assert "content-encoding" not in server.last().headers


async def test_a_body_deeper_than_orjson_encodes_is_sent_whole(server: FakeServer) -> None:
    server.on("PATCH", "/x", httpx.Response(200, json={}))
    deep: object = [2**70]
    for _ in range(1000):  # orjson stops at 254 levels and 64-bit integers; the service takes both
        deep = {"k": deep}
    await session_for(server).request("PATCH", f"{BASE}/x", json=deep, gzip_body=True)
    seen = server.last()
    assert seen.headers["content-encoding"] == "gzip"
    assert gzip.decompress(seen.raw_body) == b'{"k":' * 1000 + b"[1180591620717411303424]" + b"}" * 1000


async def test_5xx_retried_with_growing_backoff_then_succeeds(server: FakeServer) -> None:
    server.on("GET", "/x", httpx.Response(500), httpx.Response(502), httpx.Response(200, json=1))
    sleeps = Sleeps()
    log: list[RequestRecord] = []
    assert await session_for(server, sleeps=sleeps, log=log).request("GET", f"{BASE}/x") == 1
    assert sleeps.delays == [0.5, 1.0]
    assert [(r.status, r.attempt, r.error) for r in log] == [
        (500, 1, "Server error"),
        (502, 2, "Server error"),
        (200, 3, None),
    ]


async def test_retries_are_bounded(server: FakeServer) -> None:
    server.on("GET", "/x", httpx.Response(503, text="down"))
    sleeps = Sleeps()
    with pytest.raises(ServerError, match=r"GET http://127.0.0.1:9/x: down \(HTTP 503\)"):
        await session_for(server, attempts=4, sleeps=sleeps).request("GET", f"{BASE}/x")
    assert len(server.seen) == 4
    assert sleeps.delays == [0.5, 1.0, 2.0]


async def test_post_not_resent_after_500_but_resent_after_503(server: FakeServer) -> None:
    server.on("POST", "/m", httpx.Response(500))
    with pytest.raises(ServerError):
        await session_for(server).request("POST", f"{BASE}/m", json={})
    assert len(server.seen) == 1
    server.on("POST", "/n", httpx.Response(503), httpx.Response(200, json={}))
    await session_for(server).request("POST", f"{BASE}/n", json={})
    assert len(server.seen) == 3


async def test_429_honours_retry_after(server: FakeServer) -> None:
    server.on("POST", "/x", httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={}))
    sleeps = Sleeps()
    await session_for(server, sleeps=sleeps).request("POST", f"{BASE}/x", json={})
    assert sleeps.delays == [7.0]


async def test_429_with_too_long_retry_after_gives_up_at_once(server: FakeServer) -> None:
    server.on("GET", "/x", httpx.Response(429, headers={"Retry-After": "3600"}, json={"detail": "slow down"}))
    with pytest.raises(RateLimitedError, match="slow down") as caught:
        await session_for(server).request("GET", f"{BASE}/x")
    assert caught.value.retry_after == 3600
    assert len(server.seen) == 1


def failing(exc: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def raise_it(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)

    return raise_it


async def test_network_errors_retried_then_mapped(server: FakeServer) -> None:
    server.on("GET", "/x", failing(httpx.ConnectError), failing(httpx.ReadTimeout), httpx.Response(200, json=2))
    assert await session_for(server).request("GET", f"{BASE}/x") == 2
    server.on("GET", "/y", failing(httpx.ConnectError))
    with pytest.raises(NetworkError, match=r"GET http://127\.0\.0\.1:9/y failed: ConnectError: boom"):
        await session_for(server).request("GET", f"{BASE}/y")


async def test_post_resent_only_when_it_never_left(server: FakeServer) -> None:
    server.on("POST", "/x", failing(httpx.ReadTimeout))
    with pytest.raises(NetworkError, match="timed out"):
        await session_for(server).request("POST", f"{BASE}/x", json={})
    assert len(server.seen) == 1
    server.on("POST", "/y", failing(httpx.ConnectError), httpx.Response(200, json={}))
    await session_for(server).request("POST", f"{BASE}/y", json={})
    assert len(server.seen) == 3


@pytest.mark.parametrize(
    ("status", "body", "kind", "text"),
    [
        (401, {"detail": "expired"}, AuthError, "expired — log in again"),
        (403, {"detail": "nope"}, ForbiddenError, "nope"),
        (404, "channel not found", NotFoundError, "channel not found"),
        (409, {"message": "busy"}, ConflictError, "busy"),
        (400, fixture_json("control_validation_error_400.json"), BadRequestError, "deployment_config.port"),
    ],
)
async def test_error_mapping(server: FakeServer, status: int, body: object, kind: type, text: str) -> None:
    response = httpx.Response(status, text=body) if isinstance(body, str) else httpx.Response(status, json=body)
    server.on("GET", "/x", response)
    with pytest.raises(kind, match=text) as caught:
        await session_for(server).request("GET", f"{BASE}/x")
    assert caught.value.status == status
    assert len(server.seen) == 1, "4xx is never retried"
    if isinstance(caught.value, BadRequestError):
        assert caught.value.field_errors == {"deployment_config.port": ["This field is required."]}


async def test_unparseable_body_is_a_protocol_error(server: FakeServer) -> None:
    server.on("GET", "/x", httpx.Response(200, text='{"truncated": '))
    with pytest.raises(ProtocolError, match=r"not JSON .*\{\"truncated\":$"):
        await session_for(server).request("GET", f"{BASE}/x")
    server.on("GET", "/empty", httpx.Response(200))
    assert await session_for(server).request("GET", f"{BASE}/empty") is None


def refresh_server(server: FakeServer, new_token: str) -> None:
    server.on("POST", "/oauth2/token", httpx.Response(200, json={"access_token": new_token, "expires_in": 600}))


async def test_401_forces_one_refresh_and_one_resend(server: FakeServer) -> None:
    refresh_server(server, "fresh")
    server.on("GET", "/x", httpx.Response(401), httpx.Response(200, json="ok"))
    http = httpx.AsyncClient(transport=server.transport())
    saved: list[str] = []

    async def on_refreshed(fresh: object) -> None:
        saved.append(fresh.access_token)  # type: ignore[attr-defined]

    tokens = UserToken(
        "stale",
        None,
        http=http,
        auth_server_url="http://127.0.0.1:9",
        client_id="cid",
        refresh_token="r1",
        on_refreshed=on_refreshed,
    )
    session = ApiSession(http, tokens, sleep=Sleeps())
    assert await session.request("GET", f"{BASE}/x") == "ok"
    refresh = next(s for s in server.seen if s.path == "/oauth2/token")
    assert dict(refresh.query) == {
        "grant_type": "refresh_token",
        "refresh_token": "r1",
        "client_id": "cid",
        "access_token": "stale",
    }
    assert server.last().headers["authorization"] == "Bearer fresh"
    assert saved == ["fresh"]


async def test_second_401_after_refresh_is_an_auth_error(server: FakeServer) -> None:
    refresh_server(server, "fresh")
    server.on("GET", "/x", httpx.Response(401))
    http = httpx.AsyncClient(transport=server.transport())
    tokens = UserToken("t", None, http=http, auth_server_url=BASE, client_id="c", refresh_token="r")
    with pytest.raises(AuthError, match="log in again"):
        await ApiSession(http, tokens, sleep=Sleeps()).request("GET", f"{BASE}/x")
    assert [s.path for s in server.seen] == ["/x", "/oauth2/token", "/x"]


async def test_refresh_before_expiry_with_injected_clock(server: FakeServer) -> None:
    refresh_server(server, make_jwt(exp=2_000_000_000))
    server.on("GET", "/x", httpx.Response(200, json=1))
    http = httpx.AsyncClient(transport=server.transport())
    now = [1_000.0]
    tokens = UserToken(
        "old", 1_100.0, http=http, auth_server_url=BASE, client_id="c", refresh_token="r", clock=lambda: now[0]
    )
    session = ApiSession(http, tokens, sleep=Sleeps())
    await session.request("GET", f"{BASE}/x")
    assert [s.path for s in server.seen] == ["/x"], "not yet within 30 s of expiry"
    now[0] = 1_075.0
    await session.request("GET", f"{BASE}/x")
    assert [s.path for s in server.seen] == ["/x", "/oauth2/token", "/x"]
    assert tokens.state().expires_at is not None
    assert tokens.state().expires_at.timestamp() == 1_675.0


async def test_failed_refresh_says_log_in_again_without_leaking_tokens(server: FakeServer) -> None:
    server.on("POST", "/oauth2/token", httpx.Response(400, json={"error": "invalid_grant"}))
    http = httpx.AsyncClient(transport=server.transport())
    tokens = UserToken(
        "secret-access", 0.0, http=http, auth_server_url=BASE, client_id="c", refresh_token="secret-refresh"
    )
    with pytest.raises(AuthError) as caught:
        await ApiSession(http, tokens, sleep=Sleeps()).request("GET", f"{BASE}/x")
    message = str(caught.value)
    assert "log in again" in message
    assert "secret-access" not in message
    assert "secret-refresh" not in message


async def test_expired_static_token_is_refused_before_sending(server: FakeServer) -> None:
    tokens = StaticToken("t", expires_at=10.0, clock=lambda: 20.0)
    with pytest.raises(AuthError, match="cannot be refreshed"):
        await session_for(server, tokens).request("GET", f"{BASE}/x")
    assert server.seen == []


async def test_client_credentials_flow(server: FakeServer) -> None:
    from doover_tui.api.auth import ClientCredentialsToken

    server.on("POST", "/api/oauth2/token", httpx.Response(200, json={"access_token": "svc", "expires_in": 600}))
    server.on("GET", "/api/agents/1/channels", httpx.Response(200, json=[]))
    http = httpx.AsyncClient(transport=server.transport())
    now = [0.0]
    tokens = ClientCredentialsToken(
        http=http, data_url=f"{BASE}/api", client_id="id", client_secret="s3cret", clock=lambda: now[0]
    )
    session = ApiSession(http, tokens, sleep=Sleeps())
    await session.request("GET", f"{BASE}/api/agents/1/channels")
    token_request = server.seen[0]
    assert token_request.headers["authorization"] == "Basic aWQ6czNjcmV0"
    assert token_request.raw_body == b"grant_type=client_credentials&scope="
    assert server.last().headers["authorization"] == "Bearer svc"
    now[0] = 580.0  # within the margin: renewed before it expires
    await session.request("GET", f"{BASE}/api/agents/1/channels")
    assert [s.path for s in server.seen].count("/api/oauth2/token") == 2


async def test_undecodable_body_and_bad_url_are_typed_errors(server: FakeServer) -> None:
    server.on(
        "GET", "/x", httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip"))
    )
    with pytest.raises(ProtocolError, match="DecodingError"):
        await session_for(server).request("GET", f"{BASE}/x")
    assert len(server.seen) == 1, "not retried: resending cannot fix it"
    with pytest.raises(NetworkError, match="not a valid URL"):
        await session_for(server).request("GET", "http://[::1/x")


async def test_non_ascii_token_is_an_auth_error_not_a_crash(server: FakeServer) -> None:
    with pytest.raises(AuthError, match="the access token holds a character that cannot be sent"):
        await session_for(server, StaticToken("tok\u200b")).request("GET", f"{BASE}/x")


async def test_request_log_never_shows_url_credentials(server: FakeServer) -> None:
    server.on("GET", "/x", httpx.Response(200, json=1))
    log: list[RequestRecord] = []
    await session_for(server, log=log).request("GET", "http://user:s3cret@127.0.0.1:9/x", params={"a": 1})
    assert [r.url for r in log] == ["http://127.0.0.1:9/x?a=1"]
    bad: list[RequestRecord] = []
    with pytest.raises(NetworkError):
        await session_for(server, log=bad).request("GET", "http://127.0.0.1:8O00/x", params={"a": 1})
    assert bad[0].error == "Network error"


async def test_token_reply_with_a_line_break_is_refused(server: FakeServer) -> None:
    evil = {"access_token": "ok", "expires_in": 60, "refresh_token": "x\n\n[profile=other]\nTOKEN=evil"}
    server.on("POST", "/oauth2/token", httpx.Response(200, json=evil))
    http = httpx.AsyncClient(transport=server.transport())
    kept: list[object] = []

    async def on_refreshed(fresh: object) -> None:
        kept.append(fresh)

    tokens = UserToken(
        None, None, http=http, auth_server_url=BASE, client_id="c", refresh_token="r", on_refreshed=on_refreshed
    )
    await tokens.get_token()
    assert kept[0].refresh_token is None  # type: ignore[attr-defined]
    server.on("POST", "/oauth2/token", httpx.Response(200, json={"access_token": "a b"}))
    with pytest.raises(AuthError, match="no usable access_token"):
        await tokens.refresh()


async def test_a_cancelled_request_does_not_lose_a_rotated_refresh_token(server: FakeServer) -> None:
    import asyncio

    gate = asyncio.Event()
    used: set[str] = set()

    async def slow_refresh(request: httpx.Request) -> httpx.Response:
        presented = request.url.params["refresh_token"]
        if presented in used:  # rotated: the old refresh token is no longer valid
            return httpx.Response(400, json={"error": "invalid_grant"})
        used.add(presented)  # the server has rotated it before its reply is lost
        await gate.wait()
        return httpx.Response(200, json={"access_token": "new", "expires_in": 600, "refresh_token": "r2"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(slow_refresh))
    saved: list[object] = []

    async def on_refreshed(fresh: object) -> None:
        saved.append(fresh)

    tokens = UserToken(
        "old", 0.0, http=http, auth_server_url=BASE, client_id="c", refresh_token="r1", on_refreshed=on_refreshed
    )
    waiting = asyncio.create_task(tokens.get_token())
    await asyncio.sleep(0)
    waiting.cancel()
    gate.set()
    assert await tokens.get_token() == "new"
    assert [s.refresh_token for s in saved] == ["r2"]  # type: ignore[attr-defined]
