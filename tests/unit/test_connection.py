"""Where to connect: flags > DOOVER_API_TOKEN + DOOVER_DATA_API_BASE_URL > profile."""

from pathlib import Path

import pytest

from doover_tui.api.client import derive_gateway_url
from doover_tui.config.connection import ConnectOptions, ServiceCredentials, UserCredentials, resolve_connection
from doover_tui.config.errors import ConfigError, NoProfileFileError, UnknownProfileError
from doover_tui.config.paths import default_paths
from doover_tui.config.settings import ProfileSettings, Settings


def write_config(home: Path, text: str) -> None:
    (home / ".doover").mkdir(exist_ok=True)
    (home / ".doover" / "config").write_text(text)


PROFILES = (
    "[profile=default]\nTOKEN=tok\nBASE_URL=https://api.example.test\nBASE_DATA_URL=https://data.example.test/api\n"
    "REFRESH_TOKEN=r\nAUTH_SERVER_CLIENT_ID=c\nAUTH_SERVER_URL=https://auth.example.test\n\n"
    "[profile=other]\nTOKEN=tok2\n"
)


def test_profile_default_and_named(isolated_env: Path) -> None:
    write_config(isolated_env, PROFILES)
    connection = resolve_connection(ConnectOptions(), {}, default_paths(), Settings())
    assert connection.profile_name == "default"
    assert connection.source == "profile 'default'"
    assert connection.data_url == "https://data.example.test/api"
    assert connection.control_url == "https://api.example.test"
    assert connection.auth_server_url == "https://auth.example.test"
    assert connection.credentials == UserCredentials("tok", None, "r", "c", persist_to="default")
    other = resolve_connection(ConnectOptions(profile="other"), {}, default_paths(), Settings())
    assert other.data_url == "https://data.doover.com/api"


def test_env_token_wins_over_default_profile_but_not_over_an_explicit_one(isolated_env: Path) -> None:
    write_config(isolated_env, PROFILES)
    env = {"DOOVER_API_TOKEN": "envtok", "DOOVER_DATA_API_BASE_URL": "http://127.0.0.1:9/api/"}
    connection = resolve_connection(ConnectOptions(), env, default_paths(), Settings())
    assert connection.source == "environment (DOOVER_API_TOKEN)"
    assert connection.data_url == "http://127.0.0.1:9/api"
    assert connection.control_url == "https://api.doover.com"
    assert connection.credentials == UserCredentials("envtok", None)
    explicit = resolve_connection(ConnectOptions(profile="other"), env, default_paths(), Settings())
    assert explicit.profile_name == "other"


def test_env_token_without_data_url_is_an_error() -> None:
    with pytest.raises(ConfigError, match="DOOVER_DATA_API_BASE_URL is not"):
        resolve_connection(ConnectOptions(), {"DOOVER_API_TOKEN": "x"}, default_paths(), Settings())


def test_flags_override_everything(isolated_env: Path) -> None:
    write_config(isolated_env, PROFILES)
    settings = Settings(profiles={"default": ProfileSettings(gateway_url="wss://g/x", organisation="7")})
    options = ConnectOptions(
        data_url="http://127.0.0.1:1/api", control_url="http://127.0.0.1:2", organisation="9", read_only=True
    )
    connection = resolve_connection(options, {}, default_paths(), settings)
    assert (connection.data_url, connection.control_url) == ("http://127.0.0.1:1/api", "http://127.0.0.1:2")
    assert connection.organisation_id == "9"
    assert connection.gateway_url == "wss://g/x"
    assert connection.read_only
    flagged = resolve_connection(ConnectOptions(gateway_url="ws://h/gateway"), {}, default_paths(), settings)
    assert flagged.gateway_url == "ws://h/gateway"
    assert flagged.organisation_id == "7"


def test_read_only_per_profile_setting(isolated_env: Path) -> None:
    write_config(isolated_env, PROFILES)
    settings = Settings(profiles={"other": ProfileSettings(read_only=True)})
    assert resolve_connection(ConnectOptions(profile="other"), {}, default_paths(), settings).read_only
    assert not resolve_connection(ConnectOptions(), {}, default_paths(), settings).read_only


def test_service_account(isolated_env: Path) -> None:
    env = {
        "DOOVER_CLIENT_ID": "id",
        "DOOVER_CLIENT_SECRET": "sec",
        "DOOVER_DATA_API_BASE_URL": "http://127.0.0.1:3/api",
    }
    connection = resolve_connection(ConnectOptions(), env, default_paths(), Settings())
    assert connection.credentials == ServiceCredentials("id", "sec")
    assert connection.data_url == "http://127.0.0.1:3/api"
    with pytest.raises(ConfigError, match="needs both --client-id and --client-secret"):
        resolve_connection(ConnectOptions(client_id="id"), {}, default_paths(), Settings())


def test_missing_file_and_unknown_profile(isolated_env: Path) -> None:
    with pytest.raises(NoProfileFileError):
        resolve_connection(ConnectOptions(), {}, default_paths(), Settings())
    write_config(isolated_env, PROFILES)
    with pytest.raises(UnknownProfileError, match="available: default, other"):
        resolve_connection(ConnectOptions(profile="nope"), {}, default_paths(), Settings())


@pytest.mark.parametrize(
    ("data_url", "gateway"),
    [
        ("https://data.doover.com/api", "wss://data.doover.com/ws"),
        ("http://127.0.0.1:8765/api/", "ws://127.0.0.1:8765/ws"),
        ("https://proxy.example.test/doover/api", "wss://proxy.example.test/doover/ws"),
    ],
)
def test_gateway_url_derivation(data_url: str, gateway: str) -> None:
    assert derive_gateway_url(data_url) == gateway


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (ConnectOptions(data_url="data.example.test/api"), r"--data-url is 'data.example.test/api', which is not"),
        (
            ConnectOptions(control_url="ftp://x"),
            r"--control-url is 'ftp://x', which is not a valid http:// or https://",
        ),
        (ConnectOptions(gateway_url="https://x/ws"), r"the gateway URL is 'https://x/ws', which is not a valid ws://"),
    ],
)
def test_bad_urls_name_their_source(isolated_env: Path, options: ConnectOptions, message: str) -> None:
    write_config(isolated_env, PROFILES)
    with pytest.raises(ConfigError, match=message):
        resolve_connection(options, {}, default_paths(), Settings())


def test_bad_profile_url_names_the_profile_key(isolated_env: Path) -> None:
    write_config(isolated_env, "[profile=default]\nTOKEN=t\nBASE_DATA_URL=localhost:8765/api\n")
    with pytest.raises(ConfigError, match="BASE_DATA_URL of profile 'default' is 'localhost:8765/api'"):
        resolve_connection(ConnectOptions(), {}, default_paths(), Settings())


def test_a_mistyped_port_is_a_config_error(isolated_env: Path) -> None:
    write_config(isolated_env, PROFILES)
    with pytest.raises(ConfigError, match=r"--data-url is 'https://host:8O00/api', which is not a valid"):
        resolve_connection(ConnectOptions(data_url="https://host:8O00/api"), {}, default_paths(), Settings())
