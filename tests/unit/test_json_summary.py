"""One-line summaries of message data."""

from __future__ import annotations

from doover_tui.json_summary import summarize


def test_compact_json_on_one_line() -> None:
    assert summarize({"online": True, "level": 1.5, "tags": ["a", None]}) == (
        '{"online":true,"level":1.5,"tags":["a",null]}'
    )
    assert summarize("plain") == '"plain"'
    assert summarize(None) == "null"


def test_long_values_are_cut_with_an_ellipsis() -> None:
    text = summarize({"k": "x" * 500}, max_chars=30)
    assert len(text) == 30
    assert text.endswith("…")
    assert text.startswith('{"k":"xxx')
    assert summarize([1, 2], max_chars=5) == "[1,2]"
    assert summarize([1, 2, 3], max_chars=5) == "[1,2…"


def test_control_characters_are_escaped_and_markup_is_kept_as_text() -> None:
    text = summarize({"name": "[red]x[/]", "esc": "\x1b[2J", "line": "a\nb"})
    assert text == '{"name":"[red]x[/]","esc":"\\u001b[2J","line":"a\\nb"}'
    assert "\x1b" not in text
    assert "\n" not in text


def test_bidi_overrides_and_c1_controls_become_visible() -> None:
    text = summarize({"file": "evil\u202etxt.exe", "csi": "\x9b2J"})
    assert "\u202e" not in text
    assert "\x9b" not in text
    assert "evil\\u202etxt.exe" in text
    assert "\\x9b2J" in text


def test_values_orjson_refuses_still_summarize() -> None:
    assert summarize({"big": 2**70}) == '{"big":1180591620717411303424}'
    assert summarize({1: "a"}) == '{"1":"a"}'
