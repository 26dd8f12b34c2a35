"""The HTTP session under both APIs: auth header, retries with backoff, gzip, orjson, typed errors."""

from __future__ import annotations

import asyncio
import gzip
import platform
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson

from doover_tui import __version__
from doover_tui.api.auth import TokenSource
from doover_tui.api.errors import (
    AuthError,
    BadRequestError,
    ConflictError,
    DooverError,
    ForbiddenError,
    NetworkError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    ServerError,
)
from doover_tui.jsonedit import compact

GZIP_MIN_BYTES = 50
"""Data API JSON bodies this size or larger are gzipped, as pydoover and doover-rs do."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

QueryValue = str | int | float | bool | None | Sequence[str | int]
Params = Mapping[str, QueryValue]

_UNSET: Any = object()


def user_agent() -> str:
    """A User-Agent in the official clients' style, naming us."""
    return f"doover-tui/{__version__} Python/{platform.python_version()} httpx/{httpx.__version__}"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry.

    Attributes:
        attempts: total tries of one request (1 means no retry).
        base_delay: the first backoff, doubled on each retry.
        max_delay: the ceiling of one backoff.
        max_retry_after: the longest ``Retry-After`` we will honour before giving up.
    """

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def backoff(self, retry_number: int, rand: float) -> float:
        """Delay before retry ``retry_number`` (1-based), with jitter in [50 %, 100 %] of the step."""
        step = min(self.max_delay, self.base_delay * 2.0 ** (retry_number - 1))
        return step * (0.5 + rand / 2)


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One attempt of one request, for the API log. Never holds a token or a query secret.

    Attributes:
        method: HTTP method.
        url: the URL without credentials (token endpoints are logged without their query).
        status: the HTTP status, or None when no response came.
        latency_ms: time until the response (or failure), in milliseconds.
        attempt: 1 for the first try, 2 for the first retry, and so on.
        error: the error's title when the attempt failed.
        at: wall-clock time the attempt ended (Unix seconds).
    """

    method: str
    url: str
    status: int | None
    latency_ms: float
    attempt: int
    error: str | None
    at: float


def encode_params(params: Params | None) -> list[tuple[str, str]]:
    """Turn query parameters into pairs: booleans as true/false, lists as repeated keys, None dropped."""
    pairs: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            pairs.append((key, "true" if value else "false"))
        elif isinstance(value, str | int | float):
            pairs.append((key, str(value)))
        else:
            pairs.extend((key, str(item)) for item in value)
    return pairs


