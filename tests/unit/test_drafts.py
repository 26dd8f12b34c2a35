import logging
import stat
from pathlib import Path

import pytest

from doover_tui.drafts import Draft, DraftKey, Drafts

KEY = DraftKey(scope="prod|https://data.example", agent_id="123", channel="pump_state", kind="aggregate")
OTHER = DraftKey(scope="staging|https://data.example", agent_id="123", channel="pump_state", kind="aggregate")


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture
def drafts(tmp_path: Path) -> Drafts:
    return Drafts(tmp_path / "state" / "drafts", clock=Clock())


def test_round_trip(drafts: Drafts) -> None:
    text = '{\n  "pump": {"on": tru'  # unfinished JSON is exactly what a draft keeps
    base = {"pump": {"on": False}, "big": 2**70}
    saved = drafts.save(KEY, text, base)
    loaded = drafts.load(KEY)
    # Integers beyond 64 bits come back as floats, as the client reads them from the server.
    expected_base = {"pump": {"on": False}, "big": float(2**70)}
    assert loaded == Draft(key=KEY, text=text, base=expected_base, saved_at=saved.saved_at)
    assert drafts.load(OTHER) is None, "the scope tells profiles apart"


def test_save_replaces_and_delete_forgets(drafts: Drafts) -> None:
    drafts.save(KEY, "one", None)
    drafts.save(KEY, "two", {"a": 1})
    loaded = drafts.load(KEY)
    assert loaded is not None
    assert (loaded.text, loaded.base) == ("two", {"a": 1})
    assert len(list(drafts.directory.iterdir())) == 1, "no temporary files are left behind"
    drafts.delete(KEY)
    assert drafts.load(KEY) is None
    drafts.delete(KEY)  # deleting nothing is fine


def test_nothing_saved_yet(drafts: Drafts) -> None:
    assert not drafts.directory.exists()
    assert drafts.load(KEY) is None
    assert drafts.all() == []


def test_files_are_private(drafts: Drafts) -> None:
    drafts.save(KEY, "secret", None)
    (path,) = drafts.directory.iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(drafts.directory.stat().st_mode) == 0o700


def test_file_names_are_hashes_of_the_key(drafts: Drafts) -> None:
    odd = DraftKey(scope="../../etc", agent_id="a/b", channel="c\x00", kind="message", path="msg/1")
    drafts.save(odd, "x", None)
    (path,) = drafts.directory.iterdir()
    assert path.parent == drafts.directory
    assert path.name == odd.file_name()
    assert "etc" not in path.name
    assert KEY.file_name() != OTHER.file_name()
    assert drafts.load(odd) == Draft(key=odd, text="x", base=None, saved_at=drafts.all()[0].saved_at)


def test_all_lists_drafts_newest_first(drafts: Drafts) -> None:
    message_key = DraftKey(scope="prod", agent_id="123", channel="log", kind="message", path="42")
    drafts.save(KEY, "a", None)
    drafts.save(OTHER, "b", None)
    drafts.save(message_key, "c", [1])
    assert [(draft.key, draft.text) for draft in drafts.all()] == [(message_key, "c"), (OTHER, "b"), (KEY, "a")]


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"version": 2, "saved_at": 1, "key": {}, "base": null, "text": "x"}',
        b'{"version": 1, "saved_at": 1, "key": {"scope": "s", "agent_id": "a", "channel": "c", "kind": "x"},'
        b' "text": ""}',
        b'{"version": 1, "saved_at": 1, "key": {"scope": 1, "agent_id": "a", "channel": "c", "kind": "message"},'
        b' "text": ""}',
        b'{"version": 1, "saved_at": "soon", "key": {}, "text": "x"}',
        b'{"version": 1, "saved_at": 1, "key": {"scope": "s", "agent_id": "a", "channel": "c", "kind": "message"}}',
    ],
)
def test_corrupt_files_are_skipped_with_a_warning(
    drafts: Drafts, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    drafts.save(KEY, "good", None)
    (drafts.directory / "0123.draft.json").write_bytes(content)
    (drafts.directory / KEY.file_name()).with_name(OTHER.file_name()).write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="doover_tui.drafts"):
        assert [draft.text for draft in drafts.all()] == ["good"]
        assert drafts.load(OTHER) is None
    assert "skipping unreadable draft" in caplog.text


def test_a_file_under_another_key_is_not_returned(drafts: Drafts) -> None:
    drafts.save(KEY, "mine", None)
    (drafts.directory / KEY.file_name()).rename(drafts.directory / OTHER.file_name())
    assert drafts.load(OTHER) is None


def test_unlistable_directory_is_not_a_crash(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    drafts = Drafts(blocker)
    with caplog.at_level(logging.WARNING, logger="doover_tui.drafts"):
        assert drafts.all() == []
        assert drafts.load(KEY) is None


def test_a_draft_over_a_1000_level_base_is_saved_and_read_back(drafts: Drafts) -> None:
    base: object = {"leaf": 2**70}
    for _ in range(1000):  # deeper than orjson (254) and json.dumps (the recursion limit) encode
        base = {"k": base}
    saved = drafts.save(KEY, '{"k": ', base)
    loaded = drafts.load(KEY)
    assert loaded is not None
    assert loaded.text == '{"k": '
    assert loaded.saved_at == saved.saved_at
    depth, value = 0, loaded.base
    while isinstance(value, dict) and "k" in value:  # walked, not compared: == recurses too
        depth, value = depth + 1, value["k"]
    assert (depth, value) == (1000, {"leaf": float(2**70)})
    assert [path.name for path in drafts.directory.iterdir()] == [KEY.file_name()], "no temporary file left"
