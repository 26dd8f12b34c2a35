"""Tunnels (reference §5.6): both URL families, validation, and asynchronous activation."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from doover_tui.api.snowflake import SnowflakeType
from doover_tui.emulator.db import Database
from doover_tui.emulator.ids import IdMaker
from doover_tui.emulator.problems import field_errors, not_found
from doover_tui.emulator.validate import Field, check

TUNNEL_FIELDS = {
    "name": Field("str", required=True, max_length=200),
    "hostname": Field("str", required=True, max_length=200),
    "port": Field("int", required=True, minimum=1, maximum=65535),
    "protocol": Field("str", required=True, choices=("tcp", "rtsp", "http", "https")),
    "username": Field("str", nullable=True, max_length=200),
    "password": Field("str", nullable=True, max_length=200),
    "timeout": Field("int", minimum=0, maximum=2_147_483_647),
    "ip_restricted": Field("bool"),
    "disable_tls_verification": Field("bool"),
    "ip_whitelist": Field("any"),
    "is_favourite": Field("bool"),
}

DEFAULTS: dict[str, Any] = {
    "username": None,
    "password": None,
    "timeout": 15,
    "ip_restricted": False,
    "disable_tls_verification": False,
    "ip_whitelist": [],
    "is_favourite": False,
}


def endpoint_for(device_name: str, tunnel_id: str) -> str:
    """The public ``host:port`` the emulator reports for a tunnel (an unroutable ``.invalid`` name)."""
    return f"{device_name}-{tunnel_id[-6:]}.tunnels.emulator.invalid:{20000 + int(tunnel_id) % 40000}"


class TunnelService:
    """Tunnel CRUD, with activation that completes ``activation_delay`` seconds after it is asked for.

    The real service activates asynchronously; reads after the delay see the new state.
    """

    def __init__(
        self,
        db: Database,
        ids: IdMaker,
        device_of: Callable[[str], dict[str, Any] | None],
        *,
        activation_delay: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.ids = ids
        self.device_of = device_of
        self.activation_delay = activation_delay
        self.clock = clock

    def _serialise(self, body: dict[str, Any]) -> dict[str, Any]:
        pending = body.get("_pending")
        if pending is not None and self.clock() >= pending["at"]:
            body["is_active"] = pending["active"]
            del body["_pending"]
            self.db.put_object("tunnel", body["id"], body, parent=body["device"]["id"], organisation_id=body["_org"])
        return {key: value for key, value in body.items() if not key.startswith("_")}

    def _load(self, tunnel_id: str, device_id: str | None, visible: Callable[[str], bool]) -> dict[str, Any]:
        body = self.db.get_object("tunnel", tunnel_id)
        if body is None or not visible(body["_org"]) or (device_id is not None and body["device"]["id"] != device_id):
            raise not_found("Tunnel")
        return body

    def list(self, device_id: str | None, visible: Callable[[str], bool]) -> list[dict[str, Any]]:
        """Tunnels of a device, or all visible ones."""
        bodies = self.db.list_objects("tunnel", parent=device_id)
        return [self._serialise(body) for body in bodies if visible(body["_org"])]

    def get(self, tunnel_id: str, device_id: str | None, visible: Callable[[str], bool]) -> dict[str, Any]:
        """One tunnel."""
        return self._serialise(self._load(tunnel_id, device_id, visible))

    def create(self, body: Any, device_id: str | None, visible: Callable[[str], bool]) -> dict[str, Any]:
        """Create a tunnel on a device (from the path, or ``device_id`` in the body)."""
        fields = check(body, TUNNEL_FIELDS, partial=False)
        target = device_id if device_id is not None else body.get("device_id")
        if not isinstance(target, str) or not target:
            raise field_errors({"device_id": ["This field is required."]})
        device = self.device_of(target)
        if device is None or not visible(device["organisation_id"]):
            if device_id is not None:
                raise not_found("Device")
            raise field_errors({"device_id": [f'Invalid pk "{target}" - object does not exist.']})
        tunnel_id = str(self.ids.new(SnowflakeType.UNKNOWN))
        stored = (
            DEFAULTS
            | fields
            | {
                "id": tunnel_id,
                "device": {key: device[key] for key in ("id", "name", "display_name")},
                "endpoint": endpoint_for(device["name"], tunnel_id),
                "endpoint_id": tunnel_id,
                "is_active": False,
                "_org": device["organisation_id"],
            }
        )
        with self.db.transaction():
            self.db.put_object(
                "tunnel", tunnel_id, stored, parent=device["id"], organisation_id=device["organisation_id"]
            )
        return self._serialise(dict(stored))

    def update(
        self, tunnel_id: str, body: Any, device_id: str | None, visible: Callable[[str], bool], *, partial: bool
    ) -> dict[str, Any]:
        """PUT (``partial=False``) or PATCH a tunnel; the protocol cannot change after creation."""
        stored = self._load(tunnel_id, device_id, visible)
        fields = check(body, TUNNEL_FIELDS, partial=partial)
        if "protocol" in fields and fields["protocol"] != stored["protocol"]:
            raise field_errors({"protocol": ["The protocol cannot be changed after creation."]})
        stored |= fields
        with self.db.transaction():
            self.db.put_object(
                "tunnel", tunnel_id, stored, parent=stored["device"]["id"], organisation_id=stored["_org"]
            )
        return self._serialise(stored)

    def delete(self, tunnel_id: str, device_id: str | None, visible: Callable[[str], bool]) -> None:
        """Delete a tunnel."""
        self._load(tunnel_id, device_id, visible)
        with self.db.transaction():
            self.db.delete_object("tunnel", tunnel_id)

    def toggle(
        self, tunnel_id: str, device_id: str | None, visible: Callable[[str], bool], *, active: bool
    ) -> dict[str, Any]:
        """Ask for activation or deactivation; it takes effect after the activation delay."""
        stored = self._load(tunnel_id, device_id, visible)
        serialised = self._serialise(stored)
        pending = stored.get("_pending")
        heading_to = pending["active"] if pending else serialised["is_active"]
        if heading_to != active:
            if serialised["is_active"] == active:
                del stored["_pending"]  # asked back to where it is: the earlier request is void
            else:
                stored["_pending"] = {"active": active, "at": self.clock() + self.activation_delay}
            with self.db.transaction():
                self.db.put_object(
                    "tunnel", tunnel_id, stored, parent=stored["device"]["id"], organisation_id=stored["_org"]
                )
        return serialised
