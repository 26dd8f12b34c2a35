"""The emulator's control API: DRF pagination and errors, applications, installs, tunnels."""

from __future__ import annotations

import httpx
import pytest

from doover_tui.emulator.app import Emulator
from tests.emulator_fixtures import Fleet


async def test_agents_groups_and_online_state(api: httpx.AsyncClient, fleet: Fleet) -> None:
    body = (await api.get("/agents/")).json()
    assert set(body) == {"groups", "agents", "organisation_users", "superusers", "sharing"}
    assert len(fleet.devices) == 12
    assert {a["connection_determination"] for a in fleet.devices} <= {"Online", "Offline"}
    north = next(g for g in body["groups"] if g["name"] == "North Farm")
    assert [c["name"] for c in north["children"]] == ["Gates"]
    kinds = {a["display_name"].split()[0] for a in fleet.devices}
    assert {"Pump", "Gate", "Weather"} <= kinds


async def test_devices_pagination_search_ordering(api: httpx.AsyncClient) -> None:
    first = (await api.get("/devices/", params={"per_page": 5, "ordering": "-name"})).json()
    assert first["count"] == 12
    assert first["previous"] is None
    names = [d["name"] for d in first["results"]]
    assert names == sorted(names, reverse=True)
    next_url = httpx.URL(first["next"])
    assert dict(next_url.params) == {"per_page": "5", "ordering": "-name", "page": "2"}
    second = (await api.get(next_url.path, params=dict(next_url.params))).json()
    assert second["previous"] is not None
    assert not set(names) & {d["name"] for d in second["results"]}
    found = (await api.get("/devices/", params={"search": "GATE"})).json()
    assert found["count"] == 3
    assert (await api.get("/devices/", params={"page": 99})).status_code == 404
    device = first["results"][0]
    detail = (await api.get(f"/devices/{device['id']}/")).json()
    assert detail["organisation"]["name"] in ("Riverbend Water", "Acme Agriculture")
    assert (await api.get("/devices/1/")).json() == {"detail": "No Device matches the given query."}


async def test_applications_create_patch_put_and_field_errors(api: httpx.AsyncClient) -> None:
    listed = (await api.get("/applications/", params={"per_page": 100})).json()
    assert listed["count"] == 8
    assert {a["type"] for a in listed["results"]} == {"DEV", "PRO", "TAS", "INT", "REP"}
    org = (await api.get("/organisations/")).json()["results"][0]["id"]
    bad = await api.post("/applications/", json={"name": "Bad Name", "type": "XXX"})
    assert bad.status_code == 400
    errors = bad.json()
    assert errors["type"] == ['"XXX" is not a valid choice.']
    assert errors["display_name"] == ["This field is required."]
    assert errors["name"] == ["This value does not match the required pattern."]
    fields = {
        "name": "flow_meter",
        "display_name": "Flow Meter",
        "description": "Reads a pulse flow meter.",
        "type": "DEV",
        "visibility": "PRI",
        "depends_on": [],
        "organisation_id": org,
        "container_registry_profile_id": None,
    }
    created = await api.post("/applications/", json=fields)
    assert created.status_code == 201
    app = created.json()
    assert (app["organisation"]["id"], app["approx_installs"]) == (org, 0)
    duplicate = await api.post("/applications/", json=fields)
    assert duplicate.json() == {"name": ["application with this name already exists."]}
    patched = await api.patch(f"/applications/{app['id']}/", json={"description": "Counts litres."})
    assert (patched.json()["description"], patched.json()["display_name"]) == ("Counts litres.", "Flow Meter")
    incomplete_put = await api.put(f"/applications/{app['id']}/", json={"description": "x"})
    assert set(incomplete_put.json()) >= {"name", "display_name", "type"}


async def test_app_installs_of_a_device(api: httpx.AsyncClient, fleet: Fleet) -> None:
    pump = fleet.device("Riverside")
    installs = (await api.get(f"/devices/{pump['id']}/app_installs/")).json()["results"]
    names = {i["application"]["name"] for i in installs}
    assert {"pump_controller", "modbus_bridge"} <= names
    assert all(i["latest_deployment"]["status"] in ("QUE", "RUN", "SUC", "FAI", "CAN") for i in installs)


