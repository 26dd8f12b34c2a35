"""The fault suite: the app, driven by Pilot, against an emulator running each ``--faults`` mode.

Every test asserts the same four things in its own way: the app does not crash (it still runs the
browser), the user is told (status bar, toast or editor), retries are bounded (counted by the
emulator's fault middleware or the app's request log), and nothing is lost (live updates resume,
an unsent edit is kept until it can be sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import TextArea

from doover_tui.api.auth import StaticToken
from doover_tui.api.client import DooverClient, Endpoints, new_http_client
from doover_tui.api.errors import AuthError, ProtocolError
from doover_tui.api.gateway_events import GatewayState, SessionReady
from doover_tui.api.http import RequestRecord, RetryPolicy
from doover_tui.api.models import Aggregate, ChannelRef
from doover_tui.app import DooverApp
from doover_tui.config.connection import ConnectOptions, resolve_connection
from doover_tui.config.paths import default_paths
from doover_tui.config.profiles import format_expiry, load_profiles, update_profile
from doover_tui.config.settings import Settings
from doover_tui.connect import build_client
from doover_tui.emulator.app import EmulatorConfig
from doover_tui.emulator.cli import write_profile
from doover_tui.emulator.faults import FaultMiddleware, FaultSpec
from doover_tui.emulator.server import RunningEmulator, running
from doover_tui.request_log import RequestLog
from doover_tui.screens.aggregate_view import AggregateView
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.edit_modal import EditModal
from doover_tui.store import Store
from doover_tui.store_events import FeedState, FeedStateChanged, LiveEventReceived, LiveStatusChanged, StoreEvent
from doover_tui.widgets.channel_list import ChannelList
from doover_tui.widgets.status_bar import StatusBar
from tests.app.harness import REFUSED_GATEWAY, build_app, until, writer
from tests.app.test_browser_messages import list_files
from tests.app.test_editing import open_editor, preview
from tests.emulator_fixtures import TOKEN

TANK = "Hilltop Tank"
ATTEMPTS = RetryPolicy().attempts
"""What api/http.py promises: one request is tried at most this often (the harness's client uses the default)."""


# Emulator, app and counting helpers -------------------------------------------------------------


@contextlib.contextmanager
def emulator(spec: FaultSpec, **config: Any) -> Iterator[RunningEmulator]:
    """An emulator on a free loopback port, breaking things as ``spec`` says."""
    settings = EmulatorConfig(token=TOKEN, simulate=False, activation_delay=0.0, faults=spec, **config)
    with running(settings) as live:
        yield live


def faults(live: RunningEmulator) -> FaultMiddleware:
    """The emulator's fault middleware (present whenever its spec had an HTTP fault)."""
    middleware = live.emulator.asgi
    assert isinstance(middleware, FaultMiddleware)
    return middleware


async def set_faults(live: RunningEmulator, spec: FaultSpec) -> None:
    """Change the running emulator's faults (on its own loop, between two requests)."""
    await live.on_loop(lambda: faults(live).set_spec(spec))


def bar(app: DooverApp) -> str:
    """The status bar as the user reads it (brought up to date first: it redraws once a second)."""
    app.browser.refresh_status()
    return str(app.browser.query_one(StatusBar).render())


def tries_per_request(records: list[RequestRecord]) -> list[int]:
    """How many attempts each request took (a new request starts at attempt 1)."""
    current: dict[tuple[str, str], int] = {}
    finished: list[int] = []
    for record in records:
        key = (record.method, record.url)
        if record.attempt == 1 and key in current:
            finished.append(current.pop(key))
        current[key] = record.attempt
    return finished + list(current.values())


def still_browsing(app: DooverApp) -> None:
    """No crash: the app runs on, showing the browser."""
    assert app.is_running
    assert app.screen is app.browser


def past(moment: float) -> bool:
    return time.monotonic() > moment


def level_is(app: DooverApp, value: float) -> bool:
    return level(app) == value


def idle(app: DooverApp) -> bool:
    """No worker of the app is running (every load has ended, in success or failure)."""
    return all(worker.is_finished for worker in app.workers)


async def reload(app: DooverApp, pilot: Any) -> None:
    """Press r (reload what is on screen) and wait until every load has ended."""
    await pilot.press("r")
    await until(pilot, lambda: idle(app), "the reload to end", limit=20)


def shown(app: DooverApp) -> Aggregate | None:
    """The aggregate on screen (the channel pane builds its views on the first open)."""
    views = list(app.browser.query(AggregateView))
    return views[0].aggregate if views else None


def level(app: DooverApp) -> object:
    aggregate = shown(app)
    return aggregate.data.get("level_pct") if aggregate is not None and isinstance(aggregate.data, dict) else None


def ref_of(app: DooverApp) -> ChannelRef:
    ref = app.browser.query_one(AggregateView).ref
    assert ref is not None
    return ref


@contextlib.asynccontextmanager
async def other_client(live: RunningEmulator) -> AsyncIterator[DooverClient]:
    """Another user of the emulator, with its own never-expiring token."""
    other = writer(live)
    try:
        yield other
    finally:
        await other.aclose()


# Latency --------------------------------------------------------------------------------------------


async def test_500ms_latency_loads_everything_and_an_edit_goes_through(tmp_path: Path) -> None:
    with emulator(FaultSpec(latency=0.5)) as live:
        app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
        async with app.run_test(size=(160, 45)) as pilot:
            assert "loading agents…" in bar(app), "the wait is shown"
            await until(pilot, lambda: shown(app) is not None, "aggregate")
            editor = await open_editor(app, pilot)
            ref = editor.target.ref
            text = editor.text.replace("{", '{"slow": true,', 1)
            editor.query_one(TextArea).text = text
            await preview(app, pilot)
            await pilot.press("y")
            await until(pilot, lambda: app.screen is app.browser, "the edit sent and the editor closed")
            records = app.store.request_log.entries()
            assert all(record.latency_ms >= 500 for record in records), "every request was delayed"
            assert [record.error for record in records if record.error] == []
            assert set(tries_per_request(app.store.request_log.entries())) == {1}, "slow is not failed: nothing retried"
            assert "0 errors" in bar(app)
        async with other_client(live) as other:
            assert (await other.data.get_aggregate(ref.agent_id, ref.name)).data["slow"] is True


# 5xx --------------------------------------------------------------------------------------------


async def test_5xx_at_30_percent_is_retried_within_bounds_and_counted(tmp_path: Path) -> None:
    with emulator(FaultSpec(error_rate=0.3, status=503, seed=3)) as live:
        app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
        async with app.run_test(size=(160, 45)) as pilot:
            await until(pilot, lambda: idle(app) and app.browser.agent is not None, "the first load")
            for _ in range(6):
                await reload(app, pilot)
            log = app.store.request_log
            tries = tries_per_request(log.entries())
            failed = [record for record in log.entries() if record.status == 503]
            assert failed, "30 % of requests failed"
            assert max(tries) <= ATTEMPTS, f"no request tried more than {ATTEMPTS} times: {tries}"
            assert any(count > 1 for count in tries), "failed requests were retried"
            assert faults(live).total(outcome="failed") == len(failed), "the emulator saw each failure the log has"
            assert f"{log.error_count} error" in bar(app), "the status bar counts them"
            still_browsing(app)
            retried = sum(count > 1 for count in tries)
            print(f"5xx at 30 %: {len(tries)} requests, {len(failed)} failed attempts, {retried} retried")


async def test_a_server_failing_every_request_is_tried_as_promised_reported_and_recovered(
    tmp_path: Path, notes: list[str]
) -> None:
    with emulator(FaultSpec(error_rate=1.0, status=503)) as live:
        app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
        async with app.run_test(size=(160, 45)) as pilot:
            await until(pilot, lambda: "Server error" in bar(app) and idle(app), "the failure in the status bar")
            assert "OFFLINE" in bar(app)
            assert any("injected fault (HTTP 503)" in note for note in notes), notes
            tries = tries_per_request(app.store.request_log.entries())
            assert tries == [ATTEMPTS], f"the agents request, tried exactly {ATTEMPTS} times"
            assert faults(live).total(outcome="failed") == ATTEMPTS, "and no other attempt reached the server"
            assert f"{ATTEMPTS} errors" in bar(app)
            still_browsing(app)

            await set_faults(live, FaultSpec())  # the server recovers: one reload brings everything back
            await reload(app, pilot)
            await until(pilot, lambda: shown(app) is not None, "the channel")
            assert app.browser.query_one(ChannelList).channels
            assert "OFFLINE" not in bar(app)


# 429 ---------------------------------------------------------------------------------------------


async def test_429_waits_for_retry_after_and_everything_loads(tmp_path: Path) -> None:
    with emulator(FaultSpec(rate_limit=2.0)) as live:
        app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
        async with app.run_test(size=(160, 45)) as pilot:
            await until(pilot, lambda: idle(app) and app.browser.agent is not None, "the first load", limit=20)
            await reload(app, pilot)
            await reload(app, pilot)
            records = app.store.request_log.entries()
            limited = [record for record in records if record.status == 429]
            assert limited, "the bursts were throttled"
            assert faults(live).total(outcome="throttled") == len(limited)
            for record in limited:
                following = [
                    r
                    for r in records
                    if (r.method, r.url, r.attempt) == (record.method, record.url, record.attempt + 1)
                    and r.at > record.at
                ]
                if following:  # the last allowed attempt has none
                    waited = following[0].at - record.at
                    assert waited >= 1.0, f"Retry-After: 1 was honoured ({waited:.2f} s)"
            tries = tries_per_request(app.store.request_log.entries())
            assert max(tries) <= ATTEMPTS
            assert shown(app) is not None
            assert f"{len(limited)} error" in bar(app)
            print(f"429 at 2/s: {len(tries)} requests, {len(limited)} throttled, max {max(tries)} tries")


# Gateway drops ----------------------------------------------------------------------------------


async def test_gateway_dropped_every_second_resumes_and_nothing_is_missed(tmp_path: Path) -> None:
    with emulator(FaultSpec(drop_ws=1.5)) as live:
        app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path, poll_interval=0.5)
        events: list[StoreEvent] = []
        app.store.listen(events.append)

        def states() -> list[GatewayState]:
            return [event.state for event in events if isinstance(event, LiveStatusChanged)]

        def drops() -> int:
            seen = states()
            return sum(1 for a, b in itertools.pairwise(seen) if a is GatewayState.LIVE and b is not a)

        def resumes() -> list[SessionReady]:
            return [e.event for e in events if isinstance(e, LiveEventReceived) and isinstance(e.event, SessionReady)]

        async with app.run_test(size=(160, 45)) as pilot, other_client(live) as other:
            await until(pilot, lambda: shown(app) is not None and GatewayState.LIVE in states(), "the channel, live")
            ref = ref_of(app)
            await until(pilot, lambda: drops() >= 1 and app.store.live_state is not GatewayState.LIVE, "a drop")
            await other.data.update_aggregate(ref.agent_id, ref.name, {"level_pct": 11.0})  # while disconnected
            await until(pilot, lambda: level(app) == 11.0, "the change made during the drop")
            await until(pilot, lambda: drops() >= 2, "a second drop")
            await until(pilot, lambda: app.store.live_state is GatewayState.LIVE, "the second resume")
            await other.data.update_aggregate(ref.agent_id, ref.name, {"level_pct": 22.0})
            await until(pilot, lambda: level(app) == 22.0, "the change after the resume")
            ready = resumes()
            assert len(ready) >= 3, "connected, then resumed after each drop"
            assert [r.resumed for r in ready[1:]] == [True] * (len(ready) - 1), "the session resumed, not restarted"
            assert len(ready) <= drops() + 1, "one reconnect per drop, no storm"
            shown_states = [e.state for e in events if isinstance(e, FeedStateChanged)]
            assert FeedState.POLLING in shown_states, "the status bar said the feed was not live meanwhile"
            still_browsing(app)
            print(f"drop_ws=1.5s: {drops()} drops, {len(ready) - 1} resumes")


