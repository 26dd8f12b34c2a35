"""Routes of the data API (under ``/api``, no trailing slashes)."""

from __future__ import annotations

import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from doover_tui.api.snowflake import SnowflakeType
from doover_tui.emulator.auth import EmulatorAuth
from doover_tui.emulator.context import Caller, Handler, guarded
from doover_tui.emulator.data_service import DataService
from doover_tui.emulator.db import Database
from doover_tui.emulator.gateway import GatewayHub
from doover_tui.emulator.http_util import (
    JsonResponse,
    Upload,
    empty,
    flag,
    int_param,
    path_id,
    read_body,
    snowflake_param,
)
from doover_tui.emulator.problems import data_error

CHANNEL = "/api/agents/{agent_id}/channels/{name}"


class DataRoutes:
    """Handlers for the data API, bound to the emulator's services."""

    def __init__(self, db: Database, data: DataService, hub: GatewayHub, auth: EmulatorAuth) -> None:
        self.db = db
        self.data = data
        self.hub = hub
        self.auth = auth

    def routes(self) -> list[Route]:
        """Every data-API route."""

        def route(path: str, handler: Handler, methods: list[str]) -> Route:
            return Route(path, guarded(self.auth, self.db, handler), methods=methods)

        return [
            Route("/api/oauth2/token", self.client_credentials, methods=["POST"]),
            route("/api/agents/{agent_id}/channels", self.list_channels, ["GET"]),
            route("/api/agents/{agent_id}/wss_connections", self.wss_connections, ["GET"]),
            route(CHANNEL, self.channel, ["GET", "POST", "PUT"]),
            route(CHANNEL + "/archive", self.archive, ["POST"]),
            route(CHANNEL + "/unarchive", self.archive, ["POST"]),
            route(CHANNEL + "/aggregate", self.aggregate, ["GET", "PATCH", "PUT"]),
            route(CHANNEL + "/aggregate/attachments/{attachment_id}", self.attachment, ["GET"]),
            route(CHANNEL + "/messages", self.messages, ["GET", "POST"]),
            route(CHANNEL + "/messages/timeseries", self.timeseries, ["GET"]),
            route(CHANNEL + "/messages/{message_id}", self.message, ["GET", "POST", "PATCH", "PUT", "DELETE"]),
            route(CHANNEL + "/messages/{message_id}/attachments/{attachment_id}", self.attachment, ["GET"]),
            route(CHANNEL + "/alarms", self.alarms, ["GET", "POST"]),
            route(CHANNEL + "/alarms/{alarm_id}", self.alarm, ["GET", "PUT", "PATCH", "DELETE"]),
        ]

    def _agent(self, request: Request, caller: Caller) -> str:
        agent_id: str = request.path_params["agent_id"]
        self.data.require_agent(agent_id, caller.visible)
        return agent_id

    def _channel(self, request: Request, caller: Caller) -> tuple[str, str]:
        return self._agent(request, caller), request.path_params["name"]

    async def list_channels(self, request: Request, caller: Caller) -> Response:
        """``GET /agents/{a}/channels``."""
        agent_id = self._agent(request, caller)
        channels = self.data.list_channels(
            agent_id,
            aggregate=flag(request, "include_aggregate", True),
            summaries=flag(request, "include_daily_summaries", True),
            archived=flag(request, "include_archived"),
        )
        return JsonResponse(channels)

    async def wss_connections(self, request: Request, caller: Caller) -> Response:
        """``GET /agents/{a}/wss_connections``: the agent's live gateway sessions."""
        return JsonResponse(self.hub.connections_of(self._agent(request, caller)))

    async def channel(self, request: Request, caller: Caller) -> Response:
        """Get, create (POST → ``{"id"}``) or replace (PUT) a channel."""
        agent_id, name = self._channel(request, caller)
        if request.method == "GET":
            return JsonResponse(self.data.get_channel(agent_id, name, aggregate=flag(request, "include_aggregate")))
        body = (await read_body(request)).data
        if request.method == "POST":
            created, new = self.data.create_channel(agent_id, name, body)
            return JsonResponse(created, status_code=201 if new else 200)
        return JsonResponse(self.data.put_channel(agent_id, name, body))

    async def archive(self, request: Request, caller: Caller) -> Response:
        """Archive or unarchive a channel."""
        agent_id, name = self._channel(request, caller)
        return JsonResponse(self.data.set_archived(agent_id, name, request.url.path.endswith("/archive")))

    async def aggregate(self, request: Request, caller: Caller) -> Response:
        """Get, merge (PATCH) or replace (PUT) the aggregate."""
        agent_id, name = self._channel(request, caller)
        if request.method == "GET":
            return JsonResponse(self.data.get_aggregate(agent_id, name))
        upload = await read_body(request)
        url = f"{str(request.base_url).rstrip('/')}{request.url.path}/attachments/"
        aggregate = self.data.update_aggregate(
            agent_id,
            name,
            upload.data,
            author_id=caller.agent_id,
            replace=request.method == "PUT",
            replace_paths=request.query_params.getlist("replace"),
            log_update=flag(request, "log_update"),
            clear_attachments=flag(request, "clear_attachments"),
            new_attachments=self._store_files(upload, url),
            organisation_id=caller.organisation_id,
        )
        return empty() if flag(request, "suppress_response") else JsonResponse(aggregate)

    def _store_files(self, upload: Upload, url_prefix: str) -> list[dict[str, Any]]:
        stored = []
        for filename, content_type, content in upload.files:
            attachment_id = str(self.data.ids.new(SnowflakeType.ATTACHMENT))
            with self.db.transaction():
                self.db.execute(
                    "INSERT INTO attachments (id, filename, content_type, content) VALUES (?, ?, ?, ?)",
                    (attachment_id, filename, content_type, content),
                )
            url = url_prefix + attachment_id
            stored.append({"filename": filename, "content_type": content_type, "size": len(content), "url": url})
        return stored

    async def attachment(self, request: Request, caller: Caller) -> Response:
        """Download an attachment's bytes."""
        self._channel(request, caller)
        row = self.db.one(
            "SELECT content, content_type FROM attachments WHERE id = ?", (request.path_params["attachment_id"],)
        )
        if row is None:
            raise data_error(404, "attachment not found")
        return Response(row[0], media_type=row[1] or "application/octet-stream")

    async def messages(self, request: Request, caller: Caller) -> Response:
        """List (``before``/``after``/``limit``/``field_name``) or create messages."""
        agent_id, name = self._channel(request, caller)
        if request.method == "POST":
            return await self._create_message(request, caller, agent_id, name, None)
        found = self.data.list_messages(
            agent_id,
            name,
            before=snowflake_param(request, "before"),
            after=snowflake_param(request, "after"),
            limit=int_param(request, "limit"),
            fields=request.query_params.getlist("field_name"),
        )
        return JsonResponse(found)

    async def _create_message(
        self, request: Request, caller: Caller, agent_id: str, name: str, message_id: int | None
    ) -> Response:
        upload = await read_body(request)
        # Attachment URLs name the message, so its id is settled before the files are stored.
        minted = message_id if message_id is not None else self.data.new_message_id(agent_id, name, upload.data)
        base = (
            f"{str(request.base_url).rstrip('/')}/api/agents/{agent_id}/channels/{name}/messages/{minted}/attachments/"
        )
        files = self._store_files(upload, base)
        # Only an id the caller chose makes the create idempotent; ours is always new.
        message, created = self.data.create_message(
            agent_id,
            name,
            upload.data,
            author_id=caller.agent_id,
            message_id=minted,
            attachments=files,
        )
        return JsonResponse(message, status_code=201 if created else 200)

    async def timeseries(self, request: Request, caller: Caller) -> Response:
        """Values of fields over time."""
        agent_id, name = self._channel(request, caller)
        series = self.data.timeseries(
            agent_id,
            name,
            request.query_params.getlist("field_name"),
            before=snowflake_param(request, "before"),
            after=snowflake_param(request, "after"),
            limit=int_param(request, "limit"),
        )
        return JsonResponse(series)

    async def message(self, request: Request, caller: Caller) -> Response:
        """Get, create-with-id, merge, replace or delete one message."""
        agent_id, name = self._channel(request, caller)
        message_id = path_id(request.path_params["message_id"], "message")
        if request.method == "GET":
            return JsonResponse(self.data.get_message(agent_id, name, message_id))
        if request.method == "POST":
            return await self._create_message(request, caller, agent_id, name, message_id)
        if request.method == "DELETE":
            self.data.delete_message(agent_id, name, message_id)
            return empty(204)
        message = self.data.update_message(
            agent_id,
            name,
            message_id,
            (await read_body(request)).data,
            author_id=caller.agent_id,
            replace=request.method == "PUT",
            clear_attachments=flag(request, "clear_attachments"),
            organisation_id=caller.organisation_id,
        )
        return empty() if flag(request, "suppress_response") else JsonResponse(message)

    async def alarms(self, request: Request, caller: Caller) -> Response:
        """List or create alarms."""
        agent_id, name = self._channel(request, caller)
        if request.method == "GET":
            return JsonResponse(self.data.list_alarms(agent_id, name))
        body = (await read_body(request)).data
        return JsonResponse(self.data.save_alarm(agent_id, name, body, alarm_id=None, partial=False), status_code=201)

    async def alarm(self, request: Request, caller: Caller) -> Response:
        """Get, replace, patch or delete an alarm."""
        agent_id, name = self._channel(request, caller)
        alarm_id = request.path_params["alarm_id"]
        if request.method == "GET":
            return JsonResponse(self.data.get_alarm(agent_id, name, alarm_id))
        if request.method == "DELETE":
            self.data.delete_alarm(agent_id, name, alarm_id)
            return empty(204)
        body = (await read_body(request)).data
        return JsonResponse(
            self.data.save_alarm(agent_id, name, body, alarm_id=alarm_id, partial=request.method == "PATCH")
        )

    async def client_credentials(self, request: Request) -> Response:
        """``POST /api/oauth2/token``: the client-credentials grant (Basic auth, form body)."""
        header = request.headers.get("authorization", "")
        try:
            client_id, _, secret = (
                base64.b64decode(header[6:]).decode().partition(":") if header.startswith("Basic ") else ("", "", "")
            )
        except (ValueError, UnicodeDecodeError):
            client_id, secret = "", ""
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            return JsonResponse({"error": "unsupported_grant_type"}, status_code=400)
        if not self.auth.check_client(client_id, secret):
            return JsonResponse({"error": "invalid_client"}, status_code=401)
        token, ttl = self.auth.issue()
        return JsonResponse({"access_token": token, "token_type": "Bearer", "expires_in": int(ttl)})
