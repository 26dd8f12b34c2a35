from typing import Any

import pytest

from doover_tui.api.models import ChannelRef, Message
from doover_tui.api.snowflake import SnowflakeType, make_id
from doover_tui.message_window import FieldFilter, MessageWindow, WindowChange

T0 = 1_750_000_000_000
CHANNEL = ChannelRef("1", "telemetry")


def msg(n: int, data: Any = None) -> Message:
    """Message number ``n``: a higher number is newer (one second apart)."""
    return Message(str(make_id(T0 + n * 1000, kind=SnowflakeType.MESSAGE)), "9", CHANNEL, data if data else {"n": n})


def ns(messages: tuple[Message, ...]) -> list[int]:
    return [m.data["n"] for m in messages]


def page(start: int, stop: int) -> list[Message]:
    """Messages ``stop-1`` down to ``start``, newest first as the API pages them."""
    return [msg(n) for n in range(stop - 1, start - 1, -1)]


def window(limit: int, newest: int = 10, count: int = 5, more_older: bool = True) -> MessageWindow:
    w = MessageWindow(limit)
    w.reset(page(newest - count + 1, newest + 1), more_older=more_older)
    return w


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        MessageWindow(0)


def test_empty_window() -> None:
    w = MessageWindow(5)
    assert w.messages == ()
    assert w.newest_id is None
    assert w.oldest_id is None
    assert w.at_live_edge
    assert not w.more_older


def test_reset_sorts_dedupes_and_bounds() -> None:
    w = MessageWindow(3)
    change = w.reset([msg(1), msg(5), msg(3), msg(5), msg(4)], more_older=False)
    assert change.reset
    assert ns(w.messages) == [5, 4, 3]
    assert w.more_older, "a page longer than the window leaves older messages out"
    assert w.newest_id == msg(5).id
    assert w.oldest_id == msg(3).id
    assert len(w) == 3


def test_add_older_appends_at_bottom() -> None:
    w = window(10, newest=10, count=3)
    change = w.add_older(page(5, 8), more_older=False)
    assert ns(w.messages) == [10, 9, 8, 7, 6, 5]
    assert ns(change.appended) == [7, 6, 5]
    assert change.dropped == ()
    assert not change.reset
    assert not w.more_older
    assert w.at_live_edge


def test_add_older_ignores_overlap_and_duplicates() -> None:
    w = window(10, newest=10, count=3)
    change = w.add_older([msg(9), msg(8), msg(7), msg(11)], more_older=True)
    assert ns(change.appended) == [7]
    assert ns(w.messages) == [10, 9, 8, 7]


def test_add_older_overflow_drops_from_top_and_leaves_live_edge() -> None:
    w = window(5, newest=10, count=4)
    change = w.add_older(page(3, 7), more_older=True)
    assert ns(w.messages) == [7, 6, 5, 4, 3]
    assert change.dropped == (msg(10).id, msg(9).id, msg(8).id)
    assert ns(change.appended) == [6, 5, 4, 3]
    assert w.dropped_newer == 3
    assert not w.at_live_edge
    assert w.more_older


def test_add_older_overflow_reports_drops_incrementally() -> None:
    w = window(5, newest=10, count=5)
    change = w.add_older([msg(5), msg(4)], more_older=True)
    assert change.dropped == (msg(10).id, msg(9).id)
    assert ns(change.appended) == [5, 4]
    assert ns(w.messages) == [8, 7, 6, 5, 4]
    assert w.dropped_newer == 2


def test_add_older_that_replaces_every_row_is_a_reset() -> None:
    w = window(3, newest=10, count=3)
    change = w.add_older(page(1, 8), more_older=True)
    assert change.reset
    assert ns(w.messages) == [3, 2, 1]


def test_add_live_prepends_and_dedupes() -> None:
    w = window(10, newest=10, count=3)
    change = w.add_live([msg(11), msg(12), msg(12), msg(10)])
    assert ns(change.prepended) == [12, 11]
    assert ns(w.messages) == [12, 11, 10, 9, 8]
    assert not w.add_live([msg(12)]), "a repeat is no change"
    assert ns(w.messages) == [12, 11, 10, 9, 8]


def test_add_live_overflow_drops_from_bottom() -> None:
    w = window(5, newest=10, count=5, more_older=False)
    change = w.add_live([msg(11), msg(12)])
    assert ns(w.messages) == [12, 11, 10, 9, 8]
    assert change.dropped == (msg(6).id, msg(7).id)
    assert w.dropped_older == 2
    assert w.more_older
    assert w.at_live_edge


