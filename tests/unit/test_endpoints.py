"""Every endpoint the TUI uses: method, path, query and body on the wire, and the parsed result."""

from __future__ import annotations

import httpx
import pytest

from doover_tui.api.auth import StaticToken
from doover_tui.api.client import DooverClient, Endpoints
from doover_tui.api.errors import ProtocolError
from doover_tui.api.models import ChannelRef
from tests.conftest import FakeServer, fixture_json

DATA = "http://127.0.0.1:9/api"
CONTROL = "http://127.0.0.1:9"
A = "/api/agents/42"
C = f"{A}/channels/tank_level"


@pytest.fixture
def client(server: FakeServer) -> DooverClient:
    http = httpx.AsyncClient(transport=server.transport())
    return DooverClient(Endpoints(DATA, CONTROL, "ws://127.0.0.1:9/ws"), StaticToken("t"), http)


def page(results: list[object], next_url: str | None = None) -> httpx.Response:
    return httpx.Response(200, json={"count": len(results), "next": next_url, "previous": None, "results": results})


async def test_channels(server: FakeServer, client: DooverClient) -> None:
    server.on("GET", f"{A}/channels", httpx.Response(200, json=fixture_json("channel_list.json")))
    channels = await client.data.list_channels(42)
    assert server.last().query == [("include_aggregate", "false"), ("include_daily_summaries", "false")]
    assert channels[0].name == "c1"
    server.on("GET", C, httpx.Response(200, json=fixture_json("channel_with_aggregate.json")))
    channel = await client.data.get_channel("42", "tank_level")
    assert server.last().query == [("include_aggregate", "true")]
    assert channel.aggregate is not None
    assert channel.aggregate.data == {"level": 3.5}
    server.on("POST", C, httpx.Response(200, json={"id": "777"}))
    assert await client.data.create_channel(42, "tank_level", aggregate_schema={"type": "object"}) == "777"
    assert server.last().body == {"is_private": False, "aggregate_schema": {"type": "object"}}
    server.on("PUT", C, httpx.Response(200, json=fixture_json("channel_with_aggregate.json")))
    await client.data.put_channel(42, "tank_level", is_private=True, message_schema={"type": "object"})
    assert server.last().body == {"is_private": True, "message_schema": {"type": "object"}}


async def test_aggregate_get_patch_put(server: FakeServer, client: DooverClient) -> None:
    server.on("GET", f"{C}/aggregate", httpx.Response(200, json=fixture_json("aggregate.json")))
    assert (await client.data.get_aggregate(42, "tank_level")).data == {"status": "ok", "count": 42}
    server.on("PATCH", f"{C}/aggregate", httpx.Response(200, json=fixture_json("aggregate.json")))
    result = await client.data.update_aggregate(
        42, "tank_level", {"pump": {"on": True}}, replace_paths=["a.b", "c"], log_update=True
    )
    seen = server.last()
    assert seen.body == {"pump": {"on": True}}, "the aggregate body is the data itself, not wrapped"
    assert seen.query == [("log_update", "true"), ("replace", "a.b"), ("replace", "c")]
    assert result is not None
    server.on("PUT", f"{C}/aggregate", httpx.Response(200))
    result = await client.data.update_aggregate(
        42, "tank_level", {"x": 1}, replace=True, suppress_response=True, clear_attachments=True
    )
    assert result is None
    assert server.last().query == [("suppress_response", "true"), ("clear_attachments", "true")]


async def test_messages_always_come_back_newest_first(server: FakeServer, client: DooverClient) -> None:
    oldest_first = fixture_json("messages_page.json")
    server.on("GET", f"{C}/messages", httpx.Response(200, json=oldest_first))
    messages = await client.data.list_messages(42, "tank_level", after=1, limit=2, field_names=["a", "b"])
    assert server.last().query == [("after", "1"), ("limit", "2"), ("field_name", "a"), ("field_name", "b")]
    assert [m.id for m in messages] == ["132633958809600000", "132271570944000000"]


def message(mid: int) -> dict[str, object]:
    return {"id": str(mid), "author_id": "u", "channel": {"agent_id": "42", "name": "tank_level"}, "data": {"n": mid}}


