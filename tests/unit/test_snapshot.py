"""The on-disk snapshot: round trips, bounds, debounced atomic writes, and unusable files ignored."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

import orjson
import pytest

from doover_tui.api.models import Agent, AgentsResponse, Aggregate, Channel, ChannelRef, Message
from doover_tui.snapshot import SNAPSHOT_VERSION, Snapshot, snapshot_path
from tests.unit.test_store_polling import Ticks

REF = ChannelRef("42", "tank")


class Wall:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def message(n: int) -> Message:
    return Message(id=str(n), author_id="u", channel=REF, data={"n": n})


def make(path: Path, **kwargs: Any) -> tuple[Snapshot, Wall]:
    wall = Wall()
    return Snapshot(path, now=wall, **kwargs), wall


async def test_every_kept_resource_round_trips_with_its_age(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "snap.json"
    snapshot, wall = make(path)
    values: dict[tuple[Any, ...], Any] = {
        ("agents",): AgentsResponse(agents=(Agent(id="1", name="pump", latitude=1.0, longitude=2.0),)),
        ("channels", "42"): [Channel(name="tank", owner_id="42"), Channel(name="[red]x[/]", owner_id="42")],
        ("channel", REF): Channel(name="tank", owner_id="42", is_private=True, message_schema={"type": "object"}),
        ("aggregate", REF): Aggregate({"level": 3, "s": "\x1b[2J"}, last_updated=5),
        ("messages", REF): (message(2), message(1)),
    }
    for key, value in values.items():
        snapshot.put(key, value)
    wall.now += 60
    await snapshot.aclose()
    document = orjson.loads(path.read_bytes())
    assert (document["version"], document["saved_at"]) == (SNAPSHOT_VERSION, wall.now)
    again, wall_again = make(path)
    wall_again.now = wall.now + 40
    for key, value in values.items():
        assert await again.get(key) == (value, 100.0), key
        assert again.age(key) == 100.0
    assert await again.get(("aggregate", ChannelRef("42", "other"))) is None
    assert await again.get(("tunnels", None)) is None


async def test_bounds_messages_keys_and_size(tmp_path: Path) -> None:
    snapshot, _ = make(tmp_path / "s.json", max_messages=3, max_keys=2, max_entry_bytes=400)
    snapshot.put(("messages", REF), tuple(message(n) for n in range(5, 0, -1)))
    stored = await snapshot.get(("messages", REF))
    assert stored is not None
    assert [m.id for m in stored[0]] == ["5", "4", "3"], "the newest are kept"
    refs = [ChannelRef("42", f"c{n}") for n in range(3)]
    for ref in refs:
        snapshot.put(("aggregate", ref), Aggregate({"n": ref.name}))
    assert await snapshot.get(("aggregate", refs[0])) is None, "the least recently put is evicted"
    assert await snapshot.get(("aggregate", refs[2])) is not None
    snapshot.put(("aggregate", refs[2]), Aggregate({"big": "x" * 500}))
    assert await snapshot.get(("aggregate", refs[2])) is None, "too big: not kept, and the older value is dropped"
    many = AgentsResponse(agents=tuple(Agent(id=str(n), name="x" * 50) for n in range(20)))
    snapshot.put(("agents",), many)
    assert await snapshot.get(("agents",)) is not None, "the agent list is kept whatever its size"
    snapshot.put(("tunnels", None), [])
    snapshot.put(("applications",), [])
    await snapshot.aclose()
    entries = orjson.loads((tmp_path / "s.json").read_bytes())["entries"]
    assert sorted(orjson.loads(key)[0] for key in entries) == ["agents", "aggregate", "messages"]


class CountingReplace:
    """Wraps os.replace to count snapshot writes and signal each one to the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> None:
        self.count = 0
        self.fail = fail
        self.done: asyncio.Queue[None] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._real = os.replace
        monkeypatch.setattr("doover_tui.snapshot.os.replace", self)

    def __call__(self, source: str, target: str) -> None:
        self.count += 1
        self._loop.call_soon_threadsafe(self.done.put_nowait, None)
        if self.fail:
            raise OSError(28, "No space left on device")
        self._real(source, target)

    async def written(self) -> None:
        await asyncio.wait_for(self.done.get(), 5)


