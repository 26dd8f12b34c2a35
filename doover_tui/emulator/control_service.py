"""The control API's behaviour (reference §5): users, organisations, agents, devices, applications, installs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from doover_tui.api.snowflake import SnowflakeType
from doover_tui.emulator.db import Database, loads
from doover_tui.emulator.ids import IdMaker
from doover_tui.emulator.problems import Problem, field_errors, not_found
from doover_tui.emulator.validate import Field, check

Visible = Callable[[str], bool]
"""Whether the caller's organisation scope includes an organisation id."""

APPLICATION_FIELDS = {
    "name": Field("str", required=True, max_length=100, pattern=r"[0-9a-z_]*"),
    "display_name": Field("str", required=True, max_length=100),
    "description": Field("str", required=True),
    "long_description": Field("str"),
    "type": Field("str", required=True, choices=("DEV", "PRO", "TAS", "INT", "REP")),
    "visibility": Field("str", required=True, choices=("COR", "PUB", "PRI", "INT")),
    "allow_many": Field("bool"),
    "config_schema": Field("any"),
    "ui_schema": Field("any"),
    "tag_schema": Field("any"),
    "depends_on": Field("str_list", required=True),
    "organisation_id": Field("str", required=True, nullable=True),
    "stars": Field("int", minimum=-2_147_483_648, maximum=2_147_483_647),
    "container_registry_profile_id": Field("str", required=True, nullable=True),
    "deployment_data": Field("str", nullable=True),
    "image_name": Field("str", nullable=True, max_length=255),
    "lambda_arn": Field("str", nullable=True, max_length=255),
    "lambda_config": Field("any"),
    "icon_url": Field("str", nullable=True, max_length=500),
    "banner_url": Field("str", nullable=True, max_length=500),
    "repository_url": Field("str", nullable=True, max_length=500),
}


