"""Typed errors raised by the API layer; nothing above ``api`` ever sees an httpx exception."""

from __future__ import annotations

from collections.abc import Mapping

from doover_tui.logs import redact


class DooverError(Exception):
    """Base of every error the client raises: a short human title and a detail.

    Attributes:
        title: a few words for a toast or modal heading.
        detail: what went wrong, where, and (when known) what to do about it.
        status: the HTTP status, when the error came from a response.
    """

    title = "Doover error"

    def __init__(self, detail: str, *, status: int | None = None) -> None:
        detail = redact(detail)  # a server may echo the token (or a URL holding one) in its reply
        super().__init__(detail)
        self.detail = detail
        self.status = status

    def __str__(self) -> str:
        return f"{self.title}: {self.detail}"


class AuthError(DooverError):
    """The token is missing, expired or rejected, and could not be refreshed."""

    title = "Not authorised"


class ForbiddenError(DooverError):
    """The token is valid but may not do this (HTTP 403)."""

    title = "Forbidden"


class NotFoundError(DooverError):
    """The resource does not exist or is not visible to this organisation (HTTP 404)."""

    title = "Not found"


class ConflictError(DooverError):
    """The server refused the change because of the resource's current state (HTTP 409)."""

    title = "Conflict"


class BadRequestError(DooverError):
    """The server rejected the request as invalid (HTTP 400 and other 4xx).

    Attributes:
        field_errors: DRF-style field errors flattened to dotted paths
            (``{"deployment_config.port": ["This field is required."]}``); empty when
            the body carried none.
    """

    title = "Rejected by the server"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        field_errors: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(detail, status=status)
        self.field_errors = {path: [redact(m) for m in messages] for path, messages in (field_errors or {}).items()}


class RateLimitedError(DooverError):
    """Too many requests (HTTP 429), still refused after the allowed retries.

    Attributes:
        retry_after: seconds the server asked us to wait, when it said.
    """

    title = "Rate limited"

    def __init__(self, detail: str, *, status: int | None = 429, retry_after: float | None = None) -> None:
        super().__init__(detail, status=status)
        self.retry_after = retry_after


class ServerError(DooverError):
    """The server failed (HTTP 5xx) on every allowed attempt."""

    title = "Server error"


class NetworkError(DooverError):
    """The server could not be reached, or the connection failed or timed out."""

    title = "Network error"


class ProtocolError(DooverError):
    """The server answered with something we cannot parse or did not expect."""

    title = "Unexpected response"


class ReadOnlyError(DooverError):
    """A write was attempted in read-only mode; no request was sent."""

    title = "Read-only"
