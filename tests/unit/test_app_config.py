"""doover_config.json handling: reading, fields to create and update, merging back, staging overrides, words."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from doover_tui.api.models import Application
from doover_tui.app_config import (
    CONFIG_FILE_NAME,
    AppConfigError,
    application_config,
    commit_write,
    config_path,
    create_fields,
    detect_indent,
    install_status_words,
    is_app_entry,
    main_config,
    merge_app,
    plan_write,
    read_config,
    staging_overlay,
    sync_words,
    type_words,
    update_fields,
    visibility_words,
    write_app,
)

SOIL: dict[str, Any] = {
    "key": "0f0e-uuid",
    "name": "soil_probe",
    "display_name": "Soil Probe",
    "type": "DEV",
    "visibility": "PRI",
    "allow_many": False,
    "description": "Reads soil moisture.",
    "long_description": "README.md",
    "depends_on": ["modbus_bridge"],
    "owner_org_key": "",
    "image_name": "ghcr.io/example/soil_probe:main",
    "repo_branch": "main",
    "build_args": "--platform linux/arm64",
    "config_schema": {"type": "object", "properties": {"interval": {"type": "integer", "default": 60}}},
    "staging_config": {"image_name": "ghcr.io/example/soil_probe:staging"},
}


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, indent=4))
    return path


def app(**fields: Any) -> Application:
    body: dict[str, Any] = {"id": "7", "name": "soil_probe", "display_name": "Soil Probe", "type": "DEV"}
    return Application.from_json(body | fields)


def test_read_config_reads_the_readme_beside_it_and_skips_other_settings(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Soil probe\n\nLong words.\n")
    path = write_json(tmp_path / CONFIG_FILE_NAME, {"soil_probe": SOIL, "deployment_package_dir": "deploy/"})
    config = read_config(path)
    assert list(config.apps) == ["soil_probe"]
    assert config.apps["soil_probe"]["long_description"] == "# Soil probe\n\nLong words.\n"
    assert config.long_description_files == {"soil_probe": "README.md"}
    assert config.path == path


def test_read_config_keeps_an_inline_long_description_and_names_apps_by_key(tmp_path: Path) -> None:
    entry = {"display_name": "Gate", "type": "DEV", "long_description": "No file by this name.md"}
    config = read_config(write_json(tmp_path / "c.json", {"gate": entry}))
    assert config.apps["gate"]["long_description"] == "No file by this name.md"
    assert config.apps["gate"]["name"] == "gate"
    assert config.long_description_files == {}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "no such file"),
        ("{not json", "not JSON (line 1, column 2"),
        ("[1, 2]", "expected a JSON object"),
        ('{"setting": 1}', "holds no application"),
    ],
)
def test_read_config_says_what_is_wrong(tmp_path: Path, content: str | None, words: str) -> None:
    path = tmp_path / CONFIG_FILE_NAME
    if content is not None:
        path.write_text(content)
    with pytest.raises(AppConfigError, match=words.replace("(", r"\(")):
        read_config(path)


def test_config_path_means_the_file_in_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config_path(str(tmp_path)) == tmp_path / CONFIG_FILE_NAME
    assert config_path(str(tmp_path / "x.json")) == tmp_path / "x.json"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config_path("~/y.json") == tmp_path / "y.json"


def test_is_app_entry() -> None:
    assert is_app_entry({"type": "DEV"})
    assert not is_app_entry({"dir": "x"})
    assert not is_app_entry("text")


def test_create_fields_fill_what_the_api_requires() -> None:
    fields = create_fields({"name": "bare"})
    assert fields == {
        "name": "bare",
        "display_name": "bare",
        "description": "",
        "type": "DEV",
        "visibility": "PRI",
        "depends_on": [],
        "organisation_id": None,  # required by the API (POST as PUT), null allowed
        "container_registry_profile_id": None,
    }
    assert "image_name" not in create_fields({"name": "x", "image_name": None})  # null optional fields left out
    assert create_fields({"name": "x"}, "77")["organisation_id"] == "77"  # the session's organisation
    assert create_fields({"name": "x", "organisation_id": "5"}, "77")["organisation_id"] == "5"


def test_create_fields_take_the_synced_fields_and_organisation() -> None:
    fields = create_fields(SOIL | {"owner_org_id": "42"})
    assert fields["organisation_id"] == "42"
    assert fields["image_name"] == SOIL["image_name"]
    assert fields["config_schema"] == SOIL["config_schema"]
    for local_only in ("key", "repo_branch", "build_args", "staging_config", "owner_org_key"):
        assert local_only not in fields


def test_update_fields_are_only_the_changed_ones() -> None:
    current = app(
        description="Reads soil moisture.",
        visibility="PRI",
        depends_on=["modbus_bridge"],
        image_name="ghcr.io/example/soil_probe:main",
        config_schema=SOIL["config_schema"],
        long_description="README.md",
    )
    assert update_fields(SOIL, current) == {}
    changed = update_fields(SOIL | {"display_name": "Soil Probe 2", "allow_many": True}, current)
    assert changed == {"display_name": "Soil Probe 2", "allow_many": True}


def test_update_fields_treat_missing_and_empty_alike_but_not_other_types() -> None:
    current = app(config_schema=None, image_name=None)
    assert update_fields({"config_schema": {}, "image_name": None, "description": ""}, current) == {}
    assert update_fields({"allow_many": 0}, current) == {"allow_many": 0}
    assert update_fields({"name": "renamed"}, current) == {}  # the name is how the app was found


def test_application_config_and_main_config() -> None:
    current = app(repository_url="https://example.com/r", staging_config={"image_name": "s"})
    config = application_config(current)
    assert config["repository_url"] == "https://example.com/r"
    assert config["staging_config"] == {"image_name": "s"}
    assert "image_name" not in config  # empty on the server: left out rather than written as ""
    shown = main_config(current, {"repo_branch": "dev", "display_name": "local name"})
    assert shown["repo_branch"] == "dev"
    assert shown["display_name"] == "Soil Probe"  # the API's value wins for synced fields


def test_merge_app_keeps_other_apps_and_unknown_keys() -> None:
    document = {"other": {"name": "other", "type": "PRO"}, "soil_probe": {"key": "k", "display_name": "Old"}}
    merged = merge_app(document, "soil_probe", {"display_name": "New", "long_description": "text"})
    assert merged["other"] == {"name": "other", "type": "PRO"}
    assert merged["soil_probe"] == {"key": "k", "display_name": "New", "long_description": "text"}
    kept = merge_app(document, "soil_probe", {"long_description": "text"}, keep_long_description=True)
    assert "long_description" not in kept["soil_probe"]
    assert document["soil_probe"]["display_name"] == "Old"  # the input is not changed


def test_write_app_creates_a_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / CONFIG_FILE_NAME
    written = write_app(path, {"name": "soil_probe", "display_name": "Soil"})
    assert written.created
    assert written.others == ()
    assert json.loads(path.read_text()) == {"soil_probe": {"name": "soil_probe", "display_name": "Soil"}}


def test_write_app_merges_keeps_others_readme_and_mode(tmp_path: Path) -> None:
    tmp_path = tmp_path / "repo"
    tmp_path.mkdir()
    (tmp_path / "README.md").write_text("local readme")
    other = {"name": "other", "display_name": "Other", "type": "PRO"}
    path = write_json(tmp_path / CONFIG_FILE_NAME, {"other": other, "soil_probe": SOIL, "setting": 3})
    os.chmod(path, 0o640)
    written = write_app(path, {"name": "soil_probe", "display_name": "Renamed", "long_description": "server text"})
    document = json.loads(path.read_text())
    assert document["other"] == other
    assert document["setting"] == 3
    assert document["soil_probe"]["display_name"] == "Renamed"
    assert document["soil_probe"]["long_description"] == "README.md"
    assert document["soil_probe"]["staging_config"] == SOIL["staging_config"]
    assert (tmp_path / "README.md").read_text() == "local readme"
    assert written.others == ("other",)
    assert written.long_description_file == "README.md"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md", CONFIG_FILE_NAME]  # no temporary left


def test_write_app_keeps_the_file_indentation(tmp_path: Path) -> None:
    two = tmp_path / "two.json"
    two.write_text(json.dumps({"soil_probe": SOIL, "other": {"name": "other", "type": "PRO"}}, indent=2) + "\n")
    before = two.read_text().splitlines()
    write_app(two, {"name": "soil_probe", "display_name": "Renamed"})
    after = two.read_text().splitlines()
    assert len(after) == len(before)
    assert [a for a, b in zip(before, after, strict=True) if a != b] == ['    "display_name": "Soil Probe",']
    tabs = tmp_path / "tabs.json"
    tabs.write_text(json.dumps({"soil_probe": SOIL}, indent="\t"))
    write_app(tabs, {"name": "soil_probe", "display_name": "Renamed"})
    assert tabs.read_text().splitlines()[1] == '\t"soil_probe": {'
    assert detect_indent("{}") == 2
    assert detect_indent('{\n    "a": 1\n}') == 4


def test_plan_write_writes_nothing_and_says_what_changes(tmp_path: Path) -> None:
    path = write_json(tmp_path / CONFIG_FILE_NAME, {"soil_probe": {"name": "soil_probe", "display_name": "Old"}})
    before = path.read_text()
    plan = plan_write(path, {"name": "soil_probe", "display_name": "New"})
    assert path.read_text() == before
    assert plan.old_entry == {"name": "soil_probe", "display_name": "Old"}
    assert plan.new_entry == {"name": "soil_probe", "display_name": "New"}
    assert commit_write(plan).path == path
    assert json.loads(path.read_text())["soil_probe"]["display_name"] == "New"


def test_write_app_refuses_a_broken_file_and_leaves_it(tmp_path: Path) -> None:
    path = tmp_path / CONFIG_FILE_NAME
    path.write_text("{broken")
    with pytest.raises(AppConfigError, match="not JSON"):
        write_app(path, {"name": "soil_probe"})
    assert path.read_text() == "{broken"
    with pytest.raises(AppConfigError, match="no name"):
        write_app(tmp_path / "other.json", {"display_name": "nameless"})


def test_staging_overlay_replaces_top_level_values_and_lists_them() -> None:
    main = {"image_name": "main", "config_schema": {"a": 1, "b": 2}, "display_name": "X"}
    shown, overridden = staging_overlay(main, {"image_name": "staging", "config_schema": {"a": 3}})
    assert shown == {"image_name": "staging", "config_schema": {"a": 3}, "display_name": "X"}
    assert overridden == ("image_name", "config_schema")
    assert staging_overlay(main, None) == (main, ())


def test_codes_in_words() -> None:
    assert [type_words(code) for code in ("DEV", "PRO", "TAS", "INT", "REP")] == [
        "Device",
        "Processor",
        "Task",
        "Integration",
        "Report generator",
    ]
    assert [visibility_words(code) for code in ("COR", "PUB", "PRI", "INT")] == [
        "Core",
        "Public",
        "Private",
        "Internal",
    ]
    assert type_words("NEW") == "NEW"
    assert visibility_words("") == "—"
    assert install_status_words("FAI") == "Failed"
    assert install_status_words("") == "never deployed"
    assert sync_words("OV") == "overrides set"
