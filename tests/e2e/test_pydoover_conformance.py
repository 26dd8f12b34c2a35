"""pydoover, the official client, against a live emulator: every call the TUI relies on succeeds and parses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydoover.api import AsyncControlClient, AsyncDataClient, ControlClient, DataClient

from doover_tui.emulator.server import RunningEmulator
from tests.emulator_fixtures import TOKEN


@pytest.fixture
def data(live: RunningEmulator) -> Iterator[DataClient]:
    with DataClient(live.urls.data, token=TOKEN, max_retries=1) as client:
        yield client


@pytest.fixture
def control(live: RunningEmulator) -> Iterator[ControlClient]:
    with ControlClient(live.urls.control, token=TOKEN, max_retries=1) as client:
        yield client


def a_device(control: ControlClient) -> tuple[int, str]:
    agents = control.agents.retrieve()
    device = next(a for a in agents.agents if a.type == "device" and "Riverside" in a.display_name)
    return int(device.id), device.display_name


def test_channels(data: DataClient, control: ControlClient) -> None:
    agent_id, _ = a_device(control)
    channels = data.list_channels(agent_id)
    assert {"telemetry", "config", "device_status"} <= {c.name for c in channels}
    config = data.fetch_channel(agent_id, "config")
    assert config.aggregate_schema is not None
    assert config.aggregate is not None
    new_id = data.create_channel(agent_id, "pydoover_made", is_private=True)
    assert isinstance(new_id, int)
    replaced = data.put_channel(agent_id, "pydoover_made", is_private=False, aggregate_schema={"type": "object"})
    assert replaced.is_private is False


def test_aggregates_patch_replace_suppress(data: DataClient, control: ControlClient) -> None:
    agent_id, _ = a_device(control)
    before = data.fetch_channel_aggregate(agent_id, "pump_control")
    assert "requested" in before.data
    long_value = {"requested": {"speed_pct": 42, "comment": "sent gzipped, being over fifty bytes long"}}
    patched = data.update_channel_aggregate(agent_id, "pump_control", long_value, log_update=True)
    assert patched is not None
    assert patched.data["requested"]["speed_pct"] == 42
    assert patched.data["interlocks"] == before.data["interlocks"], "a PATCH merges"
    replaced = data.update_channel_aggregate(agent_id, "pump_control", {"only": 1}, replace_data=True)
    assert replaced is not None
    assert replaced.data == {"only": 1}
    assert data.update_channel_aggregate(agent_id, "pump_control", {"x": 2}, suppress_response=True) is None
    assert data.fetch_channel_aggregate(agent_id, "pump_control").data == {"only": 1, "x": 2}
    swapped = data.update_channel_aggregate(agent_id, "pump_control", {"only": {"a": 1}}, replace_keys=["only"])
    assert swapped is not None
    assert swapped.data["only"] == {"a": 1}


def test_messages_both_directions_and_crud(data: DataClient, control: ControlClient) -> None:
    agent_id, _ = a_device(control)
    newest = data.list_messages(agent_id, "telemetry", limit=10)
    ids = [m.id for m in newest]
    assert ids == sorted(ids, reverse=True)
    forward = data.list_messages(agent_id, "telemetry", after=ids[-1], limit=3)
    assert [m.id for m in forward] == sorted(ids[-2:-5:-1])
    every = list(data.iter_messages(agent_id, "telemetry", page_size=500))
    every_ids = [m.id for m in every]
    assert len(every_ids) == len(set(every_ids)) > 2000
    assert every_ids == sorted(every_ids, reverse=True)
    created = data.create_message(agent_id, "telemetry", {"note": "from pydoover"})
    assert data.fetch_message(agent_id, "telemetry", created.id).data == {"note": "from pydoover"}
    updated = data.update_message(agent_id, "telemetry", created.id, {"extra": True})
    assert updated is not None
    assert updated.data == {"note": "from pydoover", "extra": True}
    data.delete_message(agent_id, "telemetry", created.id)
    series = data.fetch_timeseries(agent_id, "telemetry", ["inlet_level_m"], limit=5)
    assert series.count == 5


def test_alarms(data: DataClient, control: ControlClient) -> None:
    agent_id, _ = a_device(control)
    alarm = data.create_alarm(agent_id, "telemetry", "hot motor", key="pump.motor.temp_c", operator="gt", value=90)
    assert [a.id for a in data.list_alarms(agent_id, "telemetry")] == [alarm.id]
    assert data.fetch_alarm(agent_id, "telemetry", alarm.id).name == "hot motor"
    updated = data.update_alarm(agent_id, "telemetry", alarm.id, enabled=False, expiry_mins=10)
    assert updated.enabled is False
    data.delete_alarm(agent_id, "telemetry", alarm.id)
    assert data.list_alarms(agent_id, "telemetry") == []


def test_connections_listing(data: DataClient, control: ControlClient) -> None:
    agent_id, _ = a_device(control)
    assert data.list_connections(agent_id) == []


async def test_async_data_client(live: RunningEmulator) -> None:
    async with AsyncControlClient(live.urls.control, token=TOKEN, max_retries=1) as control:
        agents = await control.agents.retrieve()
        agent_id = int(next(a for a in agents.agents if a.type == "device").id)
    async with AsyncDataClient(live.urls.data, token=TOKEN, max_retries=1) as data:
        channels = await data.list_channels(agent_id)
        assert channels
        patched = await data.update_channel_aggregate(agent_id, "config", {"mode": "manual", "pad": "x" * 60})
        assert patched is not None
        assert patched.data["mode"] == "manual"
        created = await data.create_message(agent_id, "telemetry", {"n": 1})
        await data.delete_message(agent_id, "telemetry", created.id)
        assert (
            await data.update_channel_aggregate(agent_id, "config", {"mode": "auto"}, return_aggregate=False)
        ) is None
        pages = await data.iter_messages(agent_id, "telemetry", page_size=1000).collect()
        assert len(pages) > 2000


def test_control_agents_devices_applications_installs(control: ControlClient) -> None:
    agents = control.agents.retrieve()
    assert len([a for a in agents.agents if a.type == "device"]) == 12
    devices = control.devices.list(per_page=100)
    assert devices.count == 12
    device = control.devices.retrieve(devices.results[0].id)
    assert device.display_name == devices.results[0].display_name
    apps = control.applications.list(per_page=100)
    assert apps.count == 8
    app = control.applications.retrieve(apps.results[0].id)
    assert app.name == apps.results[0].name
    org = control.organisations.list().results[0].id
    created = control.applications.create(
        {
            "name": "pydoover_app",
            "display_name": "Made by pydoover",
            "description": "x",
            "type": "PRO",
            "visibility": "PRI",
            "depends_on": [],
            "organisation_id": str(org),
            "container_registry_profile_id": None,
        }
    )
    patched = control.applications.partial(created.id, {"description": "changed"})
    assert patched.description == "changed"
    installs = control.devices.app_installs_list(devices.results[0].id)
    assert installs.count == len(installs.results)


def test_control_tunnels_every_verb(control: ControlClient) -> None:
    device_id, _ = a_device(control)
    listed = control.devices.tunnels_list(device_id)
    assert listed.count >= 2
    body = {"name": "pydoover-ssh", "hostname": "127.0.0.1", "port": 2222, "protocol": "tcp"}
    created = control.devices.tunnels_create(device_id, body)
    fetched = control.devices.tunnels_retrieve(created.id, device_id)
    assert fetched.port == 2222
    control.devices.tunnels_partial(created.id, device_id, {"timeout": 30})
    control.devices.tunnels_update(created.id, device_id, body | {"timeout": 45})
    control.devices.tunnels_activate(created.id, device_id, {})
    control.devices.tunnels_deactivate(created.id, device_id, {})
    control.devices.tunnels_delete(created.id, device_id)
    top = control.tunnels.create(body | {"device_id": str(device_id)})
    assert control.tunnels.retrieve(top.id).name == "pydoover-ssh"
    control.tunnels.partial(top.id, {"is_favourite": True})
    control.tunnels.update(top.id, body | {"timeout": 5})
    control.tunnels.activate(top.id, {})
    assert control.tunnels.retrieve(top.id).is_active is True, "activation delay is 0 in this emulator"
    control.tunnels.deactivate(top.id, {})
    assert control.tunnels.list(per_page=100).count > 0
    control.tunnels.delete(top.id)
    assert top.id not in {t.id for t in control.tunnels.list(per_page=100).results}