def test_add_live_burst_beyond_limit_is_a_reset() -> None:
    w = window(3, newest=10, count=3)
    change = w.add_live(page(11, 20))
    assert change.reset
    assert ns(w.messages) == [19, 18, 17]
    assert w.dropped_older == 9


def test_paging_back_in_reduces_dropped_older() -> None:
    w = window(4, newest=10, count=4)
    w.add_live([msg(11), msg(12)])
    assert w.dropped_older == 2
    w.add_older([msg(8)], more_older=True)
    assert w.dropped_older == 1


def test_late_live_message_is_inserted_in_order() -> None:
    w = MessageWindow(10)
    w.reset([msg(10), msg(8), msg(6)], more_older=True)
    change = w.add_live([msg(9), msg(11), msg(2)])
    assert ns(change.prepended) == [11]
    assert ns(change.inserted) == [9]
    assert change.appended == (), "older than the bottom with more below: paging will fetch it"
    assert ns(w.messages) == [11, 10, 9, 8, 6]


def test_late_live_message_below_full_history_is_appended() -> None:
    w = MessageWindow(10)
    w.reset([msg(10), msg(8)], more_older=False)
    change = w.add_live([msg(2)])
    assert ns(change.appended) == [2]
    assert ns(w.messages) == [10, 8, 2]


def test_pause_holds_messages_and_resume_prepends_them() -> None:
    w = window(10, newest=10, count=3)
    w.pause()
    assert w.paused
    change = w.add_live([msg(11)])
    w.add_live([msg(12), msg(11)])
    assert not change.rows_changed
    assert change.pending == 1
    assert w.pending_count == 2
    assert ns(w.messages) == [10, 9, 8]
    change = w.resume()
    assert not w.paused
    assert ns(change.prepended) == [12, 11]
    assert ns(w.messages) == [12, 11, 10, 9, 8]
    assert w.pending_count == 0


def test_resume_with_nothing_pending_changes_nothing() -> None:
    w = window(10)
    w.pause()
    change = w.resume()
    assert not change
    assert change == WindowChange()


def test_pending_overflow_keeps_newest_and_resume_resets_to_them() -> None:
    w = window(3, newest=10, count=3)
    w.pause()
    w.add_live([msg(11), msg(12)])
    w.add_live([msg(14), msg(13)])
    w.add_live([msg(15)])
    assert w.pending_count == 3
    assert w.pending_skipped == 2
    change = w.resume()
    assert change.reset
    assert ns(w.messages) == [15, 14, 13]
    assert w.more_older, "the skipped messages and the old rows are below"
    assert w.at_live_edge
    assert w.pending_count == 0
    assert w.pending_skipped == 0


def test_pending_out_of_order_keeps_the_newest() -> None:
    w = window(2, newest=10, count=2)
    w.pause()
    w.add_live([msg(14)])
    w.add_live([msg(12)])
    w.add_live([msg(13)])
    assert w.pending_count == 2
    w.resume()
    assert ns(w.messages) == [14, 13]


def test_away_from_live_edge_holds_live_messages() -> None:
    w = window(3, newest=10, count=3)
    w.add_older([msg(7)], more_older=True)
    assert not w.at_live_edge
    assert not w.paused
    change = w.add_live([msg(11)])
    assert change.pending == 1
    assert w.pending_count == 1
    assert ns(w.messages) == [9, 8, 7]
    change = w.resume()
    assert change.reset
    assert ns(w.messages) == [11]
    assert w.more_older
    assert w.at_live_edge
    assert w.dropped_newer == 0


def test_away_from_live_edge_with_nothing_pending_asks_for_a_reload() -> None:
    w = window(3, newest=10, count=3)
    w.add_older([msg(7)], more_older=True)
    change = w.resume()
    assert change.reload
    assert not change.reset
    assert ns(w.messages) == [9, 8, 7]


def test_live_duplicates_of_pending_are_ignored() -> None:
    w = window(10)
    w.pause()
    w.add_live([msg(11)])
    change = w.add_live([msg(11)])
    assert change == WindowChange()
    assert w.pending_count == 1


