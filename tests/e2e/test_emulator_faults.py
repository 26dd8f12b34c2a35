"""Fault injection: parsing, and what each fault does to real requests."""

from __future__ import annotations

import random

import httpx
import pytest

from doover_tui.api.auth import StaticToken
from doover_tui.api.errors import ProtocolError, RateLimitedError, ServerError
from doover_tui.api.http import ApiSession, RetryPolicy
from doover_tui.emulator.app import Emulator, EmulatorConfig
from doover_tui.emulator.faults import FaultMiddleware, FaultSpec, parse_faults
from tests.emulator_fixtures import AUTH, TOKEN


def test_parse_full_spec() -> None:
    spec = parse_faults("latency=200ms, error_rate=0.1,status=502,rate_limit=20/s,drop_ws=30s,truncate=0.05")
    assert spec == FaultSpec(latency=0.2, error_rate=0.1, status=502, rate_limit=20.0, drop_ws=30.0, truncate=0.05)
    assert parse_faults("rate_limit=600/m").rate_limit == 10.0
    assert parse_faults("") == FaultSpec()
    assert parse_faults("error_rate=1,methods=patch+PUT").methods == frozenset({"PATCH", "PUT"})
    assert not FaultSpec(drop_ws=5).active, "dropping gateways needs no HTTP middleware"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("latency=soon", "expected a duration such as 200ms"),
        ("error_rate=2", "expected a share between 0 and 1"),
        ("status=404", "expected a 5xx status"),
        ("rate_limit=fast", "expected a rate such as 20/s"),
        ("explode=1", "unknown fault 'explode'"),
        ("latency", "is not key=value"),
    ],
)
def test_parse_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_faults(text)


def faulty(spec: FaultSpec) -> tuple[Emulator, httpx.AsyncClient]:
    emulator = Emulator(EmulatorConfig(token=TOKEN, simulate=False))
    app = FaultMiddleware(emulator.asgi, spec, random.Random(7))
    transport = httpx.ASGITransport(app=app)
    return emulator, httpx.AsyncClient(transport=transport, base_url="http://emulator.test", headers=AUTH)


async def test_error_rate_gives_the_configured_status() -> None:
    emulator, api = faulty(FaultSpec(error_rate=1.0, status=502))
    response = await api.get("/agents/")
    assert (response.status_code, response.json()) == (502, {"detail": "injected fault"})
    session = ApiSession(api, StaticToken(TOKEN), retry=RetryPolicy(attempts=2), sleep=_no_sleep)
    with pytest.raises(ServerError, match="injected fault"):
        await session.request("GET", "http://emulator.test/agents/")
    emulator.close()


async def test_rate_limit_answers_429_with_retry_after() -> None:
    emulator, api = faulty(FaultSpec(rate_limit=2.0))
    statuses = [(await api.get("/users/me/")).status_code for _ in range(5)]
    assert statuses[:2] == [200, 200]
    assert 429 in statuses
    limited = await api.get("/users/me/")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    session = ApiSession(api, StaticToken(TOKEN), retry=RetryPolicy(attempts=1), sleep=_no_sleep)
    with pytest.raises(RateLimitedError) as caught:
        await session.request("GET", "http://emulator.test/users/me/")
    assert caught.value.retry_after is not None
    emulator.close()


async def test_truncated_bodies_are_protocol_errors_for_our_client() -> None:
    emulator, api = faulty(FaultSpec(truncate=1.0))
    response = await api.get("/agents/")
    assert int(response.headers["content-length"]) == len(response.content)
    session = ApiSession(api, StaticToken(TOKEN), sleep=_no_sleep)
    with pytest.raises(ProtocolError, match="not JSON"):
        await session.request("GET", "http://emulator.test/agents/")
    emulator.close()


async def _no_sleep(_: float) -> None:
    return None


def test_status_must_be_ascii_5xx() -> None:
    with pytest.raises(ValueError, match="expected a 5xx status"):
        parse_faults("status=5²3")