async def test_paging_backwards_and_forwards(server: FakeServer, client: DooverClient) -> None:
    ids = list(range(100, 111))

    def answer(request: httpx.Request) -> httpx.Response:
        before = request.url.params.get("before")
        after = request.url.params.get("after")
        limit = int(request.url.params["limit"])
        if after is not None and before is None:
            chosen = [i for i in ids if i > int(after)][:limit]  # oldest first, as the server does
        else:
            # A sloppy server that includes the bound itself: the client must drop it.
            chosen = sorted((i for i in ids if before is None or i <= int(before)), reverse=True)[:limit]
        return httpx.Response(200, json=[message(i) for i in chosen])

    server.on("GET", f"{C}/messages", answer)
    pages = [[m.id for m in p] async for p in client.data.iter_messages_backward(42, "tank_level", page_size=4)]
    flat = [int(i) for p in pages for i in p]
    assert flat == sorted(ids, reverse=True)
    assert all(len(p) <= 4 for p in pages)
    forward = [
        [m.id for m in p] async for p in client.data.iter_messages_forward(42, "tank_level", after=102, page_size=3)
    ]
    assert [int(i) for p in forward for i in p] == list(range(103, 111))


async def test_message_crud_timeseries_alarms_connections(server: FakeServer, client: DooverClient) -> None:
    server.on("POST", f"{C}/messages", httpx.Response(200, json=fixture_json("message_create_response.json")))
    created = await client.data.create_message(42, "tank_level", {"v": 1}, ts=5)
    assert server.last().body == {"data": {"v": 1}, "ts": 5}
    assert created.id == "12345678901234567"
    server.on("GET", f"{C}/messages/99999", httpx.Response(200, json=fixture_json("message.json")))
    assert (await client.data.get_message(42, "tank_level", 99999)).data == {"temperature": 22.5}
    server.on("PATCH", f"{C}/messages/99999", httpx.Response(200, json=fixture_json("message.json")))
    await client.data.update_message(42, "tank_level", "99999", {"a": 1})
    assert server.last().body == {"data": {"a": 1}}
    server.on("PUT", f"{C}/messages/99999", httpx.Response(200))
    assert await client.data.update_message(42, "tank_level", 99999, {}, replace=True, suppress_response=True) is None
    assert server.last().query == [("suppress_response", "true")]
    server.on("DELETE", f"{C}/messages/99999", httpx.Response(204))
    await client.data.delete_message(42, "tank_level", 99999)
    assert server.last().method == "DELETE"
    server.on("GET", f"{C}/messages/timeseries", httpx.Response(200, json=fixture_json("timeseries.json")))
    series = await client.data.timeseries(42, "tank_level", ["level"], before=10, limit=5)
    assert server.last().query == [("field_name", "level"), ("before", "10"), ("limit", "5")]
    assert series.points[0].value == 1
    server.on("GET", f"{C}/alarms", httpx.Response(200, json=[fixture_json("alarm.json")]))
    assert (await client.data.list_alarms(42, "tank_level"))[0].operator == "gt"
    connection = {"agent_id": "42", "session_id": 5, "default_session": True, "address": "1.2.3.4", "status": 1}
    server.on("GET", f"{A}/wss_connections", httpx.Response(200, json=[connection]))
    (detail,) = await client.data.wss_connections(42)
    assert (detail.session_id, detail.default_session, detail.subscriptions) == ("5", True, ())


async def test_channel_names_are_quoted_in_paths(server: FakeServer, client: DooverClient) -> None:
    server.on("GET", "/api/agents/42/channels/a b/aggregate", httpx.Response(200, json={"data": {}}))
    await client.data.get_aggregate(42, "a b")
    assert server.last().path == "/api/agents/42/channels/a b/aggregate"


async def test_control_basics(server: FakeServer, client: DooverClient) -> None:
    server.on("GET", "/users/me/", httpx.Response(200, json={"id": 1, "username": "alice", "extra": 1}))
    assert (await client.control.me()).username == "alice"
    server.on("GET", "/agents/", httpx.Response(200, json=fixture_json("agents_response.json")))
    agents = await client.control.agents()
    assert server.last().query == [("include-archived", "false")]
    assert agents.agents[0].id == "a1"
    server.on("GET", "/organisations/", page([{"id": 1, "name": "Acme"}]))
    assert [o.name for o in await client.control.organisations()] == ["Acme"]
    server.on("GET", "/devices/", page([{"id": 3, "name": "pump", "fusion_entity_secret": "S"}]))
    (device,) = await client.control.devices(search="pu")
    assert ("search", "pu") in server.last().query
    assert "S" not in repr(device)
    server.on("GET", "/devices/3/", httpx.Response(200, json={"id": 3, "name": "pump"}))
    assert (await client.control.device(3)).name == "pump"