# Truncated and malformed bodies ------------------------------------------------------------------


async def test_bad_bodies_are_reported_retried_within_bounds_then_recovered(tmp_path: Path, notes: list[str]) -> None:
    proxy_page = FaultSpec(malformed=1.0, methods=frozenset({"GET"}))
    with emulator(proxy_page) as live:
        app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
        async with app.run_test(size=(160, 45)) as pilot:
            await until(pilot, lambda: "Unexpected response" in bar(app), "the error in the status bar")
            assert "not JSON" in bar(app)
            assert any("<!DOCTYPE html>" in note for note in notes), "the page is shown as text in a toast"
            records = app.store.request_log.entries()
            tried = {(r.status, r.attempt, r.error) for r in records}
            assert tried == {(200, n, "Unexpected response") for n in range(1, ATTEMPTS + 1)}, "asked again, bounded"
            assert faults(live).total(outcome="malformed") == len(records), "every page that is not JSON is counted"
            assert f"{len(records)} error" in bar(app), "a 200 that is not JSON counts as an error"

            await set_faults(live, FaultSpec(truncate=0.25, malformed=0.25, seed=7))
            mark, bad_before = len(records), faults(live).total(outcome="malformed")
            for _ in range(5):
                await reload(app, pilot)
            bad = faults(live).total(outcome="truncated") + faults(live).total(outcome="malformed") - bad_before
            later = app.store.request_log.entries()[mark:]
            assert bad > 1, "bodies were cut short or replaced"
            assert sum(r.error == "Unexpected response" for r in later) == bad, "each one reported, none hidden"
            tries = tries_per_request(later)
            assert max(tries) <= ATTEMPTS, "retries are bounded"
            assert any(n > 1 for n in tries), "a GET whose body was cut short is asked again"
            still_browsing(app)
            print(f"truncate+malformed at 25 % each: {len(later)} attempts, {bad} bad, tries {sorted(tries)}")

            await set_faults(live, FaultSpec())
            await reload(app, pilot)
            assert shown(app) is not None


