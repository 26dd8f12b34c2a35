"""The emulator's credentials: its bearer token, refresh and client-credentials grants, issued tokens."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable

import orjson

from doover_tui.emulator.db import Database

CLIENT_ID = "doover-tui-emulator"
"""The OAuth client id a written profile names (``AUTH_SERVER_CLIENT_ID``)."""


def _segment(obj: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(obj)).rstrip(b"=").decode()


class EmulatorAuth:
    """Knows which bearer tokens are valid.

    The main token (``--token``, or generated) never expires. The refresh grant and the
    client-credentials grant issue JWT-shaped tokens that expire after ``token_ttl``
    seconds, so clients can exercise renewal; they are kept in SQLite and survive restarts.
    """

    def __init__(
        self,
        db: Database,
        token: str,
        user_agent_id: str,
        *,
        token_ttl: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.token = token
        self.user_agent_id = user_agent_id
        self.token_ttl = token_ttl
        self.clock = clock

    @property
    def refresh_token(self) -> str:
        """The refresh token a written profile carries, derived from the main token."""
        return "refresh-" + hashlib.sha256(self.token.encode()).hexdigest()[:32]

    @property
    def client_secret(self) -> str:
        """The service-account secret (the main token), with client id ``CLIENT_ID``."""
        return self.token

    def authenticate(self, token: str | None) -> str | None:
        """The agent id a valid token acts as, or None."""
        if not token:
            return None
        if secrets.compare_digest(token.encode(), self.token.encode()):
            return self.user_agent_id
        row = self.db.one("SELECT expires_at FROM tokens WHERE token = ?", (token,))
        if row is not None and (row[0] is None or row[0] > self.clock()):
            return self.user_agent_id
        return None

    def issue(self) -> tuple[str, float]:
        """A new expiring access token and its lifetime in seconds."""
        expires_at = self.clock() + self.token_ttl
        claims = {"sub": self.user_agent_id, "exp": int(expires_at), "jti": secrets.token_hex(8)}
        token = f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims)}.emulator"
        with self.db.transaction():
            self.db.execute("DELETE FROM tokens WHERE expires_at < ?", (self.clock() - 86400,))
            self.db.execute("INSERT INTO tokens (token, expires_at) VALUES (?, ?)", (token, expires_at))
        return token, self.token_ttl

    def check_refresh(self, refresh_token: str | None, client_id: str | None) -> bool:
        """Whether a refresh-grant request may have a new token."""
        return (
            bool(refresh_token)
            and secrets.compare_digest((refresh_token or "").encode(), self.refresh_token.encode())
            and client_id == CLIENT_ID
        )

    def check_client(self, client_id: str, client_secret: str) -> bool:
        """Whether client credentials are the emulator's."""
        return client_id == CLIENT_ID and secrets.compare_digest(client_secret.encode(), self.client_secret.encode())