async def test_many_puts_make_one_debounced_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    replace = CountingReplace(monkeypatch)
    ticks = Ticks()
    snapshot, _ = make(tmp_path / "s.json", debounce=4.0, sleep=ticks)
    for n in range(50):
        snapshot.put(("aggregate", REF), Aggregate({"n": n}))
    assert await ticks.asleep() == 4.0
    assert replace.count == 0, "nothing is written before the debounce delay"
    ticks.release()
    await replace.written()
    assert replace.count == 1
    snapshot.put(("aggregate", REF), Aggregate({"n": "later"}))
    await ticks.asleep()
    await snapshot.aclose()
    assert replace.count == 2, "closing writes what is pending at once"
    again, _ = make(tmp_path / "s.json")
    stored = await again.get(("aggregate", REF))
    assert stored is not None
    assert stored[0].data == {"n": "later"}
    await snapshot.aclose()
    assert replace.count == 2, "nothing new: nothing written"


async def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "cache" / "s.json"
    first, _ = make(path)
    first.put(("aggregate", REF), Aggregate({"v": "old"}))
    await first.aclose()
    before = path.read_bytes()
    CountingReplace(monkeypatch, fail=True)
    second, _ = make(path)
    second.put(("aggregate", REF), Aggregate({"v": "new"}))
    with caplog.at_level(logging.WARNING, logger="doover_tui.snapshot"):
        await second.aclose()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["s.json"]
    assert "could not write the offline snapshot" in caplog.text


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\xff not json",
        b'{"version": 1, "saved_at": 1, "entries": {"[\\"agents\\"]": {"saved_at": 1, "val',
        orjson.dumps({"version": SNAPSHOT_VERSION + 1, "saved_at": 1, "entries": {}}),
        orjson.dumps({"version": True, "saved_at": 1, "entries": {}}),
        orjson.dumps([1, 2]),
        orjson.dumps({"version": SNAPSHOT_VERSION, "entries": []}),
        None,
    ],
    ids=["garbage", "truncated", "newer-version", "bool-version", "not-an-object", "entries-not-a-table", "a-dir"],
)
async def test_unusable_files_are_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes | None
) -> None:
    path = tmp_path / "s.json"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    snapshot, _ = make(path)
    with caplog.at_level(logging.WARNING, logger="doover_tui.snapshot"):
        assert await snapshot.get(("agents",)) is None
    assert "ignored the offline snapshot" in caplog.text


async def test_an_unreadable_entry_is_dropped_and_the_rest_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "s.json"
    good = Aggregate({"ok": True})
    entries = {
        orjson.dumps(["aggregate", REF.to_json()], option=orjson.OPT_SORT_KEYS).decode(): {
            "saved_at": 1,
            "value": good.to_json(),
        },
        orjson.dumps(["agents"]).decode(): {"saved_at": 1, "value": [1, 2]},
        orjson.dumps(["messages", REF.to_json()], option=orjson.OPT_SORT_KEYS).decode(): {"value": []},
        "not json": {"saved_at": 1, "value": {}},
    }
    path.write_bytes(orjson.dumps({"version": SNAPSHOT_VERSION, "saved_at": 1, "entries": entries}))
    snapshot, _ = make(path)
    with caplog.at_level(logging.WARNING, logger="doover_tui.snapshot"):
        assert await snapshot.get(("agents",)) is None
    assert "unreadable snapshot entry" in caplog.text
    assert await snapshot.get(("messages", REF)) is None, "an entry without saved_at is skipped"
    stored = await snapshot.get(("aggregate", REF))
    assert stored is not None
    assert stored[0] == good


async def test_values_put_before_the_file_is_read_win(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    old, _ = make(path)
    old.put(("aggregate", REF), Aggregate({"v": "file"}))
    old.put(("agents",), AgentsResponse(agents=()))
    await old.aclose()
    snapshot, _ = make(path)
    snapshot.put(("aggregate", REF), Aggregate({"v": "fresh"}))
    await snapshot.aclose()
    again, _ = make(path)
    stored = await again.get(("aggregate", REF))
    assert stored is not None
    assert stored[0].data == {"v": "fresh"}
    assert await again.get(("agents",)) is not None, "the file's other entries survive the write"


def test_the_file_name_is_per_endpoint_and_scope(tmp_path: Path) -> None:
    a = snapshot_path(tmp_path, "https://api.doover.com/api", "default")
    assert a.parent == tmp_path
    assert a.name.startswith("snapshot-api.doover.com-")
    assert a.suffix == ".json"
    assert a == snapshot_path(tmp_path, "https://api.doover.com/api", "default")
    assert a != snapshot_path(tmp_path, "https://api.doover.com/api", "staging")
    assert a != snapshot_path(tmp_path, "https://other.example/api", "default")
    odd = snapshot_path(tmp_path, "not a url/../../x")
    assert odd.parent == tmp_path
    assert "/" not in odd.name