async def test_a_failed_prefetch_is_not_sent_again() -> None:
    with emulator(FaultSpec(malformed=1.0, methods=frozenset({"GET"}))) as live:
        failed = asyncio.Event()

        def record(entry: RequestRecord) -> None:
            failed.set()

        urls = live.urls
        endpoints = Endpoints(urls.data, urls.control, urls.gateway)
        client = DooverClient(endpoints, StaticToken(TOKEN), new_http_client(10), on_request=record)
        store = Store(client)
        store.prefetch_agents()
        await failed.wait()  # the prefetch's first attempt has failed (its retries follow)
        with pytest.raises(ProtocolError):
            await store.agents()  # what the browser does once its screen is built
        await client.aclose()
        assert faults(live).total("GET", "/agents/") == ATTEMPTS, "the prefetch's tries, and no new request"


# No edit lost ------------------------------------------------------------------------------------


async def test_an_edit_survives_failing_writes_and_is_sent_once_they_work(tmp_path: Path, notes: list[str]) -> None:
    writes = frozenset({"PATCH", "PUT"})
    with emulator(FaultSpec(error_rate=1.0, status=503, methods=writes)) as live:
        app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
        async with app.run_test(size=(160, 45)) as pilot:
            await until(pilot, lambda: shown(app) is not None, "the aggregate")
            editor = await open_editor(app, pilot)
            ref = editor.target.ref
            text = editor.text.replace("{", '{"kept": 1,', 1)
            editor.query_one(TextArea).text = text
            await preview(app, pilot)
            await pilot.press("y")
            problems = editor.query_one("#edit-problems")
            await until(pilot, lambda: "not sent" in str(problems.render()), "the failure in the editor")
            assert editor.text == text, "the text is kept"
            assert faults(live).total("PATCH", outcome="failed") == ATTEMPTS, "tried as often as promised, no more"
            assert any("503" in note for note in notes)
            await pilot.press("escape")  # give up for now: the draft is kept
            await until(pilot, lambda: app.screen is app.browser, "the editor closed")
            assert len(list_files(tmp_path, "*.json")) == 1, "a draft on disk"

            # Writes work again: the draft comes back and is sent.
            await set_faults(live, FaultSpec())
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the draft offer")
            await pilot.press("r")
            await until(pilot, lambda: isinstance(app.screen, EditModal), "the editor")
            assert isinstance(app.screen, EditModal)
            assert app.screen.text == text
            await preview(app, pilot)
            await pilot.press("y")
            await until(pilot, lambda: app.screen is app.browser, "sent")
            assert list_files(tmp_path, "*.json") == [], "the draft is gone once sent"
        async with other_client(live) as other:
            assert (await other.data.get_aggregate(ref.agent_id, ref.name)).data["kept"] == 1