def test_reset_forgets_pending() -> None:
    w = window(10)
    w.pause()
    w.add_live([msg(11)])
    w.reset(page(1, 4), more_older=False)
    assert w.pending_count == 0
    assert w.paused, "reset keeps the user's pause"


def test_replace_updates_in_place() -> None:
    w = window(10, newest=10, count=3)
    updated = msg(9, {"n": 9, "edited": True})
    change = w.replace(updated)
    assert change.replaced == (updated,)
    assert w.messages[1] is updated
    assert not w.replace(msg(50)), "an unknown id changes nothing"


def test_replace_updates_pending() -> None:
    w = window(10, newest=10, count=3)
    w.pause()
    w.add_live([msg(11)])
    updated = msg(11, {"n": 11, "edited": True})
    assert not w.replace(updated)
    w.resume()
    assert w.messages[0] is updated


def test_previous_finds_the_older_neighbour() -> None:
    w = window(10, newest=10, count=3)
    assert w.previous(msg(10).id) == msg(9)
    assert w.previous(msg(8).id) is None
    assert w.previous("nope") is None


def test_messages_tuple_is_cached_between_changes() -> None:
    w = window(10)
    first = w.messages
    assert w.messages is first
    w.add_live([msg(11)])
    assert w.messages is not first


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pump.rpm", [3, 2, 1]),
        ("pump.rpm=1200", [2]),
        ("pump.rpm = 1200", [2]),
        ("pump.rpm!=1200", [4, 3, 1]),
        ("pump.mode=auto", [3]),
        ('pump.mode="auto"', [3]),
        ("online=true", [1]),
        ('online="true"', [4]),
        ("sensors[0].temp=20.5", [2]),
        ("sensors[1]", [3]),
        ("pump.rpm=1200.0", [2]),
        ("code=1200", [4]),
        ('code="1200"', []),
    ],
)
def test_filters(text: str, expected: list[int]) -> None:
    w = MessageWindow(10)
    w.reset(
        [
            msg(4, {"n": 4, "online": "true", "code": 1200}),
            msg(3, {"n": 3, "pump": {"rpm": 900, "mode": "auto"}, "sensors": [{"temp": 19}, {"temp": 21}]}),
            msg(2, {"n": 2, "pump": {"rpm": 1200, "mode": "manual"}, "sensors": [{"temp": 20.5}]}),
            msg(1, {"n": 1, "pump": {"rpm": None}, "online": True}),
        ],
        more_older=False,
    )
    w.set_filter(FieldFilter.parse(text))
    assert ns(w.visible) == expected
    assert len(w.messages) == 4, "the filter hides rows, it does not drop them"


def test_filter_true_does_not_match_one() -> None:
    rule = FieldFilter.parse("flag=true")
    assert rule.matches({"flag": True})
    assert not rule.matches({"flag": 1})
    assert not FieldFilter.parse("flag=1").matches({"flag": True})


def test_filter_follows_changes_and_clears() -> None:
    w = window(10, newest=10, count=3)
    w.set_filter(FieldFilter.parse("n=11"))
    assert w.visible == ()
    w.add_live([msg(11)])
    assert ns(w.visible) == [11]
    assert ns(w.filtered([msg(11), msg(3)])) == [11]
    w.set_filter(None)
    assert ns(w.visible) == [11, 10, 9, 8]


@pytest.mark.parametrize("text", ["", "  ", "=5", "!=x", " = auto"])
def test_filter_needs_a_path(text: str) -> None:
    with pytest.raises(ValueError, match="field path"):
        FieldFilter.parse(text)


def test_filter_rejects_bad_path() -> None:
    with pytest.raises(ValueError, match="index"):
        FieldFilter.parse("sensors[x]=1")


def test_filter_text_round_trips() -> None:
    for text in ["pump.rpm", "pump.rpm=1200", "mode!=auto", 'code="1200"', "sensors[0].temp=20.5"]:
        rule = FieldFilter.parse(text)
        assert rule.text == text
        assert FieldFilter.parse(rule.text) == rule


def test_large_window_live_update_is_incremental() -> None:
    w = MessageWindow(2000)
    w.reset(page(0, 2000), more_older=True)
    _ = w.messages
    change = w.add_live([msg(2000), msg(2001)])
    assert ns(change.prepended) == [2001, 2000]
    assert change.dropped == (msg(0).id, msg(1).id)
    assert len(w.messages) == 2000
    assert ns(w.messages[:3]) == [2001, 2000, 1999]
