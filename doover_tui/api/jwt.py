"""Read a JWT's expiry without verifying it: we only need to know when to refresh."""

from __future__ import annotations

import base64
import binascii

import orjson


def jwt_expiry(token: str) -> float | None:
    """Return the ``exp`` claim (Unix seconds) of a JWT, or None when it has none or is no JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    return float(exp)