async def test_an_edit_hit_by_503s_is_retried_and_written_once(tmp_path: Path) -> None:
    # Seed 4 at 30 %: the first two PATCHes fail and the third, the last allowed, passes.
    with emulator(FaultSpec(error_rate=0.3, status=503, methods=frozenset({"PATCH"}), seed=4)) as live:
        app = build_app(live, agent=TANK, channel="device_status", drafts_dir=tmp_path)
        async with app.run_test(size=(160, 45)) as pilot, other_client(live) as other:
            await until(pilot, lambda: shown(app) is not None, "the aggregate")
            editor = await open_editor(app, pilot)
            ref = editor.target.ref
            logged_before = len(await other.data.list_messages(ref.agent_id, ref.name, limit=200))
            document = json.loads(editor.text)
            editor.query_one(TextArea).text = json.dumps({**document, "retried": True})
            await set_faults(live, FaultSpec(error_rate=0.3, status=503, methods=frozenset({"PATCH"}), seed=4))
            await preview(app, pilot)
            await pilot.press("y")
            await until(pilot, lambda: app.screen is app.browser, "sent after retries")
            assert faults(live).total("PATCH", outcome="failed") == 2
            assert faults(live).total("PATCH", outcome="passed") == 1
            assert (await other.data.get_aggregate(ref.agent_id, ref.name)).data["retried"] is True
            logged_after = len(await other.data.list_messages(ref.agent_id, ref.name, limit=200))
            assert logged_after == logged_before + 1, "the update is logged once, not once per attempt"


