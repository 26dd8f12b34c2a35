from doover_tui.literal import printable


def test_controls_and_bidi_overrides_become_visible() -> None:
    assert printable("Gate \x1b[31m1") == "Gate \\x1b[31m1"
    assert printable("a\nb\tc\r") == "a\\nb\\tc\\r"
    assert printable("evil\u202etxt.exe") == "evil\\u202etxt.exe"
    assert printable("\x9b2J") == "\\x9b2J"


def test_ordinary_text_is_untouched() -> None:
    for text in ("[bold]Pump 3[/]", "שלום مرحبا", "🚰 tank", "e\u0301", "plain"):
        assert printable(text) == text
