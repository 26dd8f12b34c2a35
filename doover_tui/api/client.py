"""DooverClient: the data and control APIs and the gateway over one httpx.AsyncClient."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from doover_tui.api.auth import TokenSource
from doover_tui.api.control import ControlClient
from doover_tui.api.data import DataClient
from doover_tui.api.gateway import GatewayClient
from doover_tui.api.gateway_events import GatewayEvent
from doover_tui.api.http import ApiSession, Endpoint, RequestRecord, RetryPolicy, user_agent


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where to connect.

    Attributes:
        data_url: data API base, including its ``/api`` suffix.
        control_url: control API base.
        gateway_url: the live WebSocket URL.
    """

    data_url: str
    control_url: str
    gateway_url: str


def derive_gateway_url(data_url: str) -> str:
    """Guess the gateway from the data API URL: same host, ``ws(s)``, path ``/ws``.

    The real path is unconfirmed (``/ws`` and ``/gateway`` are both seen); ``/ws`` is
    what Doover's own Node-RED transport uses.
    """
    url = httpx.URL(data_url)
    scheme = "wss" if url.scheme == "https" else "ws"
    path = url.path.rstrip("/")
    if path.endswith("/api"):
        path = path[: -len("/api")]
    return str(url.copy_with(scheme=scheme, path=f"{path}/ws", query=None, fragment=None))


def new_http_client(timeout: float, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The one httpx.AsyncClient both APIs and the token endpoints share."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": user_agent(), "Accept": "application/json"},
        transport=transport,
        follow_redirects=True,
    )


class DooverClient:
    """Everything that talks to Doover, for the store to use. Close it with :meth:`aclose`."""

    def __init__(
        self,
        endpoints: Endpoints,
        tokens: TokenSource,
        http: httpx.AsyncClient,
        *,
        organisation_id: str | None = None,
        retry: RetryPolicy | None = None,
        on_request: Callable[[RequestRecord], None] | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.tokens = tokens
        self.organisation_id = organisation_id
        self.http = http
        self.session = ApiSession(http, tokens, organisation_id=organisation_id, retry=retry, on_request=on_request)
        self.data = DataClient(Endpoint(self.session, endpoints.data_url, gzip_bodies=True))
        self.control = ControlClient(Endpoint(self.session, endpoints.control_url, gzip_bodies=False))

    def gateway(self, on_event: Callable[[GatewayEvent], None]) -> GatewayClient:
        """A gateway client for this account (not yet started)."""
        return GatewayClient(self.endpoints.gateway_url, self.tokens, on_event, organisation_id=self.organisation_id)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self.http.aclose()
