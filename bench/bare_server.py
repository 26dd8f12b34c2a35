"""A bare Starlette app answering fixed bytes on any path: the throughput and start-up baseline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from doover_tui.emulator.server import bind


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--body-file", type=Path)
    args = parser.parse_args()
    body = args.body_file.read_bytes() if args.body_file else b"{}"

    async def answer(request: Request) -> Response:
        return Response(body, media_type="application/json")

    sock = bind("127.0.0.1", 0)
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/{path:path}", answer)]), log_level="warning"))
    server.run(sockets=[sock])
    sys.exit(0)


if __name__ == "__main__":
    main()
