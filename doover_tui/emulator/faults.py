"""Fault injection (``--faults``): latency, random 5xx, rate limiting, truncated bodies, dropped gateways."""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

EXAMPLE = "latency=200ms,error_rate=0.1,status=503,rate_limit=20/s,drop_ws=30s,truncate=0.05"


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """What to break, and how often. The default breaks nothing."""

    latency: float = 0.0
    """Seconds added before every HTTP response."""
    error_rate: float = 0.0
    """Share of HTTP requests answered with ``status`` instead."""
    status: int = 503
    rate_limit: float | None = None
    """Requests per second allowed; the rest get 429 with ``Retry-After``."""
    drop_ws: float | None = None
    """Seconds between closing every gateway connection."""
    truncate: float = 0.0
    """Share of responses whose body is cut short."""
    methods: frozenset[str] = frozenset()
    """Only requests with these HTTP methods are faulted (empty: all), e.g. writes only."""

    @property
    def active(self) -> bool:
        """Whether any HTTP fault is configured."""
        return bool(self.latency or self.error_rate or self.rate_limit or self.truncate)


def _duration(key: str, value: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)?", value)
    if match is None:
        raise ValueError(f"--faults {key}={value!r}: expected a duration such as 200ms, 2s or 1m")
    number, unit = float(match.group(1)), match.group(2) or "s"
    return number / 1000 if unit == "ms" else number * 60 if unit == "m" else number


def _share(key: str, value: str) -> float:
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"--faults {key}={value!r}: expected a share between 0 and 1")
    return share


def _rate(key: str, value: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)/(s|m)", value)
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(f"--faults {key}={value!r}: expected a rate such as 20/s or 600/m")
    return float(match.group(1)) / (60 if match.group(2) == "m" else 1)


def parse_faults(text: str) -> FaultSpec:
    """Parse ``key=value,…`` (see ``EXAMPLE``).

    Raises:
        ValueError: an unknown key or a malformed value, saying which and what was expected.
    """
    values: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            raise ValueError(f"--faults: {item!r} is not key=value (example: {EXAMPLE})")
        if key in ("latency", "drop_ws"):
            values[key] = _duration(key, value)
        elif key in ("error_rate", "truncate"):
            values[key] = _share(key, value)
        elif key == "rate_limit":
            values[key] = _rate(key, value)
        elif key == "methods":
            values[key] = frozenset(method.strip().upper() for method in value.split("+") if method.strip())
        elif key == "status":
            if not re.fullmatch(r"5[0-9][0-9]", value):
                raise ValueError(f"--faults status={value!r}: expected a 5xx status")
            values[key] = int(value)
        else:
            raise ValueError(
                f"--faults: unknown fault {key!r} "
                "(known: latency, error_rate, status, rate_limit, drop_ws, truncate, methods)"
            )
    return FaultSpec(**values)


class FaultMiddleware:
    """ASGI middleware applying a FaultSpec to HTTP requests (WebSockets pass through)."""

    def __init__(self, app: ASGIApp, spec: FaultSpec, rng: random.Random | None = None) -> None:
        self.app = app
        self.spec = spec
        self.rng = rng or random.Random()
        self._allowance = spec.rate_limit or 0.0
        self._checked = time.monotonic()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Delay, refuse, fail or truncate an HTTP request as the spec says."""
        if scope["type"] != "http" or (self.spec.methods and scope["method"] not in self.spec.methods):
            await self.app(scope, receive, send)
            return
        if self.spec.latency:
            await asyncio.sleep(self.spec.latency)
        wait = self._throttle()
        if wait is not None:
            headers = {"retry-after": str(max(1, math.ceil(wait)))}
            detail = f"Request was throttled. Expected available in {max(1, math.ceil(wait))} seconds."
            await _reply(send, 429, {"detail": detail}, headers)
            return
        if self.spec.error_rate and self.rng.random() < self.spec.error_rate:
            await _reply(send, self.spec.status, {"detail": "injected fault"}, {})
            return
        if self.spec.truncate and self.rng.random() < self.spec.truncate:
            await self.app(scope, receive, _truncating(send))
            return
        await self.app(scope, receive, send)

    def _throttle(self) -> float | None:
        """Token bucket: None to pass, else seconds until a request would pass."""
        rate = self.spec.rate_limit
        if rate is None:
            return None
        now = time.monotonic()
        self._allowance = min(rate, self._allowance + (now - self._checked) * rate)
        self._checked = now
        if self._allowance >= 1.0:
            self._allowance -= 1.0
            return None
        return (1.0 - self._allowance) / rate


async def _reply(send: Send, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
    content = orjson.dumps(body)
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    raw_headers += [(k.encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": content})


def _truncating(send: Send) -> Send:
    """Collect the response, then send only the first half of its body (with a matching length)."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def wrapped(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        cut = body[: len(body) // 2]
        assert start is not None
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(cut)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": cut})

    return wrapped
