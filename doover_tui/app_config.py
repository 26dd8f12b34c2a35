"""Doover application configuration as app repositories keep it in ``doover_config.json``, and its API form.

The file maps application names to their configuration (the doover-cli layout). This module
reads it (a ``long_description`` that names a file beside it is read in), works out what
to send to the control API (every field to create; only the changed ones to update), merges
an application back into a file without touching the others, applies ``staging_config``
overrides, and puts type, visibility and install codes into words.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from doover_tui.api.models import APPLICATION_TYPES, APPLICATION_VISIBILITIES, Application

CONFIG_FILE_NAME = "doover_config.json"

SYNCED_FIELDS = (
    "name",
    "display_name",
    "description",
    "long_description",
    "type",
    "visibility",
    "allow_many",
    "depends_on",
    "config_schema",
    "image_name",
    "repository_url",
    "icon_url",
)
"""Fields that mean the same in the file and in the API: imported from the file, written back to it."""

CREATE_DEFAULTS: dict[str, Any] = {"description": "", "type": "DEV", "visibility": "PRI", "depends_on": []}
"""Values for the fields a create requires when the file leaves them out (doover-cli's defaults)."""

INSTALL_STATUSES = {"QUE": "Queued", "RUN": "Running", "SUC": "Succeeded", "FAI": "Failed", "CAN": "Cancelled"}
"""An app install's latest deployment status codes (reference §5.5)."""

SYNC_STATES = {"OK": "synced", "NO": "out of sync", "OV": "overrides set"}
"""An app install's ``synced`` codes."""


class AppConfigError(ValueError):
    """A ``doover_config.json`` that cannot be read or written as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """A ``doover_config.json`` as read.

    Attributes:
        path: where it was read from.
        apps: each application's configuration by name, ``long_description`` files read in.
        long_description_files: for apps whose long description came from a file, that file's name.
    """

    path: Path
    apps: dict[str, dict[str, Any]]
    long_description_files: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Written:
    """What writing an application into a file did.

    Attributes:
        path: the file written.
        created: the file did not exist before.
        others: the names of the other applications it holds (kept as they were).
        long_description_file: the file the entry's long description stays in (not rewritten), if any.
    """

    path: Path
    created: bool
    others: tuple[str, ...]
    long_description_file: str | None = None


def config_path(text: str) -> Path:
    """The file a typed path means: ``~`` expanded, and a directory means its ``doover_config.json``."""
    path = Path(text.strip() or ".").expanduser()
    return path / CONFIG_FILE_NAME if path.is_dir() else path


def _load_object(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AppConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AppConfigError(f"{path}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise AppConfigError(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(document, dict):
        raise AppConfigError(f"{path}: expected a JSON object mapping application names to their configuration")
    return document


def is_app_entry(value: Any) -> bool:
    """Whether a top-level entry of the file is an application (not some other setting kept there)."""
    return isinstance(value, dict) and any(key in value for key in ("name", "display_name", "type"))


def _long_description_file(entry: Mapping[str, Any], base: Path) -> Path | None:
    """The file the entry's ``long_description`` names, when it names one that exists beside the config."""
    value = entry.get("long_description")
    if not isinstance(value, str) or not value.strip() or "\n" in value or len(value) > 255:
        return None
    candidate = base / value.strip()
    return candidate if candidate.is_file() else None


def read_config(path: Path) -> ConfigFile:
    """Read a ``doover_config.json``.

    Raises:
        AppConfigError: missing, unreadable, not JSON, not an object, or holding no application.
    """
    document = _load_object(path)
    apps: dict[str, dict[str, Any]] = {}
    files: dict[str, str] = {}
    for key, value in document.items():
        if not is_app_entry(value):
            continue
        entry = dict(value)
        entry.setdefault("name", key)
        readme = _long_description_file(entry, path.parent)
        if readme is not None:
            try:
                entry["long_description"] = readme.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise AppConfigError(f"{readme}: cannot be read ({exc})") from None
            files[key] = str(value["long_description"]).strip()
        apps[key] = entry
    if not apps:
        raise AppConfigError(f"{path}: holds no application (expected {{name: {{display_name, type, …}}}})")
    return ConfigFile(path, apps, files)


def application_config(app: Application) -> dict[str, Any]:
    """An application as its ``doover_config.json`` entry has it (the synced fields the API gave)."""
    config: dict[str, Any] = {
        "name": app.name,
        "display_name": app.display_name,
        "description": app.description,
        "long_description": app.long_description,
        "type": app.type,
        "visibility": app.visibility,
        "allow_many": app.allow_many,
        "depends_on": list(app.depends_on),
        "config_schema": app.config_schema if app.config_schema is not None else {},
    }
    for name in ("image_name", "repository_url", "icon_url"):
        if getattr(app, name):
            config[name] = getattr(app, name)
    if app.staging_config is not None:
        config["staging_config"] = app.staging_config
    return config


def main_config(app: Application, local: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the detail shows: the API's fields, plus those only a local file has (``repo_branch``, …)."""
    local_only = {key: value for key, value in (local or {}).items() if key not in SYNCED_FIELDS}
    return local_only | application_config(app)


def _same(name: str, wanted: Any, current: Any) -> bool:
    """Equal as the API means it: a missing string is empty, a missing schema is ``{}``."""
    empty: Any = {} if name == "config_schema" else [] if name == "depends_on" else ""
    wanted = empty if wanted is None else wanted
    current = empty if current is None else current
    return bool(wanted == current and type(wanted) is type(current))


def create_fields(entry: Mapping[str, Any], organisation: str | None = None) -> dict[str, Any]:
    """The body of a POST creating the entry's application; null optional fields are left out.

    The two ids are required by the API (null allowed): the entry's, else ``organisation`` (the session's), else null.
    """
    fields = {name: entry[name] for name in SYNCED_FIELDS if name in entry and entry[name] is not None}
    fields.setdefault("display_name", entry.get("name", ""))
    for name, default in CREATE_DEFAULTS.items():
        fields.setdefault(name, default)
    fields["organisation_id"] = _first_id(entry, "organisation_id", "owner_org_id") or organisation
    fields["container_registry_profile_id"] = _first_id(entry, "container_registry_profile_id")
    return fields


def _first_id(entry: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = entry.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def update_fields(entry: Mapping[str, Any], app: Application) -> dict[str, Any]:
    """The body of a PATCH bringing ``app`` in line with the entry: only the fields that differ."""
    current = application_config(app)
    return {
        name: entry[name]
        for name in SYNCED_FIELDS
        if name in entry and name != "name" and not _same(name, entry[name], current.get(name))
    }


def merge_app(
    document: Mapping[str, Any], name: str, config: Mapping[str, Any], *, keep_long_description: bool = False
) -> dict[str, Any]:
    """The file's document with ``name`` updated from ``config``; other apps and the entry's other keys stay."""
    merged = dict(document)
    entry = dict(merged.get(name) or {}) if isinstance(merged.get(name), dict) else {}
    for key, value in config.items():
        if key == "long_description" and keep_long_description:
            continue  # the entry names a README beside the file: the file stays the source of that text
        entry[key] = value
    merged[name] = entry
    return merged


@dataclass(frozen=True, slots=True)
class PlannedWrite:
    """What writing an application into a file would do, before anything is written.

    Attributes:
        written: the outcome, once ``commit_write`` has run.
        old_entry: the application's entry in the file now (empty when it has none).
        new_entry: the entry after the write.
        text: the whole new file.
    """

    written: Written
    old_entry: dict[str, Any]
    new_entry: dict[str, Any]
    text: str


def detect_indent(text: str) -> str | int:
    """The indentation a JSON file uses: a tab, or the spaces before its first indented line (2 when unknown)."""
    for line in text.splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and stripped != line:
            indent = line[: len(line) - len(stripped)]
            return "\t" if indent.startswith("\t") else len(indent)
    return 2


def plan_write(path: Path, config: Mapping[str, Any]) -> PlannedWrite:
    """Work out the file that merging an application into ``path`` gives, keeping the file's indentation.

    Raises:
        AppConfigError: no name, or the existing file cannot be read as a configuration.
    """
    name = str(config.get("name") or "")
    if not name:
        raise AppConfigError("the application has no name to file it under")
    created = not path.exists()
    document = {} if created else _load_object(path)
    indent = 2 if created else detect_indent(path.read_text(encoding="utf-8"))
    existing = document.get(name)
    readme = _long_description_file(existing, path.parent) if isinstance(existing, dict) else None
    merged = merge_app(document, name, config, keep_long_description=readme is not None)
    others = tuple(key for key, value in document.items() if key != name and is_app_entry(value))
    kept = str(existing["long_description"]).strip() if readme is not None and isinstance(existing, dict) else None
    old_entry = dict(existing) if isinstance(existing, dict) else {}
    text = json.dumps(merged, indent=indent, ensure_ascii=False) + "\n"
    return PlannedWrite(Written(path, created, others, kept), old_entry, merged[name], text)


def commit_write(plan: PlannedWrite) -> Written:
    """Write a planned file, atomically.

    Raises:
        AppConfigError: the file cannot be written.
    """
    _atomic_write(plan.written.path, plan.text)
    return plan.written


def write_app(path: Path, config: Mapping[str, Any]) -> Written:
    """Merge an application's configuration into the file at ``path`` (created if missing), atomically.

    Raises:
        AppConfigError: the existing file cannot be read as a configuration, or the new one cannot be written.
    """
    return commit_write(plan_write(path, config))


def _atomic_write(path: Path, text: str) -> None:
    """Write through a temporary file beside ``path`` then rename it over: a crash leaves old or new, never half."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, mode)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise AppConfigError(f"{path}: cannot be written ({exc})") from None


def staging_overlay(
    main: Mapping[str, Any], staging: Mapping[str, Any] | None
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``staging_config`` applied over the main values, and the overridden keys in the staging order.

    Overrides replace whole top-level values, as ``doover app publish --staging`` applies them.
    """
    overrides = dict(staging or {})
    return dict(main) | overrides, tuple(overrides)


def type_words(code: str) -> str:
    """An application type in words (``Processor``); an unknown code as given."""
    return APPLICATION_TYPES.get(code, code or "—")


def visibility_words(code: str) -> str:
    """An application visibility in words (``Private``); an unknown code as given."""
    return APPLICATION_VISIBILITIES.get(code, code or "—")


def install_status_words(code: str) -> str:
    """An install's latest deployment status in words; none yet is ``never deployed``."""
    return INSTALL_STATUSES.get(code, code) if code else "never deployed"


def sync_words(code: str) -> str:
    """An install's ``synced`` state in words."""
    return SYNC_STATES.get(code, code or "—")
