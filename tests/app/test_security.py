"""Security: sentinel tokens never reach logs, the API log, screenshots, crash reports, files or ``info``.

The app is built by the real command line (``doover-tui --profile sec --debug``) against an emulator
whose auth endpoints are played by a double that echoes every credential it is sent in its error replies.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from textual.pilot import Pilot
from textual.widgets import DataTable

from doover_tui import logs
from doover_tui.api.auth import TokenSource
from doover_tui.app import DooverApp
from doover_tui.cli import main
from doover_tui.config.paths import default_paths
from doover_tui.emulator.app import Emulator, EmulatorConfig
from doover_tui.emulator.faults import ASGIApp
from doover_tui.emulator.server import RunningEmulator, bind
from doover_tui.screens.api_log_modal import ApiLogModal
from doover_tui.screens.error_modal import ErrorModal
from tests.app.harness import until

SENTINEL = "SENTINEL-9f3a"
OLD_ACCESS = f"{SENTINEL}-old-access-5b7c1d9e"
ACCESS = f"{SENTINEL}-access-0e4d2a9c"
"""The emulator's token: what a refresh hands out."""
REFRESH = f"{SENTINEL}-refresh-7a61e3f0"
NEXT_REFRESH = f"{SENTINEL}-refresh2-c3b84f17"
SECRET = f"{SENTINEL}-secret-96d0ab25"
CLIENT_ID = "svc-4411"
SECRETS = (OLD_ACCESS, ACCESS, REFRESH, NEXT_REFRESH, SECRET)


def forbidden_forms() -> set[str]:
    """What must appear nowhere: each secret's start and end (8 chars), percent- and base64-encoded forms."""
    forms: set[str] = set()
    for secret in SECRETS:
        raw = secret.encode()
        forms |= {secret[:8], secret[-8:], quote(secret, safe="")}
        forms |= {base64.b64encode(raw).decode()[:12], base64.urlsafe_b64encode(raw).decode()[:12]}
    forms.add(base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()[:16])
    return forms


def assert_clean(text: str, where: str) -> None:
    """Fail naming the first secret form found in ``text``."""
    found = sorted(form for form in forbidden_forms() if form in text)
    assert not found, f"{where} holds {found}: …{text[max(0, text.find(found[0]) - 80) :][:200]}…"


class AuthDouble:
    """Wraps the emulator: plays its auth endpoints and fails chosen paths, echoing every credential sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.fail: dict[str, list[int]] = {}
        """Statuses to answer the next requests of a path with, in turn."""
        self.refuse_refreshes = 0
        self.refreshes = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Answer or pass on one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        echo = f"{request.method} {request.url} with {request.headers.get('authorization')}"
        if scope["path"] in ("/oauth2/token", "/api/oauth2/token"):
            await self._token(request, echo)(scope, receive, send)
        elif self.fail.get(scope["path"]):
            status = self.fail[scope["path"]].pop(0)
            body = {"detail": f"refused {echo}", "token": [f"{request.headers.get('authorization')} is bad"]}
            await JSONResponse(body, status_code=status)(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _token(self, request: Request, echo: str) -> Response:
        basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
        refresh = request.query_params.get("refresh_token")
        self.refreshes += refresh is not None
        if self.refuse_refreshes or (refresh not in (REFRESH, NEXT_REFRESH, None)):
            self.refuse_refreshes = max(0, self.refuse_refreshes - 1)
            return JSONResponse({"error": "invalid_grant", "detail": f"refused {echo}"}, status_code=400)
        if refresh is None and request.headers.get("authorization") != f"Basic {basic}":
            return JSONResponse({"error": "invalid_client", "detail": f"refused {echo}"}, status_code=401)
        return JSONResponse({"access_token": ACCESS, "expires_in": 3600, "refresh_token": NEXT_REFRESH})


@pytest.fixture(autouse=True)
def fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no remembered secrets, so it proves its own path registers them."""
    monkeypatch.setattr(logs, "_known", {})


