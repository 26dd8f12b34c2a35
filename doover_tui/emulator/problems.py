"""Errors the emulator answers with, in the shapes the real APIs use (reference §6)."""

from __future__ import annotations

from typing import Any


class Problem(Exception):
    """An HTTP error response: status and JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def data_error(status: int, message: str) -> Problem:
    """A data-API error: the body carries ``message`` (what doover-js reads) and ``detail``."""
    return Problem(status, {"message": message, "detail": message})


def not_found(what: str) -> Problem:
    """A DRF-style 404."""
    return Problem(404, {"detail": f"No {what} matches the given query."})


def field_errors(errors: dict[str, Any]) -> Problem:
    """A DRF-style 400 with errors per field."""
    return Problem(400, errors)


REQUIRED = "This field is required."