class ApiSession:
    """Sends requests with the bearer token, retries what may be retried, and maps failures.

    One instance serves both the data and the control API; :class:`Endpoint` binds a
    base URL to it.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        tokens: TokenSource,
        *,
        organisation_id: str | None = None,
        retry: RetryPolicy | None = None,
        on_request: Callable[[RequestRecord], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.tokens = tokens
        self.organisation_id = organisation_id
        self.retry = retry or RetryPolicy()
        self._on_request = on_request
        self._sleep = sleep
        self._rand = rand
        self._clock = clock

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Params | None = None,
        json: Any = _UNSET,
        gzip_body: bool = False,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one request and return its decoded JSON body (None for an empty body).

        Args:
            method: HTTP method.
            url: absolute URL.
            params: query parameters (see :func:`encode_params`).
            json: the body, encoded as JSON at any depth (``jsonedit.compact``); omit for no body.
            gzip_body: gzip a body of at least ``GZIP_MIN_BYTES`` bytes.
            idempotent: whether a failure after the request was sent may be retried;
                defaults to True for GET/HEAD/OPTIONS/PUT/DELETE.

        Raises:
            DooverError: a subclass saying what failed (never an httpx exception).
        """
        method = method.upper()
        may_resend = idempotent if idempotent is not None else method in IDEMPOTENT_METHODS
        content, headers = self._encode_body(json, gzip_body)
        pairs = encode_params(params)
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            token = await self._token_for(method, url, pairs, attempt)
            started = self._clock()
            outcome = await self._send_once(method, url, pairs, content, headers, token)
            latency_ms = (self._clock() - started) * 1000
            response, body, failure = _read(outcome, method, url)
            self._log(method, url, pairs, response, latency_ms, attempt, failure)
            if isinstance(failure, AuthError) and not refreshed and self.tokens.can_refresh:
                # doover-js's rule: one forced refresh and one resend on a 401.
                await self.tokens.refresh(rejected_token=token)
                refreshed = True
                attempt -= 1
                continue
            if failure is None:
                return body
            delay = self._retry_delay(failure, response, attempt, may_resend)
            if delay is None:
                raise failure
            await self._sleep(delay)

    async def _token_for(self, method: str, url: str, pairs: list[tuple[str, str]], attempt: int) -> str | None:
        """The token for an attempt; a failure to get one (a refused refresh) is logged as that attempt's."""
        try:
            return await self.tokens.get_token()
        except DooverError as exc:
            # Logged, so the status bar's error count and the API log show why nothing is sent.
            self._log(method, url, pairs, None, 0.0, attempt, exc)
            raise

    async def _send_once(
        self,
        method: str,
        url: str,
        pairs: list[tuple[str, str]],
        content: bytes | None,
        headers: dict[str, str],
        token: str | None,
    ) -> httpx.Response | DooverError:
        request_headers = dict(headers)
        if token:
            request_headers["Authorization"] = f"Bearer {token}"
        if self.organisation_id:
            request_headers["X-Doover-Organisation"] = self.organisation_id
        try:
            response = await self.http.request(
                method, url, params=httpx.QueryParams(tuple(pairs)), content=content, headers=request_headers
            )
        except httpx.TimeoutException as exc:
            return _NetworkFailure(
                f"{method} {_display_url(url)} timed out ({type(exc).__name__})",
                sent=not _never_sent(exc),
            )
        except httpx.TransportError as exc:
            return _NetworkFailure(
                f"{method} {_display_url(url)} failed: {_describe_transport(exc)}",
                sent=not _never_sent(exc),
            )
        except httpx.RequestError as exc:
            # Undecodable bodies and redirect loops: resending will not help.
            return ProtocolError(f"{method} {_display_url(url)} failed: {_describe_transport(exc)}")
        except httpx.InvalidURL as exc:
            return NetworkError(f"{_display_url(url)!r} is not a valid URL: {exc}")
        except UnicodeEncodeError:
            # A header holds a character HTTP cannot carry: a token pasted with a stray
            # character, or an odd organisation id. Say which, without showing the token.
            culprit = "the organisation id" if not (self.organisation_id or "").isascii() else "the access token"
            return AuthError(f"{culprit} holds a character that cannot be sent in an HTTP header; check it")
        return response

    def _retry_delay(
        self, failure: DooverError, response: httpx.Response | None, attempt: int, may_resend: bool
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now."""
        if attempt >= self.retry.attempts:
            return None
        if isinstance(failure, RateLimitedError):
            # A 429 was refused before any work was done, so any method may be resent.
            if failure.retry_after is None:
                return self.retry.backoff(attempt, self._rand())
            return failure.retry_after if failure.retry_after <= self.retry.max_retry_after else None
        if isinstance(failure, _NetworkFailure):
            return self.retry.backoff(attempt, self._rand()) if may_resend or not failure.sent else None
        # Cut short or replaced on the way (proxies, dropped links): asking again can help, if resending is safe.
        if isinstance(failure, _BodyNotJson) and may_resend:
            return self.retry.backoff(attempt, self._rand())
        # 503 means the request was not processed; other 5xx may have been half-done.
        if isinstance(failure, ServerError) and (may_resend or failure.status == 503):
            return self.retry.backoff(attempt, self._rand())
        return None

    @staticmethod
    def _encode_body(body: Any, gzip_body: bool) -> tuple[bytes | None, dict[str, str]]:
        if body is _UNSET:
            return None, {}
        # Not orjson.dumps alone: it refuses more than 254 levels (and integers beyond 64 bits), which the
        # service accepts and stores; compact encodes those without recursing.
        content = compact(body)
        headers = {"Content-Type": "application/json"}
        if gzip_body and len(content) >= GZIP_MIN_BYTES:
            content = gzip.compress(content, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
        return content, headers

    def _log(
        self,
        method: str,
        url: str,
        pairs: list[tuple[str, str]],
        response: httpx.Response | None,
        latency_ms: float,
        attempt: int,
        error: DooverError | None,
    ) -> None:
        if self._on_request is None:
            return
        shown = _display_url(url, pairs)
        status = response.status_code if response is not None else None
        self._on_request(
            RequestRecord(
                method,
                shown,
                status,
                latency_ms,
                attempt,
                error.title if error else None,
                time.time(),
            )
        )


class _NetworkFailure(NetworkError):
    """A NetworkError that remembers whether the request may have reached the server."""

    def __init__(self, detail: str, *, sent: bool) -> None:
        super().__init__(detail)
        self.sent = sent


def _never_sent(exc: httpx.TransportError) -> bool:
    """Connection-stage failures: the server cannot have seen the request, so resending is safe."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _describe_transport(exc: httpx.RequestError) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _display_url(url: str, pairs: list[tuple[str, str]] | None = None) -> str:
    """The URL for messages and the request log: never credentials, a query only when given."""
    try:
        shown = httpx.URL(url).copy_with(query=None, username=None, password=None)
        return str(shown.copy_with(params=pairs) if pairs else shown)
    except (httpx.InvalidURL, UnicodeError):
        return url.split("?", 1)[0].rsplit("@", 1)[-1]


def _read(
    outcome: httpx.Response | DooverError, method: str, url: str
) -> tuple[httpx.Response | None, Any, DooverError | None]:
    """One attempt's response, decoded body and failure; a body that is not JSON is a failure, logged as one."""
    if not isinstance(outcome, httpx.Response):
        return None, None, outcome
    if outcome.status_code >= 400:
        return outcome, None, _error_for(outcome, method, url)
    try:
        return outcome, _decode(outcome, method, url), None
    except ProtocolError as exc:
        return outcome, None, exc


class _BodyNotJson(ProtocolError):
    """A success whose body is not JSON: a body cut short, or a proxy's own page in its place."""


def _decode(response: httpx.Response, method: str, url: str) -> Any:
    if not response.content.strip():
        return None
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        raise _BodyNotJson(
            f"{method} {_display_url(url)} answered HTTP {response.status_code} with a body that is not JSON "
            f"({exc}): {_snippet(response)}",
            status=response.status_code,
        ) from None


def _snippet(response: httpx.Response, limit: int = 200) -> str:
    text = response.content[:limit].decode("utf-8", errors="replace").strip()
    return text + ("…" if len(response.content) > limit else "")


def _error_for(response: httpx.Response, method: str, url: str) -> DooverError:
    """Map an error response to the typed error that says what happened."""
    status = response.status_code
    body = _try_json(response)
    message = _message_from(body) or _snippet(response) or response.reason_phrase
    detail = f"{method} {_display_url(url)}: {message}"
    if status == 401:
        return AuthError(f"{detail} — log in again with `doover login`", status=status)
    if status == 403:
        return ForbiddenError(detail, status=status)
    if status == 404:
        return NotFoundError(detail, status=status)
    if status == 409:
        return ConflictError(detail, status=status)
    if status == 429:
        return RateLimitedError(detail, retry_after=_retry_after(response))
    if status >= 500:
        return ServerError(f"{detail} (HTTP {status})", status=status)
    return BadRequestError(f"{detail} (HTTP {status})", status=status, field_errors=_field_errors(body))


def _try_json(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        return None


def _message_from(body: Any) -> str | None:
    if isinstance(body, dict):
        for key in ("detail", "message", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        errors = _field_errors(body)
        if errors:
            return "; ".join(f"{path}: {' '.join(msgs)}" for path, msgs in errors.items())
    return None


def _field_errors(body: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten DRF field errors (``{"a": {"b": ["msg"]}}``) to ``{"a.b": ["msg"]}``."""
    found: dict[str, list[str]] = {}
    if not isinstance(body, dict):
        return found
    for key, value in body.items():
        path = f"{prefix}{key}"
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            found[path] = list(value)
        elif isinstance(value, str) and key not in ("detail", "message", "error"):
            found[path] = [value]
        elif isinstance(value, dict):
            found.update(_field_errors(value, f"{path}."))
    return found


def _retry_after(response: httpx.Response) -> float | None:
    """Read ``Retry-After`` as seconds or an HTTP date."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


class Endpoint:
    """One API base URL bound to the shared session (the data API gzips bodies; control does not)."""

    def __init__(self, session: ApiSession, base_url: str, *, gzip_bodies: bool) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self._gzip_bodies = gzip_bodies

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` (which starts with ``/``)."""
        return f"{self.base_url}{path}"

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = _UNSET,
        idempotent: bool | None = None,
    ) -> Any:
        """Send a request to ``path`` under this base URL (see :meth:`ApiSession.request`).

        Raises:
            DooverError: what failed.
        """
        return await self.session.request(
            method,
            self.url(path),
            params=params,
            json=json,
            gzip_body=self._gzip_bodies,
            idempotent=idempotent,
        )
