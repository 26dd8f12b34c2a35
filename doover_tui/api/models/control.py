"""Control API models (reference §5): users, organisations, agents, devices, apps, tunnels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from doover_tui.api.models._parse import (
    JsonObject,
    expect_object,
    objects,
    opt_bool,
    opt_id,
    opt_int,
    opt_list,
    opt_object,
    opt_str,
    req_id,
    str_list,
)

APPLICATION_TYPES = {
    "DEV": "Device",
    "PRO": "Processor",
    "TAS": "Task",
    "INT": "Integration",
    "REP": "Report generator",
}
"""Application ``type`` codes and what they mean."""

APPLICATION_VISIBILITIES = {"COR": "Core", "PUB": "Public", "PRI": "Private", "INT": "Internal"}
"""Application ``visibility`` codes and what they mean."""


def _name_of(obj: JsonObject, key: str) -> str:
    """Read a field that is a name in some replies and a nested ``{id, name}`` in others."""
    value = obj.get(key)
    if isinstance(value, Mapping):
        return opt_str(value, "name") or opt_str(value, "id")
    return opt_str(obj, key)


@dataclass(frozen=True, slots=True)
class User:
    """The signed-in user (``/users/me/``)."""

    id: str
    username: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    is_superuser: bool = False

    @classmethod
    def from_json(cls, value: Any) -> User:
        """Parse a UserSerialiserDetail-like object."""
        obj = expect_object(value, "user")
        return cls(
            id=req_id(obj, "id", "user"),
            username=opt_str(obj, "username") or opt_str(obj, "name"),
            email=opt_str(obj, "email"),
            first_name=opt_str(obj, "first_name"),
            last_name=opt_str(obj, "last_name"),
            is_superuser=opt_bool(obj, "is_superuser"),
        )


@dataclass(frozen=True, slots=True)
class Organisation:
    """An organisation the user can see."""

    id: str
    name: str
    archived: bool = False

    @classmethod
    def from_json(cls, value: Any) -> Organisation:
        """Parse an organisation list item."""
        obj = expect_object(value, "organisation")
        return cls(
            id=req_id(obj, "id", "organisation"),
            name=opt_str(obj, "name"),
            archived=opt_bool(obj, "archived"),
        )


@dataclass(frozen=True, slots=True)
class Group:
    """A group of agents; groups nest."""

    id: str
    name: str
    organisation: str = ""
    archived: bool = False
    shared: bool = False
    children: tuple[Group, ...] = ()

    @classmethod
    def from_json(cls, value: Any) -> Group:
        """Parse a group and its children."""
        obj = expect_object(value, "group")
        return cls(
            id=req_id(obj, "id", "group"),
            name=opt_str(obj, "name"),
            organisation=_name_of(obj, "organisation"),
            archived=opt_bool(obj, "archived"),
            shared=opt_bool(obj, "shared"),
            children=tuple(Group.from_json(child) for child in objects(opt_list(obj, "children"))),
        )

    def to_json(self) -> dict[str, Any]:
        """A form ``from_json`` reads back (organisation as a name)."""
        return {
            "id": self.id,
            "name": self.name,
            "organisation": self.organisation,
            "archived": self.archived,
            "shared": self.shared,
            "children": [child.to_json() for child in self.children],
        }


@dataclass(frozen=True, slots=True)
class Agent:
    """A device, dashboard, user or organisation agent from ``GET /agents/``."""

    id: str
    name: str
    display_name: str = ""
    type: str = ""
    organisation: str = ""
    group: str = ""
    archived: bool = False
    connection_determination: str = ""
    fa_icon: str = ""
    latitude: float | None = None
    longitude: float | None = None

    @classmethod
    def from_json(cls, value: Any) -> Agent:
        """Parse an AgentSerializerDetail."""
        obj = expect_object(value, "agent")
        location = opt_object(obj, "fixed_location") or {}
        latitude, longitude = location.get("latitude"), location.get("longitude")
        return cls(
            id=req_id(obj, "id", "agent"),
            name=opt_str(obj, "name"),
            display_name=opt_str(obj, "display_name"),
            type=opt_str(obj, "type"),
            organisation=_name_of(obj, "organisation"),
            group=_name_of(obj, "group"),
            archived=opt_bool(obj, "archived"),
            connection_determination=opt_str(obj, "connection_determination"),
            fa_icon=opt_str(obj, "fa_icon"),
            latitude=float(latitude) if isinstance(latitude, int | float) else None,
            longitude=float(longitude) if isinstance(longitude, int | float) else None,
        )

    def to_json(self) -> dict[str, Any]:
        """A form ``from_json`` reads back (organisation and group as names)."""
        located = self.latitude is not None or self.longitude is not None
        return {
            "id": self.id,
            "name": self.name,
            "display_name": self.display_name,
            "type": self.type,
            "organisation": self.organisation,
            "group": self.group,
            "archived": self.archived,
            "connection_determination": self.connection_determination,
            "fa_icon": self.fa_icon,
            "fixed_location": {"latitude": self.latitude, "longitude": self.longitude} if located else None,
        }

    @property
    def label(self) -> str:
        """The name to show: the display name, else the internal name, else the id."""
        return self.display_name or self.name or self.id

    @property
    def online_state(self) -> str:
        """``ONLINE``, ``OFFLINE`` or ``UNKNOWN`` (the server's case varies)."""
        state = self.connection_determination.strip().lower()
        if state == "online":
            return "ONLINE"
        if state == "offline":
            return "OFFLINE"
        return "UNKNOWN"


@dataclass(frozen=True, slots=True)
class AgentsResponse:
    """The single unpaginated reply of ``GET /agents/``."""

    agents: tuple[Agent, ...]
    groups: tuple[Group, ...] = ()
    sharing: str = ""

    @classmethod
    def from_json(cls, value: Any) -> AgentsResponse:
        """Parse ``{groups, agents, organisation_users, superusers, sharing, …}``."""
        obj = expect_object(value, "agents reply")
        return cls(
            agents=tuple(Agent.from_json(item) for item in objects(opt_list(obj, "agents"))),
            groups=tuple(Group.from_json(item) for item in objects(opt_list(obj, "groups"))),
            sharing=opt_str(obj, "sharing"),
        )

    def to_json(self) -> dict[str, Any]:
        """A form ``from_json`` reads back."""
        return {
            "agents": [agent.to_json() for agent in self.agents],
            "groups": [group.to_json() for group in self.groups],
            "sharing": self.sharing,
        }


@dataclass(frozen=True, slots=True)
class Device:
    """A device from ``/devices/``. Its ``fusion_entity_secret`` is deliberately never read."""

    id: str
    name: str
    display_name: str = ""
    type_name: str = ""
    organisation: str = ""
    group: str = ""
    archived: bool = False
    notes: str = ""

    @classmethod
    def from_json(cls, value: Any) -> Device:
        """Parse a DeviceSerializerList/Detail."""
        obj = expect_object(value, "device")
        return cls(
            id=req_id(obj, "id", "device"),
            name=opt_str(obj, "name"),
            display_name=opt_str(obj, "display_name"),
            type_name=_name_of(obj, "type"),
            organisation=_name_of(obj, "organisation"),
            group=_name_of(obj, "group"),
            archived=opt_bool(obj, "archived"),
            notes=opt_str(obj, "notes"),
        )


@dataclass(frozen=True, slots=True)
class Application:
    """A Doover application definition."""

    id: str
    name: str
    display_name: str = ""
    description: str = ""
    long_description: str = ""
    type: str = ""
    visibility: str = ""
    archived: bool = False
    allow_many: bool = False
    config_schema: dict[str, Any] | None = None
    staging_config: dict[str, Any] | None = None
    depends_on: tuple[str, ...] = ()
    organisation: str = ""
    approx_installs: int | None = None
    stars: int | None = None
    image_name: str = ""
    repository_url: str = ""
    icon_url: str = ""

    @classmethod
    def from_json(cls, value: Any) -> Application:
        """Parse an application; unknown type/visibility codes are kept as given."""
        obj = expect_object(value, "application")
        return cls(
            id=req_id(obj, "id", "application"),
            name=opt_str(obj, "name"),
            display_name=opt_str(obj, "display_name"),
            description=opt_str(obj, "description"),
            long_description=opt_str(obj, "long_description"),
            type=opt_str(obj, "type"),
            visibility=opt_str(obj, "visibility"),
            archived=opt_bool(obj, "archived"),
            allow_many=opt_bool(obj, "allow_many"),
            config_schema=opt_object(obj, "config_schema"),
            staging_config=opt_object(obj, "staging_config"),
            depends_on=str_list(obj, "depends_on"),
            organisation=_name_of(obj, "organisation"),
            approx_installs=opt_int(obj, "approx_installs"),
            stars=opt_int(obj, "stars"),
            image_name=opt_str(obj, "image_name"),
            repository_url=opt_str(obj, "repository_url"),
            icon_url=opt_str(obj, "icon_url"),
        )

    @property
    def type_label(self) -> str:
        """The type in words (``Processor``), or the raw code when it is unknown."""
        return APPLICATION_TYPES.get(self.type, self.type or "—")

    @property
    def visibility_label(self) -> str:
        """The visibility in words (``Private``), or the raw code when it is unknown."""
        return APPLICATION_VISIBILITIES.get(self.visibility, self.visibility or "—")


@dataclass(frozen=True, slots=True)
class AppInstall:
    """An application installed on a device."""

    id: str
    name: str
    display_name: str = ""
    application_id: str = ""
    application_name: str = ""
    device_id: str = ""
    version: str = ""
    status: str = ""
    """The latest deployment's status code (QUE/RUN/SUC/FAI/CAN), empty when never deployed."""
    synced: str = ""
    archived: bool = False

    @classmethod
    def from_json(cls, value: Any) -> AppInstall:
        """Parse an app-install list item."""
        obj = expect_object(value, "app install")
        application = opt_object(obj, "application") or {}
        device = opt_object(obj, "device") or {}
        deployment = opt_object(obj, "latest_deployment") or {}
        return cls(
            id=req_id(obj, "id", "app install"),
            name=opt_str(obj, "name"),
            display_name=opt_str(obj, "display_name"),
            application_id=opt_id(application, "id") or "",
            application_name=opt_str(application, "display_name") or opt_str(application, "name"),
            device_id=opt_id(device, "id") or "",
            version=opt_str(obj, "version"),
            status=opt_str(deployment, "status"),
            synced=opt_str(obj, "synced"),
            archived=opt_bool(obj, "archived"),
        )


@dataclass(frozen=True, slots=True)
class Tunnel:
    """A remote-access tunnel to a port on a device. The password is never kept."""

    id: str
    name: str
    device_id: str
    device_name: str
    hostname: str
    port: int
    protocol: str
    endpoint: str = ""
    is_active: bool = False
    timeout: int | None = None
    ip_restricted: bool = False
    ip_whitelist: tuple[str, ...] = ()
    username: str = ""
    disable_tls_verification: bool = False
    is_favourite: bool = False

    @classmethod
    def from_json(cls, value: Any) -> Tunnel:
        """Parse a TunnelSerializerDetail."""
        obj = expect_object(value, "tunnel")
        device = opt_object(obj, "device") or {}
        return cls(
            id=req_id(obj, "id", "tunnel"),
            name=opt_str(obj, "name"),
            device_id=opt_id(device, "id") or opt_id(obj, "device_id") or "",
            device_name=opt_str(device, "display_name") or opt_str(device, "name"),
            hostname=opt_str(obj, "hostname"),
            port=opt_int(obj, "port") or 0,
            protocol=opt_str(obj, "protocol"),
            endpoint=opt_str(obj, "endpoint"),
            is_active=opt_bool(obj, "is_active"),
            timeout=opt_int(obj, "timeout"),
            ip_restricted=opt_bool(obj, "ip_restricted"),
            ip_whitelist=str_list(obj, "ip_whitelist"),
            username=opt_str(obj, "username"),
            disable_tls_verification=opt_bool(obj, "disable_tls_verification"),
            is_favourite=opt_bool(obj, "is_favourite"),
        )

    @property
    def target(self) -> str:
        """The device-side ``hostname:port``."""
        return f"{self.hostname}:{self.port}"