@pytest.fixture
def served() -> Iterator[tuple[RunningEmulator, AuthDouble]]:
    """The emulator (its token the sentinel ``ACCESS``) behind the auth double, on loopback."""
    emulator = Emulator(EmulatorConfig(token=ACCESS, simulate=False, activation_delay=0.0))
    double = AuthDouble(emulator.asgi)
    emulator.asgi = double
    server = RunningEmulator(emulator, bind("127.0.0.1", 0))
    server.start()
    try:
        yield server, double
    finally:
        server.stop()


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """``setup_logging`` takes over the root logger; give it back afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in ("httpx", "httpcore", "websockets")}
    yield
    for handler in root.handlers:
        handler.close()
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def write_profile(home: Path, root: str) -> Path:
    path = home / ".doover" / "config"
    path.parent.mkdir()
    path.write_text(
        "# kept comment\n\n[profile=other]\nTOKEN=unrelated-token\n\n[profile=sec]\n"
        f"TOKEN={OLD_ACCESS}\nTOKEN_EXPIRES=1.0\nBASE_URL={root}\nBASE_DATA_URL={root}/api\n"
        f"REFRESH_TOKEN={REFRESH}\nAUTH_SERVER_URL={root}\nAUTH_SERVER_CLIENT_ID=doover-tui-emulator\n"
    )
    path.chmod(0o600)
    return path


def app_from_command_line(monkeypatch: pytest.MonkeyPatch, *argv: str) -> DooverApp:
    """The app exactly as ``doover-tui ARGV`` builds it (logging set up), without running it."""
    built: list[DooverApp] = []
    monkeypatch.setattr(DooverApp, "run", lambda self, *args, **kwargs: built.append(self))
    assert main(list(argv)) == 0
    return built[0]


async def screenshot(pilot: Pilot[Any]) -> str:
    """The screen as SVG, once the toasts notified so far are on it."""
    await until(pilot, lambda: len(pilot.app.screen.query("Toast")) >= len(pilot.app._notifications), "toasts")
    return pilot.app.export_screenshot()


def noted(notes: list[str], text: str) -> Callable[[], bool]:
    """Whether one of the last few notifications says ``text``."""
    return lambda: any(text in note for note in notes[-3:])


def in_mode(app: DooverApp, mode: str) -> bool:
    """Whether ``app`` shows the area ``mode``."""
    return app.current_mode == mode


def written_files(directory: Path, *, but: Path) -> list[Path]:
    """Every file under ``directory`` except ``but``."""
    return [path for path in directory.rglob("*") if path.is_file() and path != but]


def loaded(app: DooverApp) -> bool:
    """No load of any screen is under way."""
    return not any(w.description.startswith("load") and not w.is_finished for w in app.workers)


async def crash_with_secrets() -> None:
    """A worker dying of an exception whose text quotes a header and a URL with tokens."""
    token = ACCESS
    raise RuntimeError(f"upstream said: Authorization: Bearer {token}; see /oauth2/token?refresh_token={REFRESH}")


async def test_sentinel_tokens_never_leave_the_app(
    served: tuple[RunningEmulator, AuthDouble],
    isolated_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    notes: list[str],
    logging_restored: None,
) -> None:
    server, double = served
    profile = write_profile(isolated_env, server.urls.root)
    paths = default_paths()
    paths.settings_file.parent.mkdir(parents=True)
    paths.settings_file.write_text("[network]\nretries = 1\n")
    app = app_from_command_line(monkeypatch, "--profile", "sec", "--debug")
    texts: dict[str, str] = {}
    double.refuse_refreshes = 1_000
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await until(pilot, lambda: any("refused to refresh the login" in n for n in notes), "the refresh refusal")
        texts["screenshot: refresh refused"] = await screenshot(pilot)
        double.refuse_refreshes = 0
        await pilot.press("r")
        await until(pilot, lambda: bool(app.browser.agents), "agents, after a refresh")
        for status, shown in ((401, "log in again"), (500, "HTTP 500"), (400, "HTTP 400")):
            double.fail["/agents/"] = [status] * (1 if status == 400 else 2)
            await pilot.press("r")
            await until(pilot, noted(notes, shown), f"the {status} shown")
            texts[f"screenshot: {status}"] = await screenshot(pilot)
        app.run_worker(crash_with_secrets(), name="crash", exit_on_error=False)
        await until(pilot, lambda: isinstance(app.screen, ErrorModal), "the crash report")
        crash = app.screen
        assert isinstance(crash, ErrorModal)
        assert "RuntimeError: upstream said: Authorization: Bearer ***" in crash.detail
        texts["crash report"] = crash.detail
        texts["screenshot: crash report"] = await screenshot(pilot)
        await pilot.press("escape")
        await pilot.press("L")
        await until(pilot, lambda: isinstance(app.screen, ApiLogModal), "the API log")
        table = app.screen.query_one(DataTable)
        texts["API log table"] = "\n".join(str(table.get_row_at(i)) for i in range(table.row_count))
        texts["screenshot: API log"] = await screenshot(pilot)
        texts["request log"] = repr(app.store.request_log.entries())
        await pilot.press("escape")
        for key, area in (("2", "applications"), ("3", "tunnels"), ("1", "browser")):
            await pilot.press(key)
            await until(pilot, partial(in_mode, app, area), f"the {area} area")
            await until(pilot, lambda: loaded(app), f"the {area} area's loads")
            texts[f"screenshot: {area}"] = await screenshot(pilot)
    assert double.refreshes >= 3, "the refused refresh, the one after it, and the one forced by the 401"
    assert notes, "errors were shown"
    texts["toasts"] = "\n".join(notes)
    assert main(["info", "--profile", "sec"]) == 0
    for handler in logging.getLogger().handlers:
        handler.flush()
    log_text = paths.log_file.read_text()
    assert "ERROR doover_tui.screens.worker_errors: worker crash failed" in log_text
    assert "Authorization: Bearer ***; see /oauth2/token?refresh_token=***" in log_text
    captured = capsys.readouterr()
    texts["stdout"], texts["stderr"] = captured.out, captured.err
    assert "token" in captured.out, "info ran"
    files = written_files(tmp_path, but=profile)
    assert any(p.name.startswith("snapshot-") for p in files), "the snapshot was written, and is checked"
    for path in files:
        texts[f"file {path.relative_to(tmp_path)}"] = path.read_bytes().decode("utf-8", errors="replace")
    for where, text in texts.items():
        assert_clean(text, where)
    kept = profile.read_text()
    assert f"TOKEN={ACCESS}\n" in kept
    assert f"REFRESH_TOKEN={NEXT_REFRESH}\n" in kept
    assert kept.startswith("# kept comment\n\n[profile=other]\nTOKEN=unrelated-token\n\n[profile=sec]\n")
    assert profile.stat().st_mode & 0o777 == 0o600


async def test_a_service_account_secret_never_leaves_the_client(
    served: tuple[RunningEmulator, AuthDouble],
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    notes: list[str],
    logging_restored: None,
) -> None:
    server, double = served
    monkeypatch.setenv("DOOVER_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("DOOVER_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("DOOVER_DATA_API_BASE_URL", server.urls.data)
    urls = ["--data-url", server.urls.data, "--control-url", server.urls.control]
    app = app_from_command_line(monkeypatch, *urls, "--debug")
    tokens: TokenSource = app.store.client.tokens
    double.fail["/agents/"] = [401, 401]
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await until(pilot, lambda: any("log in again" in n for n in notes), "the 401 shown")
        texts = {"screenshot": await screenshot(pilot), "request log": repr(app.store.request_log.entries())}
        await pilot.press("r")
        await until(pilot, lambda: bool(app.browser.agents), "agents, with the service account's token")
    assert SECRET in tokens.secrets(), "the secret is known to the redactor"
    texts["toasts"] = "\n".join(notes)
    assert main(["info", *urls]) == 0
    for handler in logging.getLogger().handlers:
        handler.flush()
    paths = default_paths()
    texts["log"] = "".join(p.read_text() for p in paths.log_file.parent.glob(paths.log_file.name + "*"))
    captured = capsys.readouterr()
    texts["stdout"], texts["stderr"] = captured.out, captured.err
    assert "service account" in captured.out
    for where, text in texts.items():
        assert_clean(text, where)


async def run_until_crash(app: DooverApp, bug: Callable[[], None]) -> None:
    """Run the app until ``bug``, called from its message loop, crashes it (Textual then re-raises)."""
    async with app.run_test(size=(100, 30)) as pilot:
        app.call_later(bug)
        await pilot.pause()


async def test_a_crash_outside_workers_prints_no_token(
    served: tuple[RunningEmulator, AuthDouble],
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    logging_restored: None,
) -> None:
    server, _ = served
    write_profile(isolated_env, server.urls.root)
    app = app_from_command_line(monkeypatch, "--profile", "sec")

    def handler_bug() -> None:
        token = ACCESS  # a local of a crashing frame, as Textual shows them
        raise RuntimeError(f"bug near Bearer {token}")

    with pytest.raises(RuntimeError, match="bug near"):
        await run_until_crash(app, handler_bug)
    for handler in logging.getLogger().handlers:
        handler.flush()
    paths = default_paths()
    assert_clean(paths.log_file.read_text(), "log")
    assert "unhandled exception" in paths.log_file.read_text()
    assert_clean(capsys.readouterr().err, "crash report on stderr")


PLAIN = "http://192.0.2.1/api"
"""Plain http to a non-loopback address (TEST-NET-1: never routed; the tests' socket guard refuses it anyway)."""


async def test_the_app_warns_about_a_plain_http_url(
    monkeypatch: pytest.MonkeyPatch, notes: list[str], logging_restored: None
) -> None:
    monkeypatch.setenv("DOOVER_API_TOKEN", ACCESS)
    app = app_from_command_line(monkeypatch, "--data-url", PLAIN, "--control-url", "http://127.0.0.1:9")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        assert any(f"the data API URL {PLAIN} is not encrypted" in note for note in notes), notes


def test_info_warns_about_a_plain_http_url(capsys: pytest.CaptureFixture[str]) -> None:
    env = {"DOOVER_API_TOKEN": ACCESS}
    assert main(["info", "--data-url", PLAIN, "--control-url", "https://api.example.com"], env=env) == 0
    err = capsys.readouterr().err
    assert f"doover-tui: warning: the data API URL {PLAIN} is not encrypted" in err
    assert_clean(err, "stderr")