# Token expiry --------------------------------------------------------------------------------------


def login(live: RunningEmulator, token: str, expires_at: float, refresh_token: str) -> None:
    """Write ``[profile=default]`` as the emulator's --write-profile does, with this token and expiry."""
    paths = default_paths()
    write_profile(paths, "default", live.urls.root, token, refresh_token)
    update_profile(paths.doover_config, "default", {"TOKEN_EXPIRES": format_expiry(expires_at)})


def app_from_profile(tmp_path: Path, refreshes: list[float]) -> DooverApp:
    """The app as ``doover-tui --profile default --gateway-url <refused>`` builds it; token requests are counted."""
    settings = Settings()
    options = ConnectOptions(profile="default", gateway_url=REFUSED_GATEWAY)
    connection = resolve_connection(options, {}, default_paths(), settings)
    log = RequestLog()
    client = build_client(connection, settings, on_request=log.record)

    async def count(request: httpx.Request) -> None:
        if request.url.path.endswith("/oauth2/token"):
            refreshes.append(time.time())

    client.http.event_hooks = {"request": [count]}
    store = Store(client, request_log=log, poll_interval=0.5)
    browser = BrowserOptions(
        source="profile default", host="emulator", agent=TANK, channel="device_status", drafts_dir=tmp_path
    )
    return DooverApp(store, browser)


