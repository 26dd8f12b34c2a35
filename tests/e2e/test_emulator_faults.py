"""Fault injection: parsing, and what each fault does to real requests."""

from __future__ import annotations

import argparse
import random

import httpx
import pytest

from doover_tui.api.auth import StaticToken
from doover_tui.api.errors import ProtocolError, RateLimitedError, ServerError
from doover_tui.api.http import ApiSession, RequestRecord, RetryPolicy
from doover_tui.emulator.app import Emulator, EmulatorConfig
from doover_tui.emulator.cli import add_arguments
from doover_tui.emulator.faults import EXAMPLE, PROXY_PAGE, FaultMiddleware, FaultSpec, parse_faults
from tests.emulator_fixtures import AUTH, TOKEN


def test_parse_full_spec() -> None:
    spec = parse_faults("latency=200ms, error_rate=0.1,status=502,rate_limit=20/s,drop_ws=30s,truncate=0.05")
    assert spec == FaultSpec(latency=0.2, error_rate=0.1, status=502, rate_limit=20.0, drop_ws=30.0, truncate=0.05)
    assert parse_faults(EXAMPLE).malformed == 0.05, "the example in error messages parses"
    assert parse_faults("malformed=0.3,seed=42") == FaultSpec(malformed=0.3, seed=42)
    assert FaultSpec(malformed=0.1).active
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
        ("explode=1", r"unknown fault 'explode'.*malformed.*seed"),
        ("malformed=lots", "expected a share between 0 and 1"),
        ("seed=-1", "expected a whole number"),
        ("seed=١", "expected a whole number"),
        ("latency", "is not key=value"),
    ],
)
def test_parse_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_faults(text)


def faulty(spec: FaultSpec, *, seed_from_spec: bool = False) -> tuple[Emulator, httpx.AsyncClient]:
    emulator, api, _ = faulty_middleware(spec, seed_from_spec=seed_from_spec)
    return emulator, api


def faulty_middleware(
    spec: FaultSpec, *, seed_from_spec: bool = False
) -> tuple[Emulator, httpx.AsyncClient, FaultMiddleware]:
    emulator = Emulator(EmulatorConfig(token=TOKEN, simulate=False))
    middleware = FaultMiddleware(emulator.asgi, spec, None if seed_from_spec else random.Random(7))
    transport = httpx.ASGITransport(app=middleware)
    api = httpx.AsyncClient(transport=transport, base_url="http://emulator.test", headers=AUTH)
    return emulator, api, middleware


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


async def test_malformed_is_a_200_html_page_the_server_never_sees() -> None:
    emulator, api, middleware = faulty_middleware(FaultSpec())
    agents = (await api.get("/agents/")).json()["agents"]
    device = next(agent for agent in agents if agent["type"] == "device")
    path = f"/api/agents/{device['id']}/channels/device_status/aggregate"
    middleware.set_spec(FaultSpec(malformed=1.0))
    response = await api.patch(path, json={"garbled": True})
    assert (response.status_code, response.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert response.content == PROXY_PAGE
    records: list[RequestRecord] = []
    session = ApiSession(api, StaticToken(TOKEN), sleep=_no_sleep, on_request=records.append)
    with pytest.raises(ProtocolError, match=r"not JSON .*<!DOCTYPE html>"):
        await session.request("GET", f"http://emulator.test{path}")
    attempts = RetryPolicy().attempts
    assert [(r.status, r.error) for r in records] == [(200, "Unexpected response")] * attempts, "each try logged"
    middleware.set_spec(FaultSpec())
    stored = (await api.get(path)).json()
    assert "garbled" not in stored["data"], "the proxy answered: the write never reached the server"
    assert middleware.total(outcome="malformed") == 1 + attempts, "the PATCH, and each try of the GET"
    emulator.close()


async def test_a_seed_repeats_the_draws_and_faults_can_be_lifted() -> None:
    spec = FaultSpec(error_rate=0.5, truncate=0.3, seed=11)
    runs = []
    for _ in range(2):
        emulator, api = faulty(spec, seed_from_spec=True)
        runs.append([(await api.get("/users/me/")).status_code for _ in range(12)])
        emulator.close()
    assert runs[0] == runs[1]
    assert {200, 503} <= set(runs[0])
    emulator, api, middleware = faulty_middleware(FaultSpec(error_rate=1.0))
    assert (await api.get("/users/me/")).status_code == 503
    middleware.set_spec(FaultSpec())
    assert (await api.get("/users/me/")).status_code == 200
    assert middleware.counts == {("GET", "/users/me/", "failed"): 1, ("GET", "/users/me/", "passed"): 1}
    assert middleware.total("GET", "/users/") == 2
    emulator.close()


def test_the_emulator_seeds_its_middleware_from_the_spec() -> None:
    draws = []
    for _ in range(2):
        emulator = Emulator(EmulatorConfig(token=TOKEN, simulate=False, faults=FaultSpec(error_rate=0.5, seed=5)))
        assert isinstance(emulator.asgi, FaultMiddleware)
        draws.append([emulator.asgi.rng.random() for _ in range(3)])
        emulator.close()
    assert draws[0] == draws[1]


async def _no_sleep(_: float) -> None:
    return None


def test_status_must_be_ascii_5xx() -> None:
    with pytest.raises(ValueError, match="expected a 5xx status"):
        parse_faults("status=5²3")


def test_the_command_line_help_shows_the_full_example() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    faults = next(action for action in parser._actions if "--faults" in action.option_strings)
    assert faults.help is not None
    assert EXAMPLE in faults.help
