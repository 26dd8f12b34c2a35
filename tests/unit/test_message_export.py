import csv
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from doover_tui.api.models import ChannelRef, Message
from doover_tui.api.snowflake import SnowflakeType, make_id
from doover_tui.message_export import export_messages, safe_file_stem

T0 = 1_750_000_000_123
CHANNEL = ChannelRef("1", "telemetry")
NOW = datetime(2025, 6, 15, 8, 30, 5, tzinfo=UTC)


def msg(seconds: int, data: Any, author: str = "42") -> Message:
    return Message(str(make_id(T0 + seconds * 1000, kind=SnowflakeType.MESSAGE)), author, CHANNEL, data)


def iso(seconds: int) -> str:
    moment = datetime.fromtimestamp((T0 + seconds * 1000) / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_ndjson_oldest_first_with_all_fields(tmp_path: Path) -> None:
    newest_first = [msg(2, {"pump": {"rpm": 1300}}), msg(1, [1, 2], author="7"), msg(0, None)]
    path = export_messages(newest_first, tmp_path, channel_name="telemetry", fmt="ndjson", now=NOW)
    assert path == tmp_path / "telemetry-20250615-083005.ndjson"
    records = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert records == [
        {"id": newest_first[2].id, "created_at": iso(0), "author_id": "42", "data": None},
        {"id": newest_first[1].id, "created_at": iso(1), "author_id": "7", "data": [1, 2]},
        {"id": newest_first[0].id, "created_at": iso(2), "author_id": "42", "data": {"pump": {"rpm": 1300}}},
    ]
    assert records[0]["created_at"].endswith(".123Z")
    assert path.read_bytes().endswith(b"\n")


def test_ndjson_huge_integers_survive(tmp_path: Path) -> None:
    path = export_messages([msg(0, {"n": 2**70})], tmp_path, channel_name="c", fmt="ndjson", now=NOW)
    assert orjson.loads(path.read_bytes().splitlines()[0].replace(b"1180591620717411303424", b"1"))["data"] == {"n": 1}
    assert b'"n":1180591620717411303424' in path.read_bytes()


def test_csv_columns_are_the_union_of_leaf_paths(tmp_path: Path) -> None:
    messages = [
        msg(2, {"pump": {"rpm": 1300, "on": True}, "note": 'x, "quoted"\nline'}),
        msg(1, {"pump": {"rpm": 1200.5}, "tags": ["a", 1], "empty": {}, "none": None}),
        msg(0, "just text"),
    ]
    path = export_messages(messages, tmp_path, channel_name="telemetry", fmt="csv", now=NOW)
    assert path.suffix == ".csv"
    rows = read_csv(path)
    assert rows[0] == ["id", "created_at", "author_id", "data", "pump.rpm", "tags", "empty", "none", "pump.on", "note"]
    assert rows[1] == [messages[2].id, iso(0), "42", "just text", "", "", "", "", "", ""]
    assert rows[2] == [messages[1].id, iso(1), "42", "", "1200.5", '["a",1]', "{}", "null", "", ""]
    assert rows[3] == [messages[0].id, iso(2), "42", "", "1300", "", "", "", "true", 'x, "quoted"\nline']
    assert len(rows) == 4


def test_csv_data_keys_named_like_fixed_columns(tmp_path: Path) -> None:
    path = export_messages([msg(0, {"id": "inner", "a": 1})], tmp_path, channel_name="c", fmt="csv", now=NOW)
    rows = read_csv(path)
    assert rows[0] == ["id", "created_at", "author_id", "data.id", "a"]
    assert rows[1][3:] == ["inner", "1"]


def test_csv_guards_against_formula_injection(tmp_path: Path) -> None:
    data = {"f": '=HYPERLINK("http://x")', "p": "+1", "m": "-2+3", "at": "@SUM(A1)", "n": -5, "ok": "a=b", "=k": 1}
    path = export_messages([msg(0, data, author="=evil")], tmp_path, channel_name="c", fmt="csv", now=NOW)
    header, row = read_csv(path)
    cells = dict(zip(header, row, strict=True))
    assert cells["f"] == '\'=HYPERLINK("http://x")'
    assert cells["p"] == "'+1"
    assert cells["m"] == "'-2+3"
    assert cells["at"] == "'@SUM(A1)"
    assert cells["n"] == "-5", "a number from JSON is not a formula"
    assert cells["ok"] == "a=b"
    assert cells["author_id"] == "'=evil"
    assert cells["'=k"] == "1", "header names come from device keys too"


def test_never_overwrites(tmp_path: Path) -> None:
    existing = tmp_path / "telemetry-20250615-083005.csv"
    existing.write_text("keep me")
    (tmp_path / "telemetry-20250615-083005-1.csv").write_text("keep me too")
    messages = [msg(0, {"a": 1})]
    path = export_messages(messages, tmp_path, channel_name="telemetry", fmt="csv", now=NOW)
    assert path.name == "telemetry-20250615-083005-2.csv"
    again = export_messages(messages, tmp_path, channel_name="telemetry", fmt="csv", now=NOW)
    assert again.name == "telemetry-20250615-083005-3.csv"
    assert existing.read_text() == "keep me"
    assert read_csv(path) == read_csv(again)
    other = export_messages(messages, tmp_path, channel_name="telemetry", fmt="ndjson", now=NOW)
    assert other.name == "telemetry-20250615-083005.ndjson"


def test_leaves_no_temporary_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    export_messages([msg(0, {"a": 1})], out, channel_name="c", fmt="ndjson", now=NOW)
    assert sorted(p.name for p in out.iterdir()) == ["c-20250615-083005.ndjson"]


def test_errors_are_raised_as_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        export_messages([msg(0, {})], tmp_path / "missing", channel_name="c", fmt="csv", now=NOW)


def test_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        export_messages([msg(0, {})], out, channel_name="c", fmt="csv", now=NOW)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("telemetry", "telemetry"),
        ("../../etc/passwd", "etc_passwd"),
        (".hidden", "hidden"),
        ("a b/c\\d", "a_b_c_d"),
        ("ünï\x1b[2J", "n_2J"),
        ("", "channel"),
        ("///", "channel"),
        ("x" * 300, "x" * 80),
    ],
)
def test_safe_file_stem(name: str, stem: str) -> None:
    assert safe_file_stem(name) == stem


def test_unsafe_channel_name_stays_in_directory(tmp_path: Path) -> None:
    path = export_messages([msg(0, {})], tmp_path, channel_name="../escape", fmt="ndjson", now=NOW)
    assert path.parent == tmp_path
    assert path.name == "escape-20250615-083005.ndjson"


def test_default_time_stamp_is_local_now(tmp_path: Path) -> None:
    before = datetime.now().astimezone().replace(microsecond=0)
    path = export_messages([], tmp_path, channel_name="c", fmt="csv")
    after = datetime.now().astimezone()
    stamp = datetime.strptime(path.stem.removeprefix("c-"), "%Y%m%d-%H%M%S").replace(tzinfo=before.tzinfo)
    assert before <= stamp <= after
    assert read_csv(path) == [["id", "created_at", "author_id"]]
