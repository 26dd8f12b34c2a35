"""Fault injection (``--faults``): latency, random 5xx, rate limiting, bad bodies, dropped gateways."""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

EXAMPLE = "latency=200ms,error_rate=0.1,status=503,rate_limit=20/s,drop_ws=30s,truncate=0.05,malformed=0.05,seed=1"

KNOWN = "latency, error_rate, status, rate_limit, drop_ws, truncate, malformed, methods, seed"

PROXY_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p>"
    b"<hr><address>proxy</address></body></html>\n"
)
"""What ``malformed`` answers with: a proxy's error page, sent as a 200 (some proxies do)."""


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
    malformed: float = 0.0
    """Share of requests answered 200 with an HTML page instead of JSON (not passed on to the server)."""
    methods: frozenset[str] = frozenset()
    """Only requests with these HTTP methods are faulted (empty: all), e.g. writes only."""
    seed: int | None = None
    """Seed of the random draws (error_rate, truncate, malformed), for runs that repeat exactly."""

    @property
    def active(self) -> bool:
        """Whether any HTTP fault is configured."""
        return bool(self.latency or self.error_rate or self.rate_limit or self.truncate or self.malformed)


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
        if not sep:
            raise ValueError(f"--faults: {item!r} is not key=value (example: {EXAMPLE})")
        values[key.strip()] = _value(key.strip(), value.strip())
    return FaultSpec(**values)


def _value(key: str, value: str) -> Any:
    """One fault's value, checked."""
    if key in ("latency", "drop_ws"):
        return _duration(key, value)
    if key in ("error_rate", "truncate", "malformed"):
        return _share(key, value)
    if key == "rate_limit":
        return _rate(key, value)
    if key == "methods":
        return frozenset(method.strip().upper() for method in value.split("+") if method.strip())
    if key == "status":
        if not re.fullmatch(r"5[0-9][0-9]", value):
            raise ValueError(f"--faults status={value!r}: expected a 5xx status")
        return int(value)
    if key == "seed":
        if not re.fullmatch(r"[0-9]+", value):
            raise ValueError(f"--faults seed={value!r}: expected a whole number such as 1")
        return int(value)
    raise ValueError(f"--faults: unknown fault {key!r} (known: {KNOWN})")


class FaultMiddleware:
    """ASGI middleware applying a FaultSpec to HTTP requests (WebSockets pass through).

    ``counts`` tallies every HTTP request by ``(method, path, outcome)``, the outcome being
    ``passed``, ``throttled``, ``failed``, ``truncated`` or ``malformed``, so tests can count retries.
    """

    def __init__(self, app: ASGIApp, spec: FaultSpec, rng: random.Random | None = None) -> None:
        self.app = app
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self._given_rng = rng
        self.set_spec(spec)

    def set_spec(self, spec: FaultSpec) -> None:
        """Apply ``spec`` from now on (faults can be lifted or changed while serving); draws restart from its seed."""
        self.spec = spec
        # A given rng is kept; otherwise the draws restart, so a run with a seed repeats exactly.
        self.rng = self._given_rng or random.Random(spec.seed)
        self._allowance = spec.rate_limit or 0.0
        self._checked = time.monotonic()

    def total(self, method: str | None = None, path: str | None = None, outcome: str | None = None) -> int:
        """How many requests matched: ``path`` is a substring, None matches anything."""
        return sum(
            count
            for (m, p, o), count in self.counts.items()
            if (method is None or m == method) and (path is None or path in p) and (outcome is None or o == outcome)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Delay, refuse, fail, garble or truncate an HTTP request as the spec says."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        spec = self.spec
        if spec.methods and scope["method"] not in spec.methods:
            self._count(scope, "passed")
            await self.app(scope, receive, send)
            return
        if spec.latency:
            await asyncio.sleep(spec.latency)
        wait = self._throttle()
        if wait is not None:
            self._count(scope, "throttled")
            seconds = max(1, math.ceil(wait))
            detail = f"Request was throttled. Expected available in {seconds} seconds."
            await _reply(send, 429, orjson.dumps({"detail": detail}), {"retry-after": str(seconds)})
        elif self._draw(spec.error_rate):
            self._count(scope, "failed")
            await _reply(send, spec.status, orjson.dumps({"detail": "injected fault"}))
        elif self._draw(spec.malformed):
            self._count(scope, "malformed")
            await _reply(send, 200, PROXY_PAGE, content_type=b"text/html; charset=utf-8")
        elif self._draw(spec.truncate):
            self._count(scope, "truncated")
            await self.app(scope, receive, _truncating(send))
        else:
            self._count(scope, "passed")
            await self.app(scope, receive, send)

    def _draw(self, share: float) -> bool:
        """True with probability ``share`` (no draw at all for 0, so other faults' draws stay the same)."""
        return bool(share) and self.rng.random() < share

    def _count(self, scope: Scope, outcome: str) -> None:
        self.counts[(scope["method"], scope["path"], outcome)] += 1

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


async def _reply(
    send: Send,
    status: int,
    content: bytes,
    headers: dict[str, str] | None = None,
    *,
    content_type: bytes = b"application/json",
) -> None:
    raw_headers = [(b"content-type", content_type), (b"content-length", str(len(content)).encode())]
    raw_headers += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
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
