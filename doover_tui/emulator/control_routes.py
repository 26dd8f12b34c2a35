"""Routes of the control API (trailing slashes, DRF pagination) and the auth server."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from doover_tui.emulator.auth import EmulatorAuth
from doover_tui.emulator.context import Caller, Handler, guarded
from doover_tui.emulator.control_service import ControlService
from doover_tui.emulator.db import Database
from doover_tui.emulator.http_util import JsonResponse, empty, flag, paginate, read_body
from doover_tui.emulator.tunnels import TunnelService


class ControlRoutes:
    """Handlers for the control API."""

    def __init__(self, db: Database, control: ControlService, tunnels: TunnelService, auth: EmulatorAuth) -> None:
        self.db = db
        self.control = control
        self.tunnels = tunnels
        self.auth = auth

    def routes(self) -> list[Route]:
        """Every control-API and auth-server route."""

        def route(path: str, handler: Handler, methods: list[str]) -> Route:
            return Route(path, guarded(self.auth, self.db, handler), methods=methods)

        routes = [
            Route("/oauth2/token", self.refresh_grant, methods=["POST"]),
            Route("/.well-known/openid-configuration", self.openid_configuration, methods=["GET"]),
            route("/users/me/", self.me, ["GET"]),
            route("/users/{user_id}/", self.user, ["GET"]),
            route("/organisations/", self.organisations, ["GET"]),
            route("/agents/", self.agents, ["GET"]),
            route("/devices/", self.devices, ["GET"]),
            route("/devices/{device_id}/", self.device, ["GET"]),
            route("/applications/", self.applications, ["GET", "POST"]),
            route("/applications/{application_id}/", self.application, ["GET", "PUT", "PATCH"]),
            route("/devices/{device_id}/app_installs/", self.app_installs, ["GET"]),
        ]
        for prefix in ("/tunnels/", "/devices/{device_id}/tunnels/"):
            routes += [
                route(prefix, self.tunnel_list, ["GET", "POST"]),
                route(prefix + "{tunnel_id}/", self.tunnel, ["GET", "PUT", "PATCH", "DELETE"]),
                route(prefix + "{tunnel_id}/activate/", self.tunnel_toggle, ["POST"]),
                route(prefix + "{tunnel_id}/deactivate/", self.tunnel_toggle, ["POST"]),
            ]
        return routes

    async def me(self, request: Request, caller: Caller) -> Response:
        """The signed-in user."""
        return JsonResponse(self.control.user(self.control.user_id))

    async def user(self, request: Request, caller: Caller) -> Response:
        """A user by id."""
        return JsonResponse(self.control.user(request.path_params["user_id"]))

    async def organisations(self, request: Request, caller: Caller) -> Response:
        """Organisations, paginated."""
        return paginate(request, self.control.organisations(caller.visible))

    async def agents(self, request: Request, caller: Caller) -> Response:
        """All agents and groups, unpaginated."""
        return JsonResponse(self.control.agents(caller.visible, include_archived=flag(request, "include-archived")))

    async def devices(self, request: Request, caller: Caller) -> Response:
        """Devices, paginated."""
        return paginate(request, self.control.devices(caller.visible), ("name", "display_name"))

    async def device(self, request: Request, caller: Caller) -> Response:
        """One device."""
        return JsonResponse(self.control.device(request.path_params["device_id"], caller.visible))

    async def applications(self, request: Request, caller: Caller) -> Response:
        """List (paginated) or create applications."""
        if request.method == "POST":
            body = (await read_body(request)).data
            return JsonResponse(self.control.save_application(body, caller.visible), status_code=201)
        return paginate(request, self.control.applications(caller.visible), ("name", "display_name", "description"))

    async def application(self, request: Request, caller: Caller) -> Response:
        """Get, replace or patch an application."""
        application_id = request.path_params["application_id"]
        if request.method == "GET":
            return JsonResponse(self.control.application(application_id, caller.visible))
        body = (await read_body(request)).data
        saved = self.control.save_application(
            body, caller.visible, application_id=application_id, partial=request.method == "PATCH"
        )
        return JsonResponse(saved)

    async def app_installs(self, request: Request, caller: Caller) -> Response:
        """A device's app installs, paginated."""
        installs = self.control.app_installs(request.path_params["device_id"], caller.visible)
        return paginate(request, installs, ("name", "display_name"))

    def _device_scope(self, request: Request, caller: Caller) -> str | None:
        device_id: str | None = request.path_params.get("device_id")
        if device_id is not None:
            self.control.device(device_id, caller.visible)
        return device_id

    async def tunnel_list(self, request: Request, caller: Caller) -> Response:
        """List (paginated) or create tunnels."""
        device_id = self._device_scope(request, caller)
        if request.method == "POST":
            body = (await read_body(request)).data
            return JsonResponse(self.tunnels.create(body, device_id, caller.visible), status_code=201)
        return paginate(request, self.tunnels.list(device_id, caller.visible), ("name", "hostname"))

    async def tunnel(self, request: Request, caller: Caller) -> Response:
        """Get, replace, patch or delete a tunnel."""
        device_id = self._device_scope(request, caller)
        tunnel_id = request.path_params["tunnel_id"]
        if request.method == "GET":
            return JsonResponse(self.tunnels.get(tunnel_id, device_id, caller.visible))
        if request.method == "DELETE":
            self.tunnels.delete(tunnel_id, device_id, caller.visible)
            return empty(204, json_type=False)
        body = (await read_body(request)).data
        partial = request.method == "PATCH"
        return JsonResponse(self.tunnels.update(tunnel_id, body, device_id, caller.visible, partial=partial))

    async def tunnel_toggle(self, request: Request, caller: Caller) -> Response:
        """Activate or deactivate a tunnel; any body (the CLI sends ``{}``) is accepted."""
        device_id = self._device_scope(request, caller)
        active = request.url.path.endswith("/activate/")
        return JsonResponse(
            self.tunnels.toggle(request.path_params["tunnel_id"], device_id, caller.visible, active=active)
        )

    async def refresh_grant(self, request: Request) -> Response:
        """``POST /oauth2/token`` with query parameters: the refresh-token grant (reference §1.4)."""
        params = request.query_params
        if params.get("grant_type") != "refresh_token":
            return JsonResponse({"error": "unsupported_grant_type"}, status_code=400)
        if not self.auth.check_refresh(params.get("refresh_token"), params.get("client_id")):
            return JsonResponse({"error": "invalid_grant"}, status_code=400)
        token, ttl = self.auth.issue()
        return JsonResponse({"access_token": token, "expires_in": int(ttl), "refresh_token": self.auth.refresh_token})

    async def openid_configuration(self, request: Request) -> Response:
        """Enough OIDC discovery for a client to find the token endpoint."""
        base = str(request.base_url).rstrip("/")
        return JsonResponse({"issuer": base, "token_endpoint": f"{base}/oauth2/token"})