async def test_tunnel_lifecycle_both_families_with_delayed_activation(
    api: httpx.AsyncClient, fleet: Fleet, emulator: Emulator
) -> None:
    now = [1000.0]
    emulator.tunnels.clock = lambda: now[0]
    emulator.tunnels.activation_delay = 1.0
    device = fleet.device("Riverside")
    scoped = f"/devices/{device['id']}/tunnels/"
    invalid = await api.post(scoped, json={"name": "x", "hostname": "h", "port": 70000, "protocol": "ftp"})
    assert invalid.json() == {
        "port": ["Ensure this value is less than or equal to 65535."],
        "protocol": ['"ftp" is not a valid choice.'],
    }
    created = await api.post(
        scoped, json={"name": "grafana", "hostname": "127.0.0.1", "port": 3000, "protocol": "http"}
    )
    assert created.status_code == 201
    tunnel = created.json()
    assert (tunnel["is_active"], tunnel["device"]["id"], tunnel["timeout"]) == (False, device["id"], 15)
    assert tunnel["endpoint"].endswith(".invalid:" + tunnel["endpoint"].rsplit(":", 1)[1])
    toggled = await api.post(f"/tunnels/{tunnel['id']}/activate/", json={})
    assert toggled.json()["is_active"] is False, "activation is asynchronous"
    assert (await api.get(f"{scoped}{tunnel['id']}/")).json()["is_active"] is False
    now[0] += 1.5
    assert (await api.get(f"/tunnels/{tunnel['id']}/")).json()["is_active"] is True
    patched = await api.patch(f"{scoped}{tunnel['id']}/", json={"timeout": 60, "ip_restricted": True})
    assert (patched.json()["timeout"], patched.json()["ip_restricted"]) == (60, True)
    protocol_change = await api.patch(f"/tunnels/{tunnel['id']}/", json={"protocol": "tcp"})
    assert protocol_change.status_code == 400
    await api.post(f"{scoped}{tunnel['id']}/deactivate/")
    now[0] += 1.5
    assert (await api.get(f"/tunnels/{tunnel['id']}/")).json()["is_active"] is False
    everywhere = (await api.get("/tunnels/", params={"per_page": 100})).json()
    assert tunnel["id"] in {t["id"] for t in everywhere["results"]}
    other = fleet.device("Mill Road")
    assert (await api.get(f"/devices/{other['id']}/tunnels/{tunnel['id']}/")).status_code == 404
    assert (await api.delete(f"/tunnels/{tunnel['id']}/")).status_code == 204
    assert (await api.get(f"/tunnels/{tunnel['id']}/")).status_code == 404


async def test_top_level_tunnel_create_needs_a_known_device(api: httpx.AsyncClient, fleet: Fleet) -> None:
    body = {"name": "ssh", "hostname": "127.0.0.1", "port": 22, "protocol": "tcp"}
    missing = await api.post("/tunnels/", json=body)
    assert missing.json() == {"device_id": ["This field is required."]}
    unknown = await api.post("/tunnels/", json=body | {"device_id": "42"})
    assert unknown.json() == {"device_id": ['Invalid pk "42" - object does not exist.']}
    created = await api.post("/tunnels/", json=body | {"device_id": fleet.devices[1]["id"]})
    assert created.status_code == 201


@pytest.mark.parametrize("path", ["/users/me/", "/organisations/", "/agents/", "/devices/", "/tunnels/"])
async def test_control_paths_answer_json(api: httpx.AsyncClient, path: str) -> None:
    response = await api.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"


async def test_refresh_and_client_credentials_grants(api: httpx.AsyncClient, emulator: Emulator) -> None:
    refused = await api.post(
        "/oauth2/token", params={"grant_type": "refresh_token", "refresh_token": "x", "client_id": "y"}
    )
    assert refused.status_code == 400
    params = {
        "grant_type": "refresh_token",
        "refresh_token": emulator.auth.refresh_token,
        "client_id": "doover-tui-emulator",
    }
    granted = (await api.post("/oauth2/token", params=params)).json()
    assert granted["expires_in"] == 3600
    fresh = granted["access_token"]
    assert (await api.get("/agents/", headers={"Authorization": f"Bearer {fresh}"})).status_code == 200
    emulator.auth.clock = lambda: 10**12
    assert (await api.get("/agents/", headers={"Authorization": f"Bearer {fresh}"})).status_code == 401, "expired"
    basic = httpx.BasicAuth("doover-tui-emulator", emulator.token)
    service = await api.post("/api/oauth2/token", data={"grant_type": "client_credentials", "scope": ""}, auth=basic)
    assert service.status_code == 200
    wrong = await api.post(
        "/api/oauth2/token", data={"grant_type": "client_credentials"}, auth=httpx.BasicAuth("a", "b")
    )
    assert wrong.status_code == 401


async def test_changing_ones_mind_before_a_toggle_lands(
    api: httpx.AsyncClient, fleet: Fleet, emulator: Emulator
) -> None:
    now = [1000.0]
    emulator.tunnels.clock = lambda: now[0]
    device = fleet.device("Riverside")
    tunnel = (
        await api.post(
            f"/devices/{device['id']}/tunnels/", json={"name": "t", "hostname": "h", "port": 1, "protocol": "tcp"}
        )
    ).json()
    await api.post(f"/tunnels/{tunnel['id']}/activate/")
    await api.post(f"/tunnels/{tunnel['id']}/deactivate/")  # back to where it is: the activation is void
    now[0] += 5
    assert (await api.get(f"/tunnels/{tunnel['id']}/")).json()["is_active"] is False
    await api.post(f"/tunnels/{tunnel['id']}/activate/")
    now[0] += 5
    await api.post(f"/tunnels/{tunnel['id']}/deactivate/")
    await api.post(f"/tunnels/{tunnel['id']}/activate/")  # quickly back: stays active
    now[0] += 5
    assert (await api.get(f"/tunnels/{tunnel['id']}/")).json()["is_active"] is True
