"""Access tokens: static, user (refresh-token flow, §1.4) and service account (client credentials, §1.5)."""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from doover_tui.api.errors import AuthError, DooverError, NetworkError
from doover_tui.api.jwt import jwt_expiry
from doover_tui.logs import remember_secrets

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"[\x21-\x7e]+")
"""Printable ASCII without spaces: anything else cannot go in a header or a profile line."""

REFRESH_MARGIN_S = 30.0
"""Refresh this long before expiry, as pydoover and doover-js do, so no request races the clock."""


@dataclass(frozen=True, slots=True)
class TokenState:
    """What may be said about a token without showing it.

    Attributes:
        kind: where the token comes from, in words.
        present: a token is held now.
        expires_at: when it expires (UTC), if known.
        refreshable: a new token can be obtained without the user.
    """

    kind: str
    present: bool
    expires_at: datetime | None
    refreshable: bool


@dataclass(frozen=True, slots=True)
class RefreshedToken:
    """A token obtained by a refresh, handed to ``on_refreshed`` so it can be persisted."""

    access_token: str = field(repr=False)
    expires_at: float | None
    refresh_token: str | None = field(repr=False)


class TokenSource:
    """Hands out the bearer token, refreshing it when it is about to expire.

    Subclasses implement :meth:`_obtain`. The base class serialises refreshes so that
    concurrent requests near expiry cause one refresh, not one each.
    """

    kind = "token"

    def __init__(
        self,
        token: str | None,
        expires_at: float | None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._expires_at: float | None = None
        self._margin = REFRESH_MARGIN_S
        self._hold(token or None, expires_at if expires_at is not None else (jwt_expiry(token) if token else None))

    def _hold(self, token: str | None, expires_at: float | None) -> None:
        """Keep a token; its refresh margin is at most half its remaining life.

        A token living less than twice the margin (the emulator's ``--token-ttl 5``) would
        otherwise be due for renewal the moment it arrives, costing a refresh per request.
        """
        remember_secrets(token)  # masked in logs and error text from now on, even after it is replaced
        self._token, self._expires_at = token, expires_at
        remaining = REFRESH_MARGIN_S * 2 if expires_at is None else expires_at - self._clock()
        self._margin = min(REFRESH_MARGIN_S, max(0.0, remaining / 2))

    @property
    def can_refresh(self) -> bool:
        """Whether :meth:`refresh` can obtain a new token."""
        return False

    def state(self) -> TokenState:
        """Describe the token without revealing it."""
        expires = datetime.fromtimestamp(self._expires_at, tz=UTC) if self._expires_at is not None else None
        return TokenState(self.kind, self._token is not None, expires, self.can_refresh)

    def secrets(self) -> tuple[str, ...]:
        """Every secret this source holds, for redacting logs."""
        return (self._token,) if self._token else ()

    def _needs_refresh(self) -> bool:
        if self._token is None:
            return True
        return self._expires_at is not None and self._clock() >= self._expires_at - self._margin

    def _expired(self) -> bool:
        return self._expires_at is not None and self._clock() >= self._expires_at

    async def get_token(self) -> str | None:
        """Return a token valid for the next request, refreshing it first when due.

        Raises:
            AuthError: the token expired and cannot be refreshed, or the refresh was refused.
            NetworkError: the auth server could not be reached.
        """
        if self.can_refresh and self._needs_refresh():
            async with self._lock:
                if self._needs_refresh():
                    await self._refresh_early()
        elif self._expired():
            # No way to renew it: send nothing that is certain to be refused.
            raise AuthError(self._expired_detail())
        return self._token

    async def refresh(self, *, rejected_token: str | None = None) -> None:
        """Obtain a new token now (after a 401), unless another caller already replaced ``rejected_token``.

        Raises:
            AuthError: no refresh is possible, or the auth server refused it.
            NetworkError: the auth server could not be reached.
        """
        if not self.can_refresh:
            raise AuthError(self._expired_detail())
        async with self._lock:
            if rejected_token is None or self._token == rejected_token:
                await self._refresh_locked()

    async def _refresh_early(self) -> None:
        """Refresh a token that is due; while it is still valid, a failed refresh costs nothing yet."""
        try:
            await self._refresh_locked()
        except DooverError as exc:
            if self._token is None or self._expired():
                raise
            # The next request tries again; the user hears of it only if the token runs out first.
            log.warning("renewing the access token failed; it is still valid for now: %s", exc.title)

    async def _refresh_locked(self) -> None:
        # Shielded: a request cancelled mid-refresh must not throw away the server's reply,
        # which may hold a rotated refresh token that is the only one still valid.
        await asyncio.shield(asyncio.ensure_future(self._obtain_and_keep()))

    async def _obtain_and_keep(self) -> None:
        fresh = await self._obtain()
        self._hold(fresh.access_token, fresh.expires_at)
        await self._on_obtained(fresh)

    async def _obtain(self) -> RefreshedToken:
        raise AuthError(self._expired_detail())

    async def _on_obtained(self, fresh: RefreshedToken) -> None:
        """Hook for subclasses that persist a new token."""

    def _expired_detail(self) -> str:
        return "the access token has expired or was rejected and cannot be refreshed; log in again with `doover login`"


class StaticToken(TokenSource):
    """A token that cannot be refreshed (``DOOVER_API_TOKEN``, or a profile without a refresh token)."""

    kind = "static token"

    def __init__(
        self,
        token: str | None,
        *,
        expires_at: float | None = None,
        kind: str = "static token",
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(token, expires_at, clock=clock)
        self.kind = kind


class UserToken(TokenSource):
    """A user's token from ``doover login``, renewed with its refresh token (reference §1.4)."""

    kind = "user token"

    def __init__(
        self,
        token: str | None,
        expires_at: float | None,
        *,
        http: httpx.AsyncClient,
        auth_server_url: str,
        client_id: str | None,
        refresh_token: str | None,
        on_refreshed: Callable[[RefreshedToken], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(token, expires_at, clock=clock)
        self._http = http
        self._auth_server_url = auth_server_url.rstrip("/")
        self._client_id = client_id
        self._refresh_token = refresh_token
        self._on_refreshed = on_refreshed
        remember_secrets(refresh_token)

    @property
    def can_refresh(self) -> bool:
        """A refresh token and the client id it was issued to are both needed."""
        return bool(self._refresh_token and self._client_id)

    def secrets(self) -> tuple[str, ...]:
        """The access and refresh tokens."""
        return tuple(s for s in (self._token, self._refresh_token) if s)

    async def _obtain(self) -> RefreshedToken:
        params = {
            "grant_type": "refresh_token",
            "refresh_token": self._refresh_token or "",
            "client_id": self._client_id or "",
        }
        if self._token:
            params["access_token"] = self._token
        reply = await _post_token(
            self._http,
            f"{self._auth_server_url}/oauth2/token",
            params=params,
            what="refresh the login",
        )
        fresh = _parse_token_reply(reply, self._clock)
        if fresh.refresh_token:
            self._refresh_token = fresh.refresh_token
        return fresh

    async def _on_obtained(self, fresh: RefreshedToken) -> None:
        if self._on_refreshed is not None:
            await self._on_refreshed(fresh)


class ClientCredentialsToken(TokenSource):
    """A service account's token from the data host's client-credentials endpoint (reference §1.5)."""

    kind = "service account"

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        data_url: str,
        client_id: str,
        client_secret: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(None, None, clock=clock)
        self._http = http
        self._token_url = f"{data_url.rstrip('/')}/oauth2/token"
        self._client_id = client_id
        self._client_secret = client_secret
        remember_secrets(client_secret, self._basic())

    @property
    def can_refresh(self) -> bool:
        """Client credentials can always ask again."""
        return True

    def secrets(self) -> tuple[str, ...]:
        """The access token and the client secret."""
        return tuple(s for s in (self._token, self._client_secret) if s)

    async def _obtain(self) -> RefreshedToken:
        reply = await _post_token(
            self._http,
            self._token_url,
            data={"grant_type": "client_credentials", "scope": ""},
            headers={"Authorization": f"Basic {self._basic()}"},
            what="obtain a service-account token",
        )
        return _parse_token_reply(reply, self._clock)

    def _basic(self) -> str:
        return base64.b64encode(f"{self._client_id}:{self._client_secret}".encode()).decode()


async def _post_token(
    http: httpx.AsyncClient,
    url: str,
    *,
    what: str,
    params: dict[str, str] | None = None,
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST to a token endpoint; the URL's query holds secrets, so it never appears in errors."""
    where = url.split("?", 1)[0]
    try:
        response = await http.post(url, params=params, data=data, headers=headers)
    except httpx.InvalidURL:
        raise AuthError(f"{where!r} is not a valid URL, so the token cannot be renewed") from None
    except UnicodeEncodeError:
        raise AuthError(f"the credentials for {where} hold a character that cannot be sent; check them") from None
    except httpx.RequestError as exc:
        raise NetworkError(f"could not reach {where} to {what}: {type(exc).__name__}") from None
    if response.status_code >= 400:
        raise AuthError(
            f"{where} refused to {what} (HTTP {response.status_code}); log in again with `doover login`",
            status=response.status_code,
        )
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise AuthError(f"{where} sent an unreadable reply when asked to {what}") from None


def _parse_token_reply(reply: Any, clock: Callable[[], float]) -> RefreshedToken:
    token = reply.get("access_token") if isinstance(reply, dict) else None
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise AuthError("the auth server's reply had no usable access_token; log in again with `doover login`")
    expires_in = reply.get("expires_in")
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
        expires_at: float | None = clock() + float(expires_in)
    else:
        expires_at = jwt_expiry(token)
    refresh_token = reply.get("refresh_token")
    usable = isinstance(refresh_token, str) and _TOKEN.fullmatch(refresh_token)
    remember_secrets(token, refresh_token if usable else None)
    return RefreshedToken(token, expires_at, refresh_token if usable else None)
