from datetime import UTC, datetime
from typing import Any

import pytest

from doover_tui.api.models import ChannelRef, Message
from doover_tui.api.snowflake import SnowflakeType, make_id
from doover_tui.field_values import (
    format_field_path,
    leaf_paths,
    numeric_paths,
    parse_field_path,
    series,
    suggest_field,
    value_at,
)
from doover_tui.jsonedit import MISSING

T0 = 1_750_000_000_000
CHANNEL = ChannelRef("1", "telemetry")


def msg(seconds: int, data: Any) -> Message:
    return Message(str(make_id(T0 + seconds * 1000, kind=SnowflakeType.MESSAGE)), "9", CHANNEL, data)


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp((T0 + seconds * 1000) / 1000, tz=UTC)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("pump", ("pump",)),
        ("pump.rpm", ("pump", "rpm")),
        (" pump.rpm ", ("pump", "rpm")),
        ("sensors[0].temp", ("sensors", 0, "temp")),
        ("grid[1][2]", ("grid", 1, 2)),
        ("[3].x", (3, "x")),
        ("a b.c-d", ("a b", "c-d")),
    ],
)
def test_parse_field_path(text: str, parts: tuple[str | int, ...]) -> None:
    assert parse_field_path(text) == parts
    assert parse_field_path(format_field_path(parts)) == parts


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "empty field path"),
        ("a..b", "empty key"),
        ("a.", "empty key"),
        (".a", "empty key"),
        ("a[", "bad array index"),
        ("a[x]", "bad array index"),
        ("a[-1]", "bad array index"),
        ("a[0]b", "expected '.' or '['"),
        ("a]", "expected '.' or '['"),
    ],
)
def test_parse_field_path_errors(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error.replace("[", r"\[").replace(".", r"\.")):
        parse_field_path(text)


def test_value_at() -> None:
    data = {"pump": {"rpm": 5, "off": None}, "sensors": [{"t": 1}, {"t": 2}]}
    assert value_at(data, ("pump", "rpm")) == 5
    assert value_at(data, ("pump", "off")) is None
    assert value_at(data, ("pump", "nope")) is MISSING
    assert value_at(data, ("sensors", 1, "t")) == 2
    assert value_at(data, ("sensors", 2, "t")) is MISSING
    assert value_at(data, ("sensors", "0")) is MISSING, "a key is not an index"
    assert value_at(data, ("pump", 0)) is MISSING, "an index is not a key"
    assert value_at(data, ()) is data
    assert value_at(5, ("x",)) is MISSING


def test_numeric_paths_in_document_order() -> None:
    data = {
        "online": True,
        "pump": {"rpm": 1200, "mode": "auto", "temp": 40.5},
        "count": 3,
        "sensors": [{"t": 1}, {"name": "x"}, {"t": 2.5}],
        "raw": [7, "8"],
        "text": "12",
        "bad.key": 1,
        "": 2,
    }
    assert numeric_paths(data) == ["pump.rpm", "pump.temp", "count", "sensors[0].t", "sensors[2].t", "raw[0]"]


def test_numeric_paths_is_bounded() -> None:
    data = {"values": list(range(10_000))}
    assert len(numeric_paths(data)) == 200
    assert numeric_paths(data, limit=2) == ["values[0]", "values[1]"]


def test_numeric_paths_of_scalars_and_deep_documents() -> None:
    assert numeric_paths(5) == []
    assert numeric_paths(None) == []
    deep: Any = 1
    for _ in range(5000):
        deep = {"a": deep}
    assert numeric_paths(deep) == [".".join(["a"] * 5000)]


def test_series_oldest_first_skipping_non_numbers() -> None:
    messages = [
        msg(5, {"pump": {"rpm": 1300}}),
        msg(4, {"pump": {"rpm": "1250"}}),
        msg(3, {"pump": {"rpm": True}}),
        msg(2, {"pump": {}}),
        msg(1, {"pump": {"rpm": 1200.5}}),
        msg(6, "not an object"),
        Message("not-a-snowflake", "9", CHANNEL, {"pump": {"rpm": 1}}),
    ]
    assert series(messages, "pump.rpm") == [(at(1), 1200.5), (at(5), 1300.0)]
    assert series(messages, ("pump", "rpm")) == [(at(1), 1200.5), (at(5), 1300.0)]


def test_series_through_array_index() -> None:
    messages = [msg(1, {"s": [{"t": 1}]}), msg(2, {"s": []}), msg(3, {"s": [{"t": 3}]})]
    assert series(messages, "s[0].t") == [(at(1), 1.0), (at(3), 3.0)]


def test_suggest_field_uses_newest_message_with_a_number() -> None:
    messages = [
        msg(1, {"old": 1}),
        msg(3, {"status": "ok"}),
        msg(2, {"flag": True, "pump": {"rpm": 3}}),
    ]
    assert suggest_field(messages) == "pump.rpm"
    assert suggest_field([msg(1, {"a": "b"})]) is None
    assert suggest_field([]) is None


def test_leaf_paths_list_every_scalar_in_document_order() -> None:
    data = {"mode": "auto", "pump": {"rpm": 1200, "on": True, "fault": None}, "tags": ["a"], "odd.key": 1}
    assert leaf_paths(data) == ["mode", "pump.rpm", "pump.on", "pump.fault", "tags[0]"]
