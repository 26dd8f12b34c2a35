"""Shared fixtures: an isolated home and config dirs, fake JWTs, and a recording MockTransport."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from textual.app import App

pytest_plugins = ["tests.gateway_peer", "tests.emulator_fixtures"]

SHARED = Path(__file__).resolve().parents[2] / "shared"
FIXTURES = SHARED / "doover-api" / "fixtures"


def fixture_json(name: str) -> Any:
    """A body from ../shared/doover-api/fixtures."""
    return json.loads((FIXTURES / name).read_text())


def make_jwt(exp: float | None, subject: str = "user-1") -> str:
    """An unsigned JWT-shaped token carrying ``exp`` (enough for expiry reading)."""

    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(orjson.dumps(obj)).rstrip(b"=").decode()

    claims: dict[str, Any] = {"sub": subject}
    if exp is not None:
        claims["exp"] = exp
    return f"{part({'alg': 'none'})}.{part(claims)}.signature"


@pytest.fixture
def notes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message passed to App.notify during the test, in order."""
    seen: list[str] = []
    original = App.notify

    def spy(self: App[Any], message: str, **kwargs: Any) -> None:
        seen.append(message)
        original(self, message, **kwargs)

    monkeypatch.setattr(App, "notify", spy)
    return seen


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME and doover-tui directories; nothing real is read or written."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("CONFIG", "CACHE", "STATE", "DATA", "LOG"):
        monkeypatch.setenv(f"DOOVER_TUI_{name}_DIR", str(tmp_path / name.lower()))
    for name in (
        "DOOVER_API_TOKEN",
        "DOOVER_DATA_API_BASE_URL",
        "DOOVER_CLIENT_ID",
        "DOOVER_CLIENT_SECRET",
        "DOOVER_CONFIG_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


@dataclass
class Seen:
    """One request as the server saw it, body decoded (gunzipped when needed)."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: httpx.Headers
    raw_body: bytes
    body: Any

    def param(self, key: str) -> list[str]:
        return [value for name, value in self.query if name == key]


Responder = Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeServer:
    """Routes ``(METHOD, path)`` to canned responses and records every request."""

    routes: dict[tuple[str, str], list[httpx.Response | Responder]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def on(self, method: str, path: str, *responses: httpx.Response | Responder) -> None:
        """Answer ``method path`` with each response in turn (the last one repeats)."""
        self.routes[(method, path)] = list(responses)

    def handler(self, request: httpx.Request) -> httpx.Response:
        raw = request.content
        data = gzip.decompress(raw) if request.headers.get("content-encoding") == "gzip" else raw
        try:
            body = orjson.loads(data) if data else None
        except orjson.JSONDecodeError:
            body = data
        self.seen.append(
            Seen(request.method, request.url.path, list(request.url.params.multi_items()), request.headers, raw, body)
        )
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return httpx.Response(404, json={"detail": f"no route for {request.method} {request.url.path}"})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(request) if callable(answer) else answer

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def last(self) -> Seen:
        return self.seen[-1]


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()
