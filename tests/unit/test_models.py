"""Every fixture in ../shared/doover-api/fixtures parses, and tolerance rules hold."""

import pytest

from doover_tui.api.errors import ProtocolError
from doover_tui.api.gateway_events import (
    AggregateUpdated,
    AlarmTriggered,
    ChannelSynced,
    GatewayErrorReported,
    MessageCreated,
    MessageUpdated,
    OneShotReceived,
    SubscriberChanged,
    UnknownEvent,
    parse_dispatch,
    parse_ready,
)
from doover_tui.api.models import (
    Agent,
    AgentsResponse,
    Aggregate,
    Alarm,
    Application,
    Attachment,
    Channel,
    ChannelRef,
    Group,
    Message,
    TimeseriesPage,
    Tunnel,
)
from tests.conftest import fixture_json


def test_aggregate_fixtures() -> None:
    full = Aggregate.from_json(fixture_json("aggregate.json"))
    assert full.data == {"status": "ok", "count": 42}
    assert full.last_updated == 1700000000000
    assert full.attachments == (Attachment("photo.jpg", "image/jpeg", 1024, "https://example.com/photo.jpg"),)
    bare = Aggregate.from_json(fixture_json("aggregate_without_last_updated.json"))
    assert bare.last_updated is None
    assert bare.attachments == ()


def test_channel_fixtures() -> None:
    channel = Channel.from_json(fixture_json("channel.json"))
    assert channel.aggregate_schema == {"type": "object"}
    assert channel.aggregate is not None
    assert channel.aggregate.data["count"] == 42
    with_aggregate = Channel.from_json(fixture_json("channel_with_aggregate.json"))
    assert with_aggregate.aggregate is not None
    assert with_aggregate.aggregate.data == {"level": 3.5}
    listed = [Channel.from_json(item) for item in fixture_json("channel_list.json")]
    assert [(c.name, c.owner_id, c.is_private) for c in listed] == [("c1", "o", False)]


def test_message_fixtures_accept_numeric_ids_and_missing_attachments() -> None:
    message = Message.from_json(fixture_json("message.json"))
    assert message.channel.agent_id == "12345"
    assert message.data == {"temperature": 22.5}
    created = Message.from_json(fixture_json("message_create_response.json"))
    assert created.channel.agent_id == "42"
    assert created.attachments == ()
    page = [Message.from_json(item) for item in fixture_json("messages_page.json")]
    assert [m.created_at.isoformat() for m in page if m.created_at] == [
        "2026-01-01T00:00:00+00:00",
        "2026-01-02T00:00:00+00:00",
    ]


def test_alarm_timeseries_agents_fixtures() -> None:
    alarm = Alarm.from_json(fixture_json("alarm.json"))
    assert (alarm.key, alarm.operator, alarm.value, alarm.state) == ("x", "gt", 1, "OK")
    series = TimeseriesPage.from_json(fixture_json("timeseries.json"))
    assert series.points[0].message_id == "132271570944000000"
    assert series.next is None
    agents = AgentsResponse.from_json(fixture_json("agents_response.json"))
    (agent,) = agents.agents
    assert (agent.id, agent.label, agent.group, agent.organisation) == ("a1", "Agent 1", "g", "Org 1")
    assert agent.online_state == "UNKNOWN"
    assert (agent.latitude, agent.longitude) == (1.0, 2.0)


@pytest.mark.parametrize(("raw", "state"), [("Online", "ONLINE"), ("offline", "OFFLINE"), ("", "UNKNOWN")])
def test_online_state_is_case_insensitive(raw: str, state: str) -> None:
    from doover_tui.api.models import Agent

    assert Agent.from_json({"id": "1", "connection_determination": raw}).online_state == state


def test_gateway_fixtures_parse_to_typed_events() -> None:
    expected = {
        "message_create.json": MessageCreated,
        "message_update.json": MessageUpdated,
        "aggregate_update.json": AggregateUpdated,
        "channel_sync.json": ChannelSynced,
        "alarm_trigger.json": AlarmTriggered,
        "one_shot_message.json": OneShotReceived,
        "channel_subscription.json": SubscriberChanged,
        "channel_unsubscription.json": SubscriberChanged,
        "wss_error_event.json": GatewayErrorReported,
    }
    for name, kind in expected.items():
        frame = fixture_json(f"gateway/{name}")
        assert isinstance(parse_dispatch(frame["t"], frame["d"]), kind), name
    update = parse_dispatch("MessageUpdate", fixture_json("gateway/message_update.json")["d"])
    assert isinstance(update, MessageUpdated)
    assert update.message.data == {"full": True}
    assert update.request_data == {"diff": True}
    ready = fixture_json("gateway/ready.json")
    assert parse_ready(ready["d"]) == ("s1", "token", [])


def test_unknown_dispatch_is_kept_not_fatal() -> None:
    event = parse_dispatch("SomethingNew", {"x": 1})
    assert event == UnknownEvent("SomethingNew", {"x": 1})