class ControlService:
    """Everything on the control API except tunnels (see ``tunnels.py``)."""

    def __init__(self, db: Database, ids: IdMaker, user_id: str) -> None:
        self.db = db
        self.ids = ids
        self.user_id = user_id

    # Organisations and users ------------------------------------------------------------------

    def organisation(self, organisation_id: str) -> dict[str, Any]:
        """The stored organisation (raises 404)."""
        body = self.db.get_object("organisation", organisation_id)
        if body is None:
            raise not_found("Organisation")
        return body

    def basic_organisation(self, organisation_id: str) -> dict[str, Any]:
        """``{id, name, archived}``."""
        return _basic(self.organisation(organisation_id))

    def _by_id(self, kind: str) -> dict[str, dict[str, Any]]:
        """Every object of a small kind (organisations, groups), read once for a whole listing."""
        return {body["id"]: body for body in self.db.list_objects(kind)}

    def organisations(self, visible: Visible) -> list[dict[str, Any]]:
        """OrganisationSerializerList items."""
        return [org for org in self.db.list_objects("organisation") if visible(org["id"])]

    def user(self, user_id: str) -> dict[str, Any]:
        """A UserSerialiserDetail (only the emulator's own user exists)."""
        body = self.db.get_object("user", user_id)
        if body is None:
            raise not_found("User")
        return body

    # Agents and devices -----------------------------------------------------------------------

    def _agent_rows(
        self, visible: Visible, include_archived: bool = True
    ) -> list[tuple[str, str, int | None, dict[str, Any]]]:
        rows = self.db.query("SELECT id, organisation_id, online, body FROM agents ORDER BY rowid")
        found = [(r[0], r[1], r[2], loads(r[3])) for r in rows if visible(r[1])]
        return [row for row in found if include_archived or not row[3].get("archived")]

    def agents(self, visible: Visible, *, include_archived: bool) -> dict[str, Any]:
        """The unpaginated ``GET /agents/`` reply."""
        groups = self._by_id("group")
        organisations = self._by_id("organisation")
        agents = [
            {
                "id": agent_id,
                "name": body["name"],
                "display_name": body["display_name"],
                "type": body["type"],
                "organisation": organisations[org_id]["name"],
                "group": groups[body["group_id"]]["name"] if body.get("group_id") in groups else "",
                "fa_icon": body.get("fa_icon"),
                "fixed_location": body.get("fixed_location"),
                "archived": body.get("archived", False),
                "connection_determination": _determination(online),
            }
            for agent_id, org_id, online, body in self._agent_rows(visible, include_archived)
        ]
        return {
            "groups": self._group_tree(groups, visible),
            "agents": agents,
            "organisation_users": [],
            "superusers": [],
            "sharing": "internal",
        }

    def _group_tree(self, groups: dict[str, dict[str, Any]], visible: Visible) -> list[dict[str, Any]]:
        def node(group: dict[str, Any]) -> dict[str, Any]:
            children = [node(g) for g in groups.values() if g.get("parent_id") == group["id"]]
            keys = ("id", "name", "archived", "shared")
            # The organisation's id: a string per the spec, and pydoover reads it as a reference.
            return {key: group[key] for key in keys} | {"organisation": group["organisation_id"], "children": children}

        roots = [g for g in groups.values() if not g.get("parent_id") and visible(g["organisation_id"])]
        return [node(group) for group in roots]

    def device_record(self, device_id: str) -> dict[str, Any] | None:
        """The stored device with its id and organisation, or None."""
        row = self.db.one("SELECT organisation_id, body FROM agents WHERE id = ?", (device_id,))
        if row is None:
            return None
        body: dict[str, Any] = loads(row[1])
        if body["type"] != "device":
            return None
        return body | {"id": device_id, "organisation_id": row[0]}

    def _device_json(
        self,
        device_id: str,
        org_id: str,
        body: dict[str, Any],
        organisations: dict[str, dict[str, Any]],
        groups: dict[str, dict[str, Any]],
    ) -> dict[str, Any]:
        org = _basic(organisations[org_id])
        group = groups.get(body.get("group_id") or "") or {"id": "0", "name": "", "archived": False}
        device_type = body.get("device_type", {})
        return {
            "id": device_id,
            "archived": body.get("archived", False),
            "name": body["name"],
            "display_name": body["display_name"],
            "type": {
                "id": device_type.get("id", "1"),
                "organisation": org,
                "archived": False,
                "name": device_type.get("name", "Generic"),
                "description": device_type.get("description", ""),
                "logo_url": None,
                "default_icon": body.get("fa_icon"),
                "solution": None,
                "active_count": 1,
            },
            "organisation": org,
            "group": {"id": group["id"], "name": group["name"], "archived": group["archived"], "organisation": org},
            "fa_icon": body.get("fa_icon"),
            "notes": body.get("notes", ""),
            "extra_config": body.get("extra_config", {}),
            "fusion_entity_id": None,
            # A credential on the real service; the emulator's is a dummy that clients must never show.
            "fusion_entity_secret": f"emulator-secret-{device_id}",
            "fixed_location": body.get("fixed_location"),
            "history_since": None,
        }

    def devices(self, visible: Visible) -> list[dict[str, Any]]:
        """Every visible device."""
        organisations, groups = self._by_id("organisation"), self._by_id("group")
        return [
            self._device_json(agent_id, org_id, body, organisations, groups)
            for agent_id, org_id, _, body in self._agent_rows(visible)
            if body["type"] == "device"
        ]

    def device(self, device_id: str, visible: Visible) -> dict[str, Any]:
        """One device (raises 404)."""
        record = self.device_record(device_id)
        if record is None or not visible(record["organisation_id"]):
            raise not_found("Device")
        return self._device_json(
            device_id, record["organisation_id"], record, self._by_id("organisation"), self._by_id("group")
        )

    # Applications -------------------------------------------------------------------------------

    def _install_counts(self) -> Counter[str]:
        """Installs per application id, counted once for a whole listing."""
        return Counter(install["application_id"] for install in self.db.list_objects("app_install"))

    def _application_json(self, body: dict[str, Any], install_counts: Counter[str]) -> dict[str, Any]:
        org_id = body.get("_org")
        organisation = self.basic_organisation(org_id) if org_id else {"id": "0", "name": "", "archived": False}
        installs = install_counts[body["id"]]
        visible_fields = {key: value for key, value in body.items() if not key.startswith("_")}
        return visible_fields | {"organisation": organisation, "approx_installs": installs}

    def applications(self, visible: Visible) -> list[dict[str, Any]]:
        """Every visible application."""
        counts = self._install_counts()
        return [
            self._application_json(a, counts) for a in self.db.list_objects("application") if _app_visible(a, visible)
        ]

    def _stored_application(self, application_id: str, visible: Visible) -> dict[str, Any]:
        body = self.db.get_object("application", application_id)
        if body is None or not _app_visible(body, visible):
            raise not_found("Application")
        return body

    def application(self, application_id: str, visible: Visible) -> dict[str, Any]:
        """One application (raises 404)."""
        return self._application_json(self._stored_application(application_id, visible), self._install_counts())

    def save_application(
        self, body: Any, visible: Visible, *, application_id: str | None = None, partial: bool = False
    ) -> dict[str, Any]:
        """Create (no id), replace (PUT) or patch an application."""
        fields = check(body, APPLICATION_FIELDS, partial=partial)
        stored = self._stored_application(application_id, visible) if application_id else _new_application()
        self._check_application_refs(fields, stored, visible)
        if "organisation_id" in fields:
            stored["_org"] = fields.pop("organisation_id")
        fields.pop("container_registry_profile_id", None)
        stored |= fields
        if application_id is None:
            stored["id"] = str(self.ids.new(SnowflakeType.UNKNOWN))
        with self.db.transaction():
            self.db.put_object("application", stored["id"], stored, organisation_id=stored.get("_org"))
        return self._application_json(stored, self._install_counts())

    def _check_application_refs(self, fields: dict[str, Any], stored: dict[str, Any], visible: Visible) -> None:
        errors: dict[str, list[str]] = {}
        name = fields.get("name")
        if name is not None and name != stored.get("name"):
            taken = any(a["name"] == name for a in self.db.list_objects("application"))
            if taken:
                errors["name"] = ["application with this name already exists."]
        org_id = fields.get("organisation_id")
        if org_id is not None and (self.db.get_object("organisation", org_id) is None or not visible(org_id)):
            errors["organisation_id"] = [f'Invalid pk "{org_id}" - object does not exist.']
        if fields.get("container_registry_profile_id") is not None:
            # The emulator has no container registry profiles, so any id is unknown.
            pk = fields["container_registry_profile_id"]
            errors["container_registry_profile_id"] = [f'Invalid pk "{pk}" - object does not exist.']
        if errors:
            raise field_errors(errors)

    def app_installs(self, device_id: str, visible: Visible) -> list[dict[str, Any]]:
        """The applications installed on a device."""
        record = self.device_record(device_id)
        if record is None or not visible(record["organisation_id"]):
            raise not_found("Device")
        org = self.basic_organisation(record["organisation_id"])
        device = {"id": device_id, "name": record["name"], "display_name": record["display_name"]}
        return [self._install_json(i, org, device) for i in self.db.list_objects("app_install", parent=device_id)]

    def _install_json(self, install: dict[str, Any], org: dict[str, Any], device: dict[str, Any]) -> dict[str, Any]:
        app = self.db.get_object("application", install["application_id"])
        if app is None:
            raise Problem(500, {"detail": "install of a missing application"})
        app_org = self.basic_organisation(app["_org"]) if app.get("_org") else org
        slim = {
            key: app.get(key) for key in ("id", "name", "type", "display_name", "description", "icon_url", "banner_url")
        }
        slim |= {
            "archived": app["archived"],
            "depends_on": app["depends_on"],
            "config_schema": app.get("config_schema"),
        }
        deployment = {
            "id": install["id"] + "1",
            "app_install": install["id"],
            "status": install["status"],
            "created_at": install["created_at"],
            "log_output": install.get("log_output", ""),
            "deployment_config": install.get("deployment_config", {}),
            "docker_message_id": None,
        }
        return {
            "id": install["id"],
            "archived": False,
            "name": install["name"],
            "display_name": install["display_name"],
            "application": slim | {"organisation": app_org},
            "organisation": org,
            "device": device,
            "version": install.get("version"),
            "managed_by": [],
            "deployment_config": install.get("deployment_config", {}),
            "latest_deployment": deployment,
            "pre_archive_latest_deployment": None,
            "config_profiles": [],
            "solution": None,
            "template": None,
            "synced": install.get("synced", "OK"),
        }


def _basic(organisation: dict[str, Any]) -> dict[str, Any]:
    return {key: organisation[key] for key in ("id", "name", "archived")}


def _determination(online: int | None) -> str:
    return "Online" if online else "Offline" if online is not None else "Unknown"


def _app_visible(body: dict[str, Any], visible: Visible) -> bool:
    return body.get("visibility") in ("COR", "PUB") or not body.get("_org") or visible(body["_org"])


def _new_application() -> dict[str, Any]:
    return {
        "archived": False,
        "long_description": "",
        "allow_many": False,
        "config_schema": {},
        "ui_schema": {},
        "tag_schema": {},
        "stars": 0,
        "container_registry_profile": None,
        "deployment_data": None,
        "image_name": None,
        "lambda_arn": None,
        "lambda_config": {},
        "config_profiles": [],
        "icon_url": None,
        "banner_url": None,
        "repository_url": None,
    }
