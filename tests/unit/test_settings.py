from pathlib import Path

import pytest

from doover_tui.config.errors import SettingsError
from doover_tui.config.settings import Settings, load_settings


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "none.toml") == Settings()
    assert Settings().poll_interval == 3.0


def test_full_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        'theme = "nord"\nmessage_window = 500\npoll_interval = 1\n'
        '[keymap]\n"browser.refresh" = "ctrl+r"\n'
        "[network]\ntimeout = 5\nretries = 1\n"
        "[cache]\nagents = 120\n"
        '[profiles.prod]\nread_only = true\ngateway_url = "wss://data.example.test/gateway"\n'
    )
    settings = load_settings(path)
    assert settings.theme == "nord"
    assert settings.message_window == 500
    assert settings.poll_interval == 1.0
    assert isinstance(settings.poll_interval, float)
    assert settings.keymap == {"browser.refresh": "ctrl+r"}
    assert (settings.network.timeout, settings.network.retries) == (5.0, 1)
    assert settings.cache.agents == 120.0
    assert settings.cache.channels == Settings().cache.channels
    assert settings.for_profile("prod").read_only
    assert settings.for_profile("prod").gateway_url == "wss://data.example.test/gateway"
    assert not settings.for_profile("other").read_only


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 1\n", r"unknown key 'colour' \(known here: cache, keymap"),
        ("[network]\ntimeout = 'soon'\n", r"'network.timeout' must be a number, got str 'soon'"),
        ("[network]\nretries = 1.5\n", r"'network.retries' must be a whole number"),
        ("[profiles.p]\nread_only = 'yes'\n", r"'profiles.p.read_only' must be true or false"),
        ("[profiles.p]\nreadonly = true\n", r"unknown key 'profiles.p.readonly'"),
        ("message_window = 3\n", r"'message_window' must be at least 50, got 3"),
        ("poll_interval = 0.1\n", r"'poll_interval' must be at least 0.5, got 0.1"),
        ("poll_interval = 'fast'\n", r"'poll_interval' must be a number, got str 'fast'"),
        ("[keymap]\n'a.b' = 3\n", r"'keymap.a.b' must be a string"),
        ("theme = \n", r"not valid TOML"),
        ("[network]\nretries = true\n", r"'network.retries' must be a whole number"),
    ],
)
def test_errors_name_file_key_and_expectation(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=message) as caught:
        load_settings(path)
    assert str(caught.value).startswith(str(path))
