"""~/.doover/config: read as pydoover does, written back without damage."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from doover_tui.config.errors import NoProfileFileError, ProfileFileError, UnknownProfileError
from doover_tui.config.profiles import load_profiles, parse_profiles, update_profile
from tests.conftest import make_jwt

FOREIGN = (
    "# written by hand\r\n"
    "some notes without equals\r\n"
    "\r\n"
    "[profile=default]\r\n"
    "TOKEN=abc.def.ghi\r\n"
    "TOKEN_EXPIRES=1710806400.0\r\n"
    "CUSTOM_KEY = kept as is \r\n"
    "BASE_URL=https://api.example.test\r\n"
    "\r\n\r\n"
    "[profile=old]\n"
    "USERNAME=legacy\n"
    "PASSWORD=c2VjcmV0\n"
    "\n"
    "[profile=staging]\n"
    "TOKEN_EXPIRES=2026-03-19T00:00:00.000Z\n"
    "REFRESH_TOKEN=r1\n"
    "AUTH_SERVER_CLIENT_ID=cid"
)


def test_parses_profiles_and_skips_legacy_blocks(tmp_path: Path) -> None:
    parsed = parse_profiles(FOREIGN, tmp_path / "config")
    assert parsed.names == ["default", "staging"]
    assert parsed.legacy_blocks == 1
    default = parsed.get("default")
    assert default.token == "abc.def.ghi"
    assert default.token_expires == 1710806400.0
    assert default.control_url == "https://api.example.test"
    assert default.data_url == "https://data.doover.com/api"
    assert default.values["CUSTOM_KEY"] == "kept as is"
    staging = parsed.get("staging")
    assert staging.token_expires == datetime(2026, 3, 19, tzinfo=UTC).timestamp()
    assert staging.refreshable


def test_render_is_byte_identical(tmp_path: Path) -> None:
    assert parse_profiles(FOREIGN, tmp_path / "c").render() == FOREIGN


def test_update_changes_only_our_lines(tmp_path: Path) -> None:
    path = tmp_path / ".doover" / "config"
    path.parent.mkdir()
    path.write_bytes(FOREIGN.encode())
    update_profile(path, "default", {"TOKEN": "new.token.value", "TOKEN_EXPIRES": "1800000000.0"})
    update_profile(path, "staging", {"TOKEN": "s.t.u"})
    text = path.read_bytes().decode()
    expected = (
        FOREIGN.replace("TOKEN=abc.def.ghi\r\n", "TOKEN=new.token.value\r\n")
        .replace("TOKEN_EXPIRES=1710806400.0", "TOKEN_EXPIRES=1800000000.0")
        .replace("AUTH_SERVER_CLIENT_ID=cid", "AUTH_SERVER_CLIENT_ID=cid\nTOKEN=s.t.u\n")
    )
    assert text == expected
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["config"], "no temp file is left behind"


def test_new_profile_is_appended_after_a_blank_line(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[profile=a]\nTOKEN=x\n")
    update_profile(path, "b", {"TOKEN": "y", "BASE_URL": "http://127.0.0.1:8765"})
    assert path.read_text() == "[profile=a]\nTOKEN=x\n\n[profile=b]\nTOKEN=y\nBASE_URL=http://127.0.0.1:8765\n"


def test_jwt_exp_is_the_fallback_expiry(tmp_path: Path) -> None:
    token = make_jwt(exp=1900000000)
    parsed = parse_profiles(f"[profile=p]\nTOKEN={token}\nTOKEN_EXPIRES=\n", tmp_path / "c")
    assert parsed.get("p").token_expires == 1900000000.0
    no_exp = parse_profiles("[profile=p]\nTOKEN=opaque\n", tmp_path / "c")
    assert no_exp.get("p").token_expires is None


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("[profile=a]\nTOKEN=x\nnot a pair\n", 3, "expected KEY=VALUE in \\[profile=a\\]"),
        ("\n\n[profile=a]\nTOKEN_EXPIRES=tomorrow\n", 4, "TOKEN_EXPIRES='tomorrow' is neither"),
        ("[profile=a]\nTOKEN=x\n\n[profile=a]\nTOKEN=y\n", 4, "defined twice \\(first at line 1\\)"),
    ],
)
def test_malformed_profiles_name_the_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    parsed = parse_profiles(text, tmp_path / "config")
    with pytest.raises(ProfileFileError, match=message) as caught:
        parsed.get("a")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{tmp_path / 'config'}:{line}: ")


def test_unknown_and_missing(tmp_path: Path) -> None:
    parsed = parse_profiles("[profile=a]\nTOKEN=x\n\n[profile=b]\nTOKEN=y\n", tmp_path / "config")
    with pytest.raises(UnknownProfileError, match=r"no profile 'zz' in .*config; available: a, b"):
        parsed.get("zz")
    with pytest.raises(NoProfileFileError, match="doover login"):
        load_profiles(tmp_path / "absent")


def test_non_utf8_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_bytes(b"[profile=a]\nTOKEN=x\nBASE_URL=\xff\n")
    with pytest.raises(ProfileFileError, match="config:3: is not UTF-8"):
        load_profiles(path)


def test_reads_what_pydoover_writes_and_pydoover_reads_what_we_write(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydoover.api.auth import AuthProfile, ConfigManager

    directory = isolated_env / ".doover"
    monkeypatch.setattr(ConfigManager, "directory", str(directory))
    monkeypatch.setattr(ConfigManager, "filepath", str(directory / "config"))
    manager = ConfigManager()
    manager.create(
        AuthProfile(
            profile="default",
            token="t.o.k",
            token_expires=datetime(2030, 1, 1, tzinfo=UTC),
            control_base_url="http://127.0.0.1:9/",
            data_base_url="http://127.0.0.1:9/api",
            refresh_token="refresh",
            auth_server_client_id="client",
        )
    )
    manager.write()

    ours = load_profiles(directory / "config").get("default")
    assert ours.token == "t.o.k"
    assert ours.token_expires == datetime(2030, 1, 1, tzinfo=UTC).timestamp()
    assert ours.refreshable

    update_profile(directory / "config", "default", {"TOKEN": "n.e.w", "TOKEN_EXPIRES": "1900000000.0"})
    again = ConfigManager()
    profile = again.get("default")
    assert profile is not None
    assert profile.token == "n.e.w"
    assert profile.token_expires == datetime.fromtimestamp(1900000000, tz=UTC)
    assert profile.refresh_token == "refresh"


def test_refuses_values_with_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[profile=a]\nTOKEN=x\n")
    with pytest.raises(ProfileFileError, match="refusing to write REFRESH_TOKEN"):
        update_profile(path, "a", {"REFRESH_TOKEN": "x\n\n[profile=b]\nTOKEN=evil"})
    assert path.read_text() == "[profile=a]\nTOKEN=x\n"


def test_repeated_keys_are_all_updated(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[profile=a]\nTOKEN=old1\nBASE_URL=u\nTOKEN=old2\n")
    update_profile(path, "a", {"TOKEN": "new"})
    assert path.read_text() == "[profile=a]\nTOKEN=new\nBASE_URL=u\nTOKEN=new\n"
    assert load_profiles(path).get("a").token == "new"


def test_a_symlinked_profile_file_is_written_through(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "doover-config"
    target.parent.mkdir()
    target.write_text("[profile=a]\nTOKEN=x\n")
    link = tmp_path / ".doover" / "config"
    link.parent.mkdir()
    link.symlink_to(target)
    update_profile(link, "a", {"TOKEN": "y"})
    assert link.is_symlink()
    assert target.read_text() == "[profile=a]\nTOKEN=y\n"
