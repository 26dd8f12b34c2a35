"""Per-request context: who is calling, which organisations they may see, and error handling."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from doover_tui.emulator.auth import EmulatorAuth
from doover_tui.emulator.db import Database
from doover_tui.emulator.http_util import JsonResponse
from doover_tui.emulator.problems import Problem

log = logging.getLogger(__name__)

Handler = Callable[[Request, "Caller"], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated caller of one request."""

    agent_id: str
    organisation_id: str | None
    """From ``X-Doover-Organisation``: restricts what is visible to that organisation."""

    def visible(self, organisation_id: str | None) -> bool:
        """Whether an object of ``organisation_id`` is in scope."""
        return self.organisation_id is None or organisation_id == self.organisation_id


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def guarded(auth: EmulatorAuth, db: Database, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a route: require a valid bearer token, resolve the organisation scope, map Problems."""

    async def endpoint(request: Request) -> Response:
        agent_id = auth.authenticate(bearer_token(request))
        if agent_id is None:
            detail = (
                "Invalid token."
                if request.headers.get("authorization")
                else "Authentication credentials were not provided."
            )
            return JsonResponse({"detail": detail}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        organisation_id = request.headers.get("x-doover-organisation") or None
        if organisation_id is not None and db.get_object("organisation", organisation_id) is None:
            return JsonResponse({"detail": "You do not have permission to perform this action."}, status_code=403)
        try:
            return await handler(request, Caller(agent_id, organisation_id))
        except Problem as problem:
            return JsonResponse(problem.body, status_code=problem.status)

    return endpoint