async def test_an_expiring_token_is_refreshed_and_requests_keep_working(tmp_path: Path) -> None:
    ttl = 2.0
    with emulator(FaultSpec(), token_ttl=ttl) as live:
        # The profile's token is unknown to the server (revoked, or expired early): the first request
        # gets a 401, and the one refresh it forces gives a token that then renews before it runs out.
        login(live, "revoked-token", time.time() + 3600, live.emulator.auth.refresh_token)
        refreshes: list[float] = []
        app = app_from_profile(tmp_path, refreshes)
        started = time.monotonic()
        async with app.run_test(size=(160, 45)) as pilot, other_client(live) as other:
            await until(pilot, lambda: shown(app) is not None, "the aggregate")
            ref = ref_of(app)
            for step in range(1, 3):  # two token lifetimes, the app polling all along
                await until(pilot, partial(past, time.monotonic() + ttl), "the token to run out", limit=ttl + 5)
                await other.data.update_aggregate(ref.agent_id, ref.name, {"level_pct": float(step)})
                await until(pilot, partial(level_is, app, float(step)), f"the change after lifetime {step}")
            elapsed = time.monotonic() - started
            log = app.store.request_log.entries()
            rejected = [record for record in log if record.error]
            assert rejected, "the revoked token was refused"
            assert {record.status for record in rejected} == {401}, "and nothing else failed"
            resent = [r for r in log if r.error is None and any(r.url == x.url and r.at > x.at for x in rejected)]
            assert len(resent) >= len(rejected), "each refused request was sent again, and worked"
            assert max(record.attempt for record in log) == 1, "nothing needed a retry"
            assert 2 <= len(refreshes) <= elapsed / (ttl / 2) + 2, f"renewed at half-life: {len(refreshes)}"
            assert f"{len(rejected)} error" in bar(app)
            still_browsing(app)
        saved = load_profiles(default_paths().doover_config).get("default").token
        assert saved not in (None, "revoked-token"), "the renewed token was saved to the profile"
        print(
            f"token_ttl={ttl}s: {len(refreshes)} refreshes in {elapsed:.1f} s, {len(log)} requests, {len(rejected)} 401"
        )


async def test_a_refused_refresh_says_log_in_again_and_the_app_keeps_running(tmp_path: Path, notes: list[str]) -> None:
    ttl = 4.0  # long enough to load the channel on a busy machine; renewal is tried (and refused) from 2 s
    with emulator(FaultSpec(), token_ttl=ttl) as live:
        token, _ = await live.on_loop(live.emulator.auth.issue)
        login(live, token, time.time() + ttl, "refresh-token-that-is-not-valid")
        refreshes: list[float] = []
        app = app_from_profile(tmp_path, refreshes)
        async with app.run_test(size=(160, 45)) as pilot:
            await until(pilot, lambda: shown(app) is not None, "the aggregate, while the token lasts")
            await until(pilot, lambda: "log in again: `doover login`" in bar(app), "the login message", limit=15)
            worked = [r.at for r in app.store.request_log.entries() if r.error is None]
            assert refreshes, "renewal was attempted"
            assert max(worked) > refreshes[0], "a refused early renewal let the still valid token serve on"
            assert "OFFLINE" in bar(app)
            errors = app.store.request_log.error_count
            assert errors > 0, "requests that could not be sent count as errors"
            assert f"{errors} error" in bar(app)
            notes.clear()
            await reload(app, pilot)
            assert any("doover login" in note for note in notes), notes
            still_browsing(app)
            assert shown(app) is not None, "what was loaded stays on screen"
            refused = [r for r in app.store.request_log.entries() if r.error == AuthError.title]
            print(f"refused refresh: {len(refreshes)} refresh attempts, {len(refused)} requests refused")
