"""Request and response helpers shared by the emulator's routes."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from doover_tui.emulator.problems import Problem, data_error
from doover_tui.jsonedit import compact

MAX_BODY_BYTES = 32 * 1024 * 1024
"""Larger request bodies (after gunzip) are refused with 413."""


class JsonResponse(Response):
    """A JSON response encoded with orjson (or without recursion, for what orjson refuses)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Encode ``content``."""
        return compact(content)


def empty(status: int = 200, *, json_type: bool = True) -> Response:
    """A response with no body (``suppress_response``, DELETE).

    The data API's empty replies still say ``application/json``: pydoover's aiohttp
    client refuses a body-less 204 without it (and retries, then fails).
    """
    return Response(status_code=status, media_type="application/json" if json_type else None)


@dataclass
class Upload:
    """A request body: its JSON and any attached files (multipart ``attachment-N`` parts)."""

    data: Any
    files: list[tuple[str, str | None, bytes]] = field(default_factory=list)


async def read_body(request: Request) -> Upload:
    """Read a JSON body (gzip allowed) or a multipart body with ``json_payload``.

    Raises:
        Problem: 400 for bad gzip or JSON, 413 for an oversized body.
    """
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        return await _read_multipart(request)
    raw = await _limited_body(request)
    if request.headers.get("content-encoding", "").lower() == "gzip":
        raw = _gunzip(raw)
    return Upload(_parse_json(raw))


async def _limited_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and re.fullmatch(r"[0-9]+", declared) and int(declared) > MAX_BODY_BYTES:
        raise data_error(413, f"request body over {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise data_error(413, f"request body over {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _gunzip(raw: bytes) -> bytes:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        body = decompressor.decompress(raw, MAX_BODY_BYTES + 1)
    except zlib.error:
        raise data_error(400, "Content-Encoding is gzip but the body is not valid gzip") from None
    if len(body) > MAX_BODY_BYTES or decompressor.unconsumed_tail:
        raise data_error(413, f"request body over {MAX_BODY_BYTES} bytes once decompressed")
    if not decompressor.eof:
        raise data_error(400, "Content-Encoding is gzip but the body is truncated")
    return body


def _parse_json(raw: bytes) -> Any:
    if not raw.strip():
        raise data_error(400, "the request body is empty; JSON was expected")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise data_error(400, f"malformed JSON: {exc}") from None


async def _read_multipart(request: Request) -> Upload:
    async with request.form(max_files=50, max_fields=100) as form:
        payload = form.get("json_payload")
        if payload is None:
            raise data_error(400, "a multipart body needs a json_payload part")
        text = (await payload.read()) if isinstance(payload, UploadFile) else payload.encode()
        files = []
        for key, value in form.multi_items():
            if key.startswith("attachment") and isinstance(value, UploadFile):
                files.append((value.filename or key, value.content_type, await value.read()))
    return Upload(_parse_json(text), files)


# Query parameters ----------------------------------------------------------------------------


def flag(request: Request, name: str, default: bool = False) -> bool:
    """A boolean query parameter (``true``/``false``, also 1/0)."""
    value = request.query_params.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no", ""):
        return False
    raise data_error(400, f"{name} must be true or false, not {value!r}")


_DIGITS = re.compile(r"[0-9]{1,19}")
"""ASCII digits (str.isdigit() also takes "²"), few enough to fit SQLite's 64-bit integers."""
_MAX_ID = (1 << 63) - 1


def _small_int(value: str) -> int | None:
    return int(value) if _DIGITS.fullmatch(value) and int(value) <= _MAX_ID else None


def snowflake_param(request: Request, name: str) -> int | None:
    """An id bound (``before``/``after``) as an int."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    number = _small_int(value)
    if number is None:
        raise data_error(400, f"{name} must be a snowflake id (digits), not {value!r}")
    return number


def int_param(request: Request, name: str, *, minimum: int = 1) -> int | None:
    """A positive integer query parameter."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    number = _small_int(value.strip())
    if number is None or number < minimum:
        raise data_error(400, f"{name} must be an integer of at least {minimum}, not {value!r}")
    return number


def path_id(value: str, what: str) -> int:
    """A numeric id from the path."""
    number = _small_int(value)
    if number is None:
        raise data_error(404, f"{what} {value} not found")
    return number


# DRF pagination ------------------------------------------------------------------------------

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 1000


def paginate(request: Request, items: list[dict[str, Any]], search_fields: tuple[str, ...] = ("name",)) -> Response:
    """Search, order and page a list as Django REST Framework does (``count/next/previous/results``)."""
    search = request.query_params.get("search", "").strip().casefold()
    if search:
        items = [i for i in items if any(search in str(i.get(f) or "").casefold() for f in search_fields)]
    ordering = request.query_params.get("ordering", "")
    for key in reversed([part.strip() for part in ordering.split(",") if part.strip()]):
        name = key.lstrip("-")
        items = sorted(items, key=lambda item: _sort_value(item.get(name)), reverse=key.startswith("-"))
    page = _page_number(request.query_params.get("page"))
    per_page = _per_page(request.query_params.get("per_page"))
    start = (page - 1) * per_page
    if start >= len(items) and page != 1:
        raise Problem(404, {"detail": "Invalid page."})
    return JsonResponse(
        {
            "count": len(items),
            "next": _page_url(request, page + 1) if start + per_page < len(items) else None,
            "previous": _page_url(request, page - 1) if page > 1 else None,
            "results": items[start : start + per_page],
        }
    )


def _sort_value(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool | int | float):
        return (1, value)
    return (2, str(value).casefold())


def _page_number(value: str | None) -> int:
    if value is None or value == "":
        return 1
    number = _small_int(value)
    if number is None or number < 1:
        raise Problem(404, {"detail": "Invalid page."})
    return number


def _per_page(value: str | None) -> int:
    number = _small_int(value or "")
    if number is None or number < 1:
        return DEFAULT_PER_PAGE
    return min(number, MAX_PER_PAGE)


def _page_url(request: Request, page: int) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    if page > 1:
        query.append(("page", str(page)))
    base = str(request.url.replace(query=""))
    return f"{base}?{urlencode(query)}" if query else base