async def test_pagination_follows_next_query_on_our_own_base(server: FakeServer, client: DooverClient) -> None:
    server.on(
        "GET",
        "/applications/",
        page([{"id": 1, "name": "a"}], "https://elsewhere.example/applications/?page=2&per_page=100&search=x"),
        page([{"id": 2, "name": "b"}], None),
    )
    apps = await client.control.applications(search="x")
    assert [a.name for a in apps] == ["a", "b"]
    assert [s.query for s in server.seen] == [
        [("per_page", "100"), ("search", "x")],
        [("per_page", "100"), ("search", "x"), ("page", "2")],
    ]
    assert all(s.path == "/applications/" for s in server.seen)


async def test_pagination_loop_is_detected(server: FakeServer, client: DooverClient) -> None:
    server.on("GET", "/devices/", page([], "http://127.0.0.1:9/devices/?per_page=100"))
    with pytest.raises(ProtocolError, match="one already read"):
        await client.control.devices()


async def test_applications_and_installs(server: FakeServer, client: DooverClient) -> None:
    server.on("GET", "/applications/7/", httpx.Response(200, json={"id": 7, "name": "pump", "type": "PRO"}))
    assert (await client.control.application(7)).type_label == "Processor"
    server.on("POST", "/applications/", httpx.Response(201, json={"id": 8, "name": "new"}))
    await client.control.create_application({"name": "new", "type": "DEV"})
    assert server.last().body == {"name": "new", "type": "DEV"}
    assert "content-encoding" not in server.last().headers, "the control API never gzips"
    server.on("PATCH", "/applications/8/", httpx.Response(200, json={"id": 8, "name": "new", "description": "d"}))
    assert (await client.control.patch_application(8, {"description": "d"})).description == "d"
    server.on("PUT", "/applications/8/", httpx.Response(200, json={"id": 8, "name": "new"}))
    await client.control.put_application(8, {"name": "new"})
    install = {"id": 1, "name": "i", "application": {"id": 7, "name": "pump"}, "latest_deployment": {"status": "RUN"}}
    server.on("GET", "/devices/3/app_installs/", page([install]))
    (got,) = await client.control.app_installs(3)
    assert (got.application_id, got.status) == ("7", "RUN")


TUNNEL = {"id": "5", "name": "ssh", "device": {"id": "3"}, "hostname": "localhost", "port": 22, "protocol": "tcp"}


async def test_tunnels_both_families(server: FakeServer, client: DooverClient) -> None:
    server.on("GET", "/tunnels/", page([TUNNEL]))
    server.on("GET", "/devices/3/tunnels/", page([TUNNEL]))
    assert len(await client.control.tunnels()) == 1
    assert len(await client.control.tunnels(3)) == 1
    server.on("GET", "/tunnels/5/", httpx.Response(200, json=TUNNEL))
    assert (await client.control.tunnel(5)).port == 22
    server.on("POST", "/devices/3/tunnels/", httpx.Response(201, json=TUNNEL))
    await client.control.create_tunnel({"name": "ssh", "device_id": "3", "port": 22}, device_id=3)
    assert server.last().body == {"name": "ssh", "port": 22}, "device-scoped create drops device_id"
    server.on("POST", "/tunnels/", httpx.Response(201, json=TUNNEL))
    await client.control.create_tunnel({"name": "ssh", "device_id": "3"})
    assert server.last().body == {"name": "ssh", "device_id": "3"}
    server.on("PATCH", "/devices/3/tunnels/5/", httpx.Response(200, json=TUNNEL))
    await client.control.patch_tunnel(5, {"timeout": 30}, device_id=3)
    server.on("POST", "/tunnels/5/activate/", httpx.Response(200, json=TUNNEL | {"is_active": False}))
    toggled = await client.control.activate_tunnel(5)
    assert server.last().body == {}
    assert toggled is not None
    server.on("POST", "/devices/3/tunnels/5/deactivate/", httpx.Response(200))
    assert await client.control.deactivate_tunnel(5, device_id=3) is None
    server.on("DELETE", "/tunnels/5/", httpx.Response(204))
    await client.control.delete_tunnel(5)
    assert [(s.method, s.path) for s in server.seen][-1] == ("DELETE", "/tunnels/5/")


def test_channel_ref_wire_form() -> None:
    assert ChannelRef("1", "c").to_json() == {"agent_id": "1", "name": "c"}
