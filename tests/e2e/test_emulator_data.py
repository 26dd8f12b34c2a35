"""The emulator's data API follows the reference: auth, bodies, merge rules, message order, errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import orjson
import pytest

from doover_tui.api.snowflake import id_to_unix_ms
from doover_tui.emulator import data_service, http_util
from doover_tui.emulator.app import Emulator, EmulatorConfig
from tests.emulator_fixtures import TOKEN, Fleet


def chan(device: dict[str, object], name: str) -> str:
    return f"/api/agents/{device['id']}/channels/{name}"


async def test_auth_is_required_everywhere(api: httpx.AsyncClient, fleet: Fleet) -> None:
    path = chan(fleet.devices[0], "telemetry") + "/aggregate"
    missing = await api.get(path, headers={"Authorization": ""})
    assert missing.status_code == 401
    assert missing.json() == {"detail": "Authentication credentials were not provided."}
    wrong = await api.get("/agents/", headers={"Authorization": "Bearer nope"})
    assert (wrong.status_code, wrong.json()["detail"]) == (401, "Invalid token.")


async def test_organisation_header_scopes_and_unknown_is_forbidden(api: httpx.AsyncClient, fleet: Fleet) -> None:
    orgs = (await api.get("/organisations/")).json()["results"]
    assert [o["name"] for o in orgs] == ["Riverbend Water", "Acme Agriculture"]
    acme = orgs[1]["id"]
    scoped = (await api.get("/agents/", headers={"X-Doover-Organisation": acme})).json()["agents"]
    assert scoped
    assert {a["organisation"] for a in scoped} == {"Acme Agriculture"}
    riverbend_device = fleet.device("Riverside")
    hidden = await api.get(chan(riverbend_device, "telemetry"), headers={"X-Doover-Organisation": acme})
    assert hidden.status_code == 404
    unknown = await api.get("/agents/", headers={"X-Doover-Organisation": "123"})
    assert unknown.status_code == 403


async def test_channels_list_and_get(api: httpx.AsyncClient, fleet: Fleet) -> None:
    pump = fleet.device("Riverside")
    listed = (await api.get(f"/api/agents/{pump['id']}/channels", params={"include_aggregate": "false"})).json()
    names = [c["name"] for c in listed]
    assert names == sorted(names)
    assert {"device_status", "telemetry", "config", "ui_state"} <= set(names)
    assert all("aggregate" not in c for c in listed)
    config = (await api.get(chan(pump, "config"), params={"include_aggregate": "true"})).json()
    assert config["aggregate_schema"]["required"] == ["reporting_interval_s", "mode"]
    assert config["aggregate"]["data"]["mode"] in ("auto", "manual")
    assert (await api.get(chan(pump, "nope"))).status_code == 404
    assert (await api.get("/api/agents/999/channels")).status_code == 404


async def test_create_and_put_channel(api: httpx.AsyncClient, fleet: Fleet) -> None:
    pump = fleet.device("Riverside")
    created = await api.post(chan(pump, "notes"), json={"is_private": True})
    assert created.status_code == 201
    again = await api.post(chan(pump, "notes"), json={"is_private": True})
    assert again.json() == created.json(), "creating an existing channel returns its id"
    put = await api.put(chan(pump, "notes"), json={"is_private": False, "aggregate_schema": {"type": "object"}})
    assert (put.json()["is_private"], put.json()["aggregate_schema"]) == (False, {"type": "object"})
    bad = await api.put(chan(pump, "notes"), json={"aggregate_schema": {}})
    assert (bad.status_code, bad.json()["message"]) == (400, "is_private is required")


async def test_patch_merge_rules_replace_paths_and_put(api: httpx.AsyncClient, fleet: Fleet) -> None:
    pump = fleet.device("Riverside")
    path = chan(pump, "pump_control") + "/aggregate"
    await api.put(path, json={"a": 1, "b": {"x": 1, "y": 2}, "tags": [1, 2], "s": {"k": {"old": 1}}})
    merged = await api.patch(path, json={"b": {"y": None, "z": 3}, "tags": [3], "c": True})
    assert merged.json()["data"] == {"a": 1, "b": {"x": 1, "z": 3}, "tags": [3], "c": True, "s": {"k": {"old": 1}}}
    swapped = await api.patch(path, params={"replace": "s.k"}, json={"s": {"k": {"new": 2}}})
    assert swapped.json()["data"]["s"] == {"k": {"new": 2}}
    assert swapped.json()["last_updated"] > 0
    silent = await api.put(path, params={"suppress_response": "true"}, json=[1, 2])
    assert (silent.status_code, silent.content) == (200, b"")
    assert (await api.get(path)).json()["data"] == [1, 2]


async def test_gzip_bodies_and_bad_bodies(api: httpx.AsyncClient, fleet: Fleet) -> None:
    path = chan(fleet.device("Riverside"), "pump_control") + "/aggregate"
    body = orjson.dumps({"requested": {"speed_pct": 55, "note": "x" * 80}})
    zipped = await api.patch(path, content=gzip.compress(body), headers={"Content-Encoding": "gzip"})
    assert zipped.json()["data"]["requested"]["speed_pct"] == 55
    not_gzip = await api.patch(path, content=body, headers={"Content-Encoding": "gzip"})
    assert (not_gzip.status_code, not_gzip.json()["message"]) == (
        400,
        "Content-Encoding is gzip but the body is not valid gzip",
    )
    malformed = await api.patch(path, content=b'{"a": ', headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.json()["message"].startswith("malformed JSON")
    assert (await api.get(path)).json()["data"]["requested"]["speed_pct"] == 55, "failed writes change nothing"


async def test_oversized_body_is_413(api: httpx.AsyncClient, fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_util, "MAX_BODY_BYTES", 1000)
    path = chan(fleet.device("Riverside"), "pump_control") + "/aggregate"
    assert (await api.patch(path, json={"x": "y" * 2000})).status_code == 413
    bomb = gzip.compress(b'{"x": "' + b"y" * 5000 + b'"}')
    assert (await api.patch(path, content=bomb, headers={"Content-Encoding": "gzip"})).status_code == 413


async def test_log_update_and_clear_attachments_and_multipart(api: httpx.AsyncClient, fleet: Fleet) -> None:
    device = fleet.device("Riverside")
    path = chan(device, "config") + "/aggregate"
    before = (await api.get(chan(device, "config") + "/messages")).json()
    assert before == []
    await api.patch(path, params={"log_update": "true"}, json={"mode": "off"})
    (logged,) = (await api.get(chan(device, "config") + "/messages")).json()
    assert logged["data"] == {"mode": "off"}, "the logged message holds the request's data"
    upload = await api.patch(
        path,
        data={"json_payload": '{"photo": true}'},
        files={"attachment-1": ("pump.jpg", b"\xff\xd8jpeg", "image/jpeg")},
    )
    (attachment,) = upload.json()["attachments"]
    assert (attachment["filename"], attachment["size"], attachment["content_type"]) == ("pump.jpg", 6, "image/jpeg")
    download = await api.get(httpx.URL(attachment["url"]).path)
    assert download.content == b"\xff\xd8jpeg"
    cleared = await api.patch(path, params={"clear_attachments": "true"}, json={})
    assert cleared.json()["attachments"] == []


async def test_message_order_bounds_and_limits(api: httpx.AsyncClient, fleet: Fleet) -> None:
    path = chan(fleet.device("Riverside"), "telemetry") + "/messages"
    newest = (await api.get(path, params={"limit": 5})).json()
    ids = [int(m["id"]) for m in newest]
    assert ids == sorted(ids, reverse=True), "no bound: newest first"
    older = (await api.get(path, params={"before": ids[-1], "limit": 5})).json()
    assert all(int(m["id"]) < ids[-1] for m in older)
    forward = (await api.get(path, params={"after": ids[-1], "limit": 3})).json()
    assert [int(m["id"]) for m in forward] == sorted(ids[-2:-5:-1]), "bare after: the oldest newer ones, oldest first"
    both = (await api.get(path, params={"after": ids[-1], "before": ids[0], "limit": 10})).json()
    assert [int(m["id"]) for m in both] == ids[1:-1], "both bounds: newest first, exclusive"
    assert len((await api.get(path)).json()) == data_service.DEFAULT_LIMIT
    assert (await api.get(path, params={"limit": "0"})).status_code == 400
    assert (await api.get(path, params={"before": "abc"})).status_code == 400


async def test_field_name_projects_and_filters(api: httpx.AsyncClient, fleet: Fleet) -> None:
    path = chan(fleet.device("Riverside"), "telemetry") + "/messages"
    projected = (
        await api.get(path, params=[("field_name", "inlet_level_m"), ("field_name", "pump.rpm"), ("limit", "3")])
    ).json()
    assert all(set(m["data"]) == {"inlet_level_m", "pump.rpm"} for m in projected)
    assert (await api.get(path, params={"field_name": "no_such_field"})).json() == []


async def test_message_crud_and_idempotent_create(api: httpx.AsyncClient, fleet: Fleet) -> None:
    path = chan(fleet.device("Riverside"), "telemetry") + "/messages"
    created = await api.post(path, json={"data": {"note": "hello"}})
    assert created.status_code == 201
    message = created.json()
    assert message["channel"]["name"] == "telemetry"
    mid = message["id"]
    assert (await api.get(f"{path}/{mid}")).json() == message
    patched = await api.patch(f"{path}/{mid}", json={"data": {"extra": 1}})
    assert patched.json()["data"] == {"note": "hello", "extra": 1}
    replaced = await api.put(f"{path}/{mid}", json={"data": {"only": 2}})
    assert replaced.json()["data"] == {"only": 2}
    assert (await api.delete(f"{path}/{mid}")).status_code == 204
    assert (await api.get(f"{path}/{mid}")).status_code == 404
    chosen = str(int(mid) + 1)
    first = await api.post(f"{path}/{chosen}", json={"data": {"v": 1}})
    second = await api.post(f"{path}/{chosen}", json={"data": {"v": 2}})
    assert (first.status_code, second.status_code, second.json()["data"]) == (201, 200, {"v": 1})
    at = await api.post(path, json={"data": {}, "ts": 1_767_225_600_000})
    assert id_to_unix_ms(at.json()["id"]) == 1_767_225_600_000
    assert (await api.post(path, json={"no_data": 1})).status_code == 400


async def test_timeseries_pages_with_next(api: httpx.AsyncClient, fleet: Fleet) -> None:
    path = chan(fleet.device("Riverside"), "telemetry") + "/messages/timeseries"
    first = (await api.get(path, params={"field_name": "inlet_level_m", "limit": 4})).json()
    assert first["count"] == 4
    assert all(isinstance(p["value"], float) for p in first["results"])
    second = (await api.get(path, params={"field_name": "inlet_level_m", "limit": 4, "before": first["next"]})).json()
    assert int(second["results"][0]["message_id"]) < int(first["results"][-1]["message_id"])
    assert (await api.get(path)).status_code == 400


async def test_alarms_crud_and_validation(api: httpx.AsyncClient, fleet: Fleet) -> None:
    path = chan(fleet.device("Riverside"), "telemetry") + "/alarms"
    created = await api.post(path, json={"name": "hot", "key": "pump.motor.temp_c", "operator": "gt", "value": 80})
    assert created.status_code == 201
    alarm = created.json()
    assert (alarm["state"], alarm["enabled"]) == ("NoData", True)
    assert [a["id"] for a in (await api.get(path)).json()] == [alarm["id"]]
    patched = await api.patch(f"{path}/{alarm['id']}", json={"expiry_mins": 5})
    assert (patched.json()["expiry_mins"], patched.json()["operator"]) == (5, "gt")
    bad = await api.put(f"{path}/{alarm['id']}", json={"name": "x", "key": "k", "operator": "between", "value": 1})
    assert bad.status_code == 400
    assert (await api.delete(f"{path}/{alarm['id']}")).status_code == 204
    assert (await api.get(f"{path}/{alarm['id']}")).status_code == 404


async def test_failed_write_leaves_nothing_half_written(
    api: httpx.AsyncClient, fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = fleet.device("Riverside")
    path = chan(device, "config") + "/aggregate"
    before = (await api.get(path)).json()

    def explode(*args: object) -> list[object]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(data_service, "evaluate_alarms", explode)
    failed = await api.patch(path, params={"log_update": "true"}, json={"mode": "off"})
    assert failed.status_code == 500
    assert (await api.get(path)).json() == before, "the aggregate write was rolled back"
    assert (await api.get(chan(device, "config") + "/messages")).json() == [], "and so was the logged message"


def test_data_survives_a_restart(tmp_path: Path) -> None:
    database = tmp_path / "emulator.sqlite3"
    first = Emulator(EmulatorConfig(database=database, token=TOKEN, simulate=False))
    device = next(row[0] for row in first.db.query("SELECT agent_id FROM channels WHERE name = 'config'"))
    first.data.update_aggregate(device, "config", {"mode": "off"}, author_id="x", replace=False)
    agents_before = first.db.query("SELECT id FROM agents ORDER BY id")
    first.close()
    second = Emulator(EmulatorConfig(database=database, simulate=False))
    assert second.token == TOKEN, "the token is kept with the data"
    assert second.data.get_aggregate(device, "config")["data"]["mode"] == "off"
    assert second.db.query("SELECT id FROM agents ORDER BY id") == agents_before, "not seeded twice"
    second.close()


async def test_messages_sharing_a_ts_are_all_kept(api: httpx.AsyncClient, fleet: Fleet) -> None:
    path = chan(fleet.device("Riverside"), "telemetry") + "/messages"
    ts = 1_767_225_600_000
    first = await api.post(path, json={"data": {"n": 1}, "ts": ts})
    second = await api.post(path, json={"data": {"n": 2}, "ts": ts})
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert id_to_unix_ms(first.json()["id"]) == id_to_unix_ms(second.json()["id"]) == ts
    assert (await api.get(f"{path}/{second.json()['id']}")).json()["data"] == {"n": 2}


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"before": str(2**64)}, {}),
        ({"before": "²"}, {}),
        ({"limit": "²"}, {}),
        ({}, {"Authorization": "Bearer tok\u00e9n"}),
    ],
)
async def test_odd_input_is_a_4xx_never_a_500(
    api: httpx.AsyncClient, fleet: Fleet, params: dict[str, str], headers: dict[str, str]
) -> None:
    path = chan(fleet.device("Riverside"), "telemetry") + "/messages"
    response = await api.get(path, params=params, headers={k: v.encode() for k, v in headers.items()})
    assert 400 <= response.status_code < 500
