"""Build a DooverClient from a resolved Connection: the one place credentials meet the API layer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import httpx

from doover_tui.api.auth import (
    ClientCredentialsToken,
    RefreshedToken,
    StaticToken,
    TokenSource,
    UserToken,
)
from doover_tui.api.client import DooverClient, Endpoints, derive_gateway_url, new_http_client
from doover_tui.api.http import RequestRecord, RetryPolicy
from doover_tui.config.connection import Connection, ServiceCredentials
from doover_tui.config.errors import ConfigError
from doover_tui.config.profiles import format_expiry, update_profile
from doover_tui.config.settings import Settings

log = logging.getLogger(__name__)


def endpoints_of(connection: Connection) -> Endpoints:
    """The three URLs, deriving the gateway's when it was not given."""
    gateway = connection.gateway_url or derive_gateway_url(connection.data_url)
    return Endpoints(connection.data_url, connection.control_url, gateway)


def make_tokens(connection: Connection, http: httpx.AsyncClient) -> TokenSource:
    """The token source for the connection's credentials; refreshed user tokens go back to the profile."""
    credentials = connection.credentials
    if isinstance(credentials, ServiceCredentials):
        return ClientCredentialsToken(
            http=http,
            data_url=connection.data_url,
            client_id=credentials.client_id,
            client_secret=credentials.client_secret,
        )
    if not (credentials.refresh_token and credentials.client_id):
        kind = "static token" if credentials.persist_to else "static token (DOOVER_API_TOKEN)"
        return StaticToken(credentials.token, expires_at=credentials.expires_at, kind=kind)
    profile_name = credentials.persist_to

    held_refresh_token = [credentials.refresh_token]

    async def persist(fresh: RefreshedToken) -> None:
        if profile_name is None:
            return
        changes = {"TOKEN": fresh.access_token, "TOKEN_EXPIRES": format_expiry(fresh.expires_at)}
        # Only a rotated refresh token is written: writing back the one we hold would undo a
        # `doover login` done in another terminal while the app runs.
        if fresh.refresh_token and fresh.refresh_token != held_refresh_token[0]:
            changes["REFRESH_TOKEN"] = fresh.refresh_token
            held_refresh_token[0] = fresh.refresh_token
        try:
            await asyncio.to_thread(update_profile, connection.profile_path, profile_name, changes)
        except ConfigError as exc:
            # The new token still works for this session; only its persistence failed.
            log.warning("could not save the refreshed token: %s", exc)

    return UserToken(
        credentials.token,
        credentials.expires_at,
        http=http,
        auth_server_url=connection.auth_server_url,
        client_id=credentials.client_id,
        refresh_token=credentials.refresh_token,
        on_refreshed=persist,
    )


def build_client(
    connection: Connection,
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_request: Callable[[RequestRecord], None] | None = None,
) -> DooverClient:
    """A ready DooverClient for ``connection`` (``transport`` lets tests route requests in-process)."""
    http = new_http_client(settings.network.timeout, transport)
    return DooverClient(
        endpoints_of(connection),
        make_tokens(connection, http),
        http,
        organisation_id=connection.organisation_id,
        retry=RetryPolicy(attempts=settings.network.retries + 1),
        on_request=on_request,
    )
