"""The control API (reference §5): users, organisations, agents, devices, applications, tunnels."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from doover_tui.api.data import Id
from doover_tui.api.errors import ProtocolError
from doover_tui.api.http import Endpoint, Params, encode_params
from doover_tui.api.models import (
    AgentsResponse,
    AppInstall,
    Application,
    Device,
    Organisation,
    Tunnel,
    User,
)
from doover_tui.api.models._parse import expect_list, expect_object, objects

T = TypeVar("T")

PER_PAGE = 100
"""Items per page: the CLI's choice; the server's maximum is undocumented."""

MAX_PAGES = 10_000
"""A server whose ``next`` never ends must not keep us paging forever."""


class ControlClient:
    """Typed calls to the control API. Every method raises a ``DooverError`` subclass on failure."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._api = endpoint

    async def iter_pages(
        self, path: str, parse: Callable[[Any], T], params: Params | None = None
    ) -> AsyncIterator[list[T]]:
        """Yield each page of a DRF list (``count/next/previous/results``) until ``next`` is null.

        Only the query of ``next`` is followed, on our own base URL: a proxy in front of
        the API may put another host or scheme in it.
        """
        query: dict[str, str] = {"per_page": str(PER_PAGE)}
        query.update(encode_params(params))
        asked: set[frozenset[tuple[str, str]]] = set()
        for _ in range(MAX_PAGES):
            asked.add(frozenset(query.items()))
            body = expect_object(await self._api.call("GET", path, params=query), f"page of {path}")
            yield [parse(item) for item in objects(expect_list(body.get("results"), f"results of {path}"))]
            next_url = body.get("next")
            if not isinstance(next_url, str) or not next_url:
                return
            query = {**query, **dict(parse_qsl(urlsplit(next_url).query))}
            if frozenset(query.items()) in asked:
                raise ProtocolError(f"{path}: the server's next page is one already read ({next_url})")
        raise ProtocolError(f"{path}: gave up after {MAX_PAGES} pages")

    async def list_all(self, path: str, parse: Callable[[Any], T], params: Params | None = None) -> list[T]:
        """Every item of a paginated list."""
        items: list[T] = []
        async for page in self.iter_pages(path, parse, params):
            items.extend(page)
        return items

    # Users, organisations, agents, devices ---------------------------------------------------

    async def me(self) -> User:
        """The signed-in user."""
        return User.from_json(await self._api.call("GET", "/users/me/"))

    async def organisations(self, *, search: str | None = None) -> list[Organisation]:
        """Every organisation the user can see."""
        return await self.list_all("/organisations/", Organisation.from_json, {"search": search})

    async def agents(self, *, include_archived: bool = False) -> AgentsResponse:
        """All agents and groups in one unpaginated call (the best source for the agent list)."""
        body = await self._api.call("GET", "/agents/", params={"include-archived": include_archived})
        return AgentsResponse.from_json(body)

    async def devices(self, *, search: str | None = None) -> list[Device]:
        """Every device the user can see."""
        return await self.list_all("/devices/", Device.from_json, {"search": search})

    async def device(self, device_id: Id) -> Device:
        """One device."""
        return Device.from_json(await self._api.call("GET", f"/devices/{device_id}/"))

    # Applications ---------------------------------------------------------------------------

    async def applications(self, *, search: str | None = None) -> list[Application]:
        """Every application the user can see (all pages)."""
        return await self.list_all("/applications/", Application.from_json, {"search": search})

    async def application(self, application_id: Id) -> Application:
        """One application."""
        return Application.from_json(await self._api.call("GET", f"/applications/{application_id}/"))

    async def create_application(self, fields: dict[str, Any]) -> Application:
        """Create an application from its writable fields."""
        return Application.from_json(await self._api.call("POST", "/applications/", json=fields))

    async def patch_application(self, application_id: Id, fields: dict[str, Any]) -> Application:
        """Change some fields of an application."""
        body = await self._api.call("PATCH", f"/applications/{application_id}/", json=fields, idempotent=True)
        return Application.from_json(body)

    async def put_application(self, application_id: Id, fields: dict[str, Any]) -> Application:
        """Replace an application's writable fields."""
        return Application.from_json(await self._api.call("PUT", f"/applications/{application_id}/", json=fields))

    async def app_installs(self, device_id: Id) -> list[AppInstall]:
        """The applications installed on a device."""
        return await self.list_all(f"/devices/{device_id}/app_installs/", AppInstall.from_json)

    # Tunnels --------------------------------------------------------------------------------

    async def tunnels(self, device_id: Id | None = None, *, search: str | None = None) -> list[Tunnel]:
        """A device's tunnels, or every tunnel the user can see when ``device_id`` is None."""
        return await self.list_all(_tunnels(device_id), Tunnel.from_json, {"search": search})

    async def tunnel(self, tunnel_id: Id, *, device_id: Id | None = None) -> Tunnel:
        """One tunnel."""
        return Tunnel.from_json(await self._api.call("GET", f"{_tunnels(device_id)}{tunnel_id}/"))

    async def create_tunnel(self, fields: dict[str, Any], *, device_id: Id | None = None) -> Tunnel:
        """Create a tunnel; without ``device_id`` the body must name the device as ``device_id``."""
        body = {key: value for key, value in fields.items() if device_id is None or key != "device_id"}
        return Tunnel.from_json(await self._api.call("POST", _tunnels(device_id), json=body))

    async def patch_tunnel(self, tunnel_id: Id, fields: dict[str, Any], *, device_id: Id | None = None) -> Tunnel:
        """Change some fields of a tunnel (``is_active`` is not one: use activate/deactivate)."""
        body = await self._api.call("PATCH", f"{_tunnels(device_id)}{tunnel_id}/", json=fields, idempotent=True)
        return Tunnel.from_json(body)

    async def delete_tunnel(self, tunnel_id: Id, *, device_id: Id | None = None) -> None:
        """Delete a tunnel."""
        await self._api.call("DELETE", f"{_tunnels(device_id)}{tunnel_id}/")

    async def activate_tunnel(self, tunnel_id: Id, *, device_id: Id | None = None) -> Tunnel | None:
        """Ask for a tunnel to open; the service does it asynchronously, so re-read to confirm."""
        return await self._toggle(tunnel_id, device_id, "activate")

    async def deactivate_tunnel(self, tunnel_id: Id, *, device_id: Id | None = None) -> Tunnel | None:
        """Ask for a tunnel to close; re-read to confirm."""
        return await self._toggle(tunnel_id, device_id, "deactivate")

    async def _toggle(self, tunnel_id: Id, device_id: Id | None, verb: str) -> Tunnel | None:
        # The official CLI sends an empty object, whatever the spec's request schema says.
        body = await self._api.call("POST", f"{_tunnels(device_id)}{tunnel_id}/{verb}/", json={}, idempotent=True)
        return Tunnel.from_json(body) if isinstance(body, dict) and "id" in body else None


def _tunnels(device_id: Id | None) -> str:
    return "/tunnels/" if device_id is None else f"/devices/{device_id}/tunnels/"
