"""doover-tui's own client against the live emulator: every endpoint it has, end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from doover_tui.api.auth import StaticToken
from doover_tui.api.client import DooverClient, Endpoints, new_http_client
from doover_tui.api.errors import BadRequestError, NotFoundError
from doover_tui.emulator.server import RunningEmulator
from tests.emulator_fixtures import TOKEN


@pytest.fixture
async def client(live: RunningEmulator) -> AsyncIterator[DooverClient]:
    urls = live.urls
    doover = DooverClient(Endpoints(urls.data, urls.control, urls.gateway), StaticToken(TOKEN), new_http_client(10))
    yield doover
    await doover.aclose()


async def test_control_endpoints(client: DooverClient) -> None:
    me = await client.control.me()
    assert me.username == "demo"
    assert [o.name for o in await client.control.organisations()] == ["Riverbend Water", "Acme Agriculture"]
    agents = await client.control.agents()
    devices = await client.control.devices()
    assert {d.id for d in devices} == {a.id for a in agents.agents if a.type == "device"}
    assert (await client.control.device(devices[0].id)).name == devices[0].name
    apps = await client.control.applications()
    assert len(apps) == 8
    assert all(a.config_schema for a in apps)
    assert (await client.control.application(apps[0].id)).long_description.startswith("# ")
    installs = await client.control.app_installs(devices[0].id)
    assert all(i.application_name for i in installs)


async def test_data_endpoints(client: DooverClient) -> None:
    agents = await client.control.agents()
    device = next(a for a in agents.agents if a.type == "device")
    channels = await client.data.list_channels(device.id)
    assert "telemetry" in {c.name for c in channels}
    assert (await client.data.get_channel(device.id, "config")).aggregate_schema is not None
    assert await client.data.create_channel(device.id, "contract", is_private=True)
    channel = await client.data.put_channel(device.id, "contract", is_private=False, message_schema={"type": "object"})
    assert channel.message_schema == {"type": "object"}
    patched = await client.data.update_aggregate(device.id, "contract", {"a": {"b": 1}, "gone": 1})
    assert patched is not None
    removed = await client.data.update_aggregate(device.id, "contract", {"gone": None, "a": {"c": 2}})
    assert removed is not None
    assert removed.data == {"a": {"b": 1, "c": 2}}
    swapped = await client.data.update_aggregate(
        device.id, "contract", {"a": {"z": 0}}, replace_paths=["a"], log_update=True
    )
    assert swapped is not None
    assert swapped.data == {"a": {"z": 0}}
    assert (await client.data.get_aggregate(device.id, "contract")).data == {"a": {"z": 0}}
    message = await client.data.create_message(device.id, "contract", {"hello": "world"})
    assert (await client.data.get_message(device.id, "contract", message.id)).data == {"hello": "world"}
    updated = await client.data.update_message(device.id, "contract", message.id, {"more": 1})
    assert updated is not None
    assert updated.data == {"hello": "world", "more": 1}
    newest = await client.data.list_messages(device.id, "contract")
    assert [m.data for m in newest] == [{"hello": "world", "more": 1}, {"a": {"z": 0}}], "logged update, then ours"
    await client.data.delete_message(device.id, "contract", message.id)
    with pytest.raises(NotFoundError):
        await client.data.get_message(device.id, "contract", message.id)
    series = await client.data.timeseries(device.id, "telemetry", ["inlet_level_m", "level_pct"], limit=7)
    assert series.count == len(series.points) == 7
    assert await client.data.list_alarms(device.id, "telemetry") == []
    assert await client.data.wss_connections(device.id) == []


async def test_paging_every_message_both_ways(client: DooverClient) -> None:
    agents = await client.control.agents()
    device = next(a for a in agents.agents if a.type == "device")
    backward = [
        m.id async for page in client.data.iter_messages_backward(device.id, "telemetry", page_size=700) for m in page
    ]
    assert len(backward) == len(set(backward)) > 2000
    oldest = backward[-1]
    forward = [
        m.id
        async for page in client.data.iter_messages_forward(
            device.id, "telemetry", after=int(oldest) - 1, page_size=700
        )
        for m in page
    ]
    assert forward == list(reversed(backward))


async def test_tunnels_and_errors(client: DooverClient) -> None:
    devices = await client.control.devices()
    device = devices[0]
    created = await client.control.create_tunnel(
        {"name": "contract", "hostname": "127.0.0.1", "port": 8080, "protocol": "http"}, device_id=device.id
    )
    assert created.device_id == device.id
    await client.control.activate_tunnel(created.id)
    assert (await client.control.tunnel(created.id, device_id=device.id)).is_active
    patched = await client.control.patch_tunnel(created.id, {"timeout": 99}, device_id=device.id)
    assert patched.timeout == 99
    await client.control.deactivate_tunnel(created.id, device_id=device.id)
    assert created.id in {t.id for t in await client.control.tunnels(device.id)}
    with pytest.raises(BadRequestError) as caught:
        await client.control.create_tunnel(
            {"name": "", "hostname": "h", "port": 0, "protocol": "tcp"}, device_id=device.id
        )
    assert caught.value.field_errors == {
        "name": ["This field may not be blank."],
        "port": ["Ensure this value is greater than or equal to 1."],
    }
    await client.control.delete_tunnel(created.id)
    with pytest.raises(NotFoundError):
        await client.control.tunnel(created.id)


async def test_refresh_through_a_written_profile(live: RunningEmulator, isolated_env: object) -> None:
    """The profile --write-profile writes lets a client renew its token against the emulator."""
    from doover_tui.config.connection import ConnectOptions, resolve_connection
    from doover_tui.config.paths import default_paths
    from doover_tui.config.profiles import load_profiles, update_profile
    from doover_tui.config.settings import Settings
    from doover_tui.connect import build_client
    from doover_tui.emulator.cli import write_profile

    paths = default_paths()
    emulator = live.emulator
    write_profile(paths, "emu", live.urls.root, emulator.token, emulator.auth.refresh_token)
    update_profile(paths.doover_config, "emu", {"TOKEN": "expired-token", "TOKEN_EXPIRES": "1.0"})
    connection = resolve_connection(ConnectOptions(profile="emu"), {}, paths, Settings())
    client = build_client(connection, Settings())
    assert (await client.control.me()).username == "demo"
    renewed = load_profiles(paths.doover_config).get("emu")
    assert renewed.token not in (None, "expired-token")
    assert renewed.token_expires is not None
    assert renewed.token_expires > 1.0
    await client.aclose()