def test_extra_fields_ignored_missing_required_field_is_a_protocol_error() -> None:
    message = Message.from_json(
        {"id": 5, "author_id": 6, "channel": {"agent_id": 7, "name": "c"}, "data": 1, "new_field": [1]}
    )
    assert (message.id, message.author_id) == ("5", "6")
    with pytest.raises(ProtocolError, match="message has no usable 'id'"):
        Message.from_json({"channel": {"agent_id": "1", "name": "c"}})
    with pytest.raises(ProtocolError, match="expected aggregate to be a JSON object, got an array"):
        Aggregate.from_json([1, 2])


def test_control_models_tolerate_shapes() -> None:
    tunnel = Tunnel.from_json(
        {
            "id": 9,
            "name": "ssh",
            "device": {"id": 3, "name": "pump-3", "display_name": "Pump 3"},
            "hostname": "127.0.0.1",
            "port": 22,
            "protocol": "tcp",
            "password": "hunter2",
            "ip_whitelist": ["10.0.0.1", 5],
        }
    )
    assert (tunnel.device_id, tunnel.device_name, tunnel.target, tunnel.ip_whitelist) == (
        "3",
        "Pump 3",
        "127.0.0.1:22",
        ("10.0.0.1",),
    )
    assert "hunter2" not in repr(tunnel), "the tunnel password must never be kept"
    app = Application.from_json({"id": "x", "type": "REP", "visibility": "ZZZ", "organisation": {"id": 1, "name": "O"}})
    assert (app.type_label, app.visibility_label, app.organisation) == ("Report generator", "ZZZ", "O")


def test_odd_numbers_in_optional_fields_are_ignored_not_fatal() -> None:
    assert Aggregate.from_json({"data": {}, "last_updated": "²"}).last_updated is None
    assert Aggregate.from_json({"data": {}, "last_updated": "--5"}).last_updated is None
    assert Aggregate.from_json({"data": {}, "last_updated": "-5"}).last_updated == -5


def test_data_models_round_trip_through_to_json() -> None:
    attachment = Attachment.from_json(fixture_json("attachment.json"))
    assert Attachment.from_json(attachment.to_json()) == attachment
    for name in ("aggregate.json", "aggregate_without_last_updated.json"):
        aggregate = Aggregate.from_json(fixture_json(name))
        assert Aggregate.from_json(aggregate.to_json()) == aggregate, name
    for name in ("channel.json", "channel_with_aggregate.json"):
        channel = Channel.from_json(fixture_json(name), owner_id="o")
        assert Channel.from_json(channel.to_json()) == channel, name
    bare = Channel(name="c", owner_id="7")
    assert Channel.from_json(bare.to_json()) == bare
    for message in [Message.from_json(item) for item in fixture_json("messages_page.json")] + [
        Message.from_json(fixture_json("message.json")),
        Message(id="5", author_id="", channel=ChannelRef("1", "c"), data=[1, "x"], attachments=(attachment,)),
    ]:
        assert Message.from_json(message.to_json()) == message


def test_agents_round_trip_through_to_json() -> None:
    agents = AgentsResponse.from_json(fixture_json("agents_response.json"))
    assert AgentsResponse.from_json(agents.to_json()) == agents
    nested = AgentsResponse(
        agents=(Agent(id="1", name="n", latitude=None, longitude=3.5), Agent(id="2", name="m")),
        groups=(Group(id="g", name="G", organisation="O", children=(Group(id="h", name="H", shared=True),)),),
        sharing="x",
    )
    assert AgentsResponse.from_json(nested.to_json()) == nested
    assert nested.agents[1].to_json()["fixed_location"] is None


def test_a_page_of_messages_shares_one_channel_reference_per_channel() -> None:
    def raw(message_id: int, agent_id: object, name: str) -> dict[str, object]:
        return {"id": message_id, "author_id": 1, "channel": {"agent_id": agent_id, "name": name}, "data": {}}

    page = Message.page_from_json([raw(3, 7, "a"), raw(2, "7", "a"), raw(1, 7, "a"), raw(0, 7, "b")])
    assert [m.channel.name for m in page] == ["a", "a", "a", "b"]
    assert page[0].channel is page[2].channel  # same key, parsed once
    assert page[1].channel == page[0].channel  # "7" and 7 are the same agent, whether shared or not
    assert page[3].channel != page[0].channel
    with pytest.raises(ProtocolError, match="channel reference"):
        Message.page_from_json([raw(1, 7, "a"), raw(0, {"nested": 1}, "a")])
    with pytest.raises(ProtocolError, match="message"):
        Message.page_from_json([raw(1, 7, "a"), ["not", "an", "object"]])


def test_attachments_parse_when_present_and_default_when_empty() -> None:
    base = {"id": "1", "channel": {"agent_id": "2", "name": "c"}, "data": None}
    assert Message.from_json({**base, "attachments": []}).attachments == ()
    with_file = Message.from_json({**base, "attachments": [{"filename": "f.csv", "size": 3, "url": "u"}]})
    assert [(a.filename, a.size) for a in with_file.attachments] == [("f.csv", 3)]
