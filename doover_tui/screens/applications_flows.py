"""The application workflows that wait for the user: edit with a preview, import from and write to doover_config.json.

Each runs inside a worker of the applications screen (they await modal screens).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import ascii_lowercase, digits
from typing import Any

from textual.app import App

from doover_tui.api.errors import BadRequestError, DooverError
from doover_tui.api.models import Application
from doover_tui.app_config import (
    AppConfigError,
    ConfigFile,
    Written,
    application_config,
    config_path,
    create_fields,
    read_config,
    staging_overlay,
    update_fields,
    write_app,
)
from doover_tui.literal import printable
from doover_tui.screens.applications_form import ApplicationFormModal
from doover_tui.screens.applications_preview import ABSENT, ApplicationPreviewModal, FieldChange
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.worker_errors import notify_failure
from doover_tui.store import Store

CHOICE_KEYS = (digits[1:] + ascii_lowercase)[:35]
"""Keys offered when a file holds several applications."""


@dataclass(frozen=True, slots=True)
class LocalConfig:
    """An application's entry in a ``doover_config.json`` this session read or wrote."""

    path: Path
    entry: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Imported:
    """The result of an import: the application as the server now has it, and the entry it came from."""

    application: Application
    local: LocalConfig
    outcome: str
    """``created``, ``updated`` or ``unchanged``."""


def _errors_of(exc: BadRequestError) -> dict[str, list[str]]:
    return exc.field_errors or {"": [exc.detail]}


async def edit_application(app: App[Any], store: Store, application: Application) -> Application | None:
    """Edit display name and description: form, preview (old → new), PATCH; a 400 reopens the form with its errors."""
    values: dict[str, str] | None = None
    errors: dict[str, list[str]] = {}
    while True:
        values = await app.push_screen_wait(ApplicationFormModal(application, values, errors))
        if values is None:
            return None
        old = {"display_name": application.display_name, "description": application.description}
        changes = {name: value for name, value in values.items() if value != old[name]}
        if not changes:
            app.notify("nothing changed", markup=False)
            return None
        rows = [FieldChange(name, old[name], value) for name, value in changes.items()]
        title = f"Change application {application.name}"
        preview = ApplicationPreviewModal(title, f"PATCH /applications/{application.id}/", rows)
        if not await app.push_screen_wait(preview):
            continue  # back to the form, with what was typed
        try:
            return await store.patch_application(application.id, changes)
        except BadRequestError as exc:
            errors = _errors_of(exc)
        except DooverError as exc:
            notify_failure(app, exc)
            return None


async def import_application(app: App[Any], store: Store, path_text: str, *, staging: bool) -> Imported | None:
    """Import an application from a ``doover_config.json``: create it (POST) or PATCH its changed fields.

    With ``staging``, the entry's ``staging_config`` overrides are applied first.
    """
    try:
        config = await asyncio.to_thread(read_config, config_path(path_text))
    except AppConfigError as exc:
        app.notify(printable(str(exc)), title="Import", severity="error", markup=False)
        return None
    key = await _choose(app, config)
    if key is None:
        return None
    local = LocalConfig(config.path, config.apps[key])
    entry = staging_overlay(local.entry, local.entry.get("staging_config"))[0] if staging else local.entry
    name = str(entry.get("name") or key)
    try:
        # Fresh, not cached: an application created since the list loaded must be updated, not created twice.
        existing = next((a for a in (await store.applications(force=True)).value if a.name == name), None)
    except DooverError as exc:
        notify_failure(app, exc)
        return None
    source = config.long_description_files.get(key)
    note = f"long_description read from {source}" if source else ""
    note += " · staging overrides applied" if staging else ""
    if existing is None:
        return await _create(app, store, local, create_fields(entry), note)
    fields = update_fields(entry, existing)
    if not fields:
        app.notify(f"{name} is already up to date with {config.path.name}", markup=False)
        return Imported(existing, local, "unchanged")
    return await _update(app, store, local, existing, fields, note)


async def _choose(app: App[Any], config: ConfigFile) -> str | None:
    names = list(config.apps)
    if len(names) == 1:
        return names[0]
    choices = [(CHOICE_KEYS[index], printable(name)) for index, name in enumerate(names[: len(CHOICE_KEYS)])]
    question = f"{config.path} holds {len(names)} applications. Import which?"
    answer = await app.push_screen_wait(ChoiceModal("Import", question, choices))
    return None if answer is None else names[CHOICE_KEYS.index(answer)]


async def _create(
    app: App[Any], store: Store, local: LocalConfig, fields: dict[str, Any], note: str
) -> Imported | None:
    rows = [FieldChange(name, ABSENT, value) for name, value in fields.items()]
    title = f"Create application {fields.get('name', '')}"
    answer = await _confirm(app, title, "POST /applications/", rows, note, lambda: store.create_application(fields))
    return None if answer is None else Imported(answer, local, "created")


async def _update(
    app: App[Any], store: Store, local: LocalConfig, existing: Application, fields: dict[str, Any], note: str
) -> Imported | None:
    current = application_config(existing)
    rows = [FieldChange(name, current.get(name, ABSENT), value) for name, value in fields.items()]
    title = f"Update application {existing.name}: {len(rows)} field{'s' if len(rows) != 1 else ''} changed"
    request = f"PATCH /applications/{existing.id}/"
    answer = await _confirm(app, title, request, rows, note, lambda: store.patch_application(existing.id, fields))
    return None if answer is None else Imported(answer, local, "updated")


async def _confirm(
    app: App[Any],
    title: str,
    request: str,
    rows: Sequence[FieldChange],
    note: str,
    send: Callable[[], Awaitable[Application]],
) -> Application | None:
    """Preview, send on ``y``; a 400 shows the preview again with each error under its field."""
    if not await app.push_screen_wait(ApplicationPreviewModal(title, request, rows, note=note)):
        return None
    try:
        result = await send()
    except BadRequestError as exc:
        await app.push_screen_wait(ApplicationPreviewModal(title, request, rows, errors=_errors_of(exc), note=note))
        return None
    except DooverError as exc:
        notify_failure(app, exc)
        return None
    return result


async def write_application(
    app: App[Any], application: Application, local: Mapping[str, Any] | None, path_text: str
) -> LocalConfig | None:
    """Write the application's configuration into a ``doover_config.json``, merging; other apps stay as they were."""
    path = config_path(path_text)
    config = application_config(application)
    if application.staging_config is None and local and isinstance(local.get("staging_config"), dict):
        config["staging_config"] = local["staging_config"]
    try:
        written: Written = await asyncio.to_thread(write_app, path, config)
        entry = (await asyncio.to_thread(read_config, path)).apps.get(application.name, config)
    except AppConfigError as exc:
        app.notify(printable(str(exc)), title="Write", severity="error", markup=False)
        return None
    kept = f"; {len(written.others)} other application(s) kept" if written.others else ""
    readme = f"; long description left in {written.long_description_file}" if written.long_description_file else ""
    verb = "created" if written.created else "updated"
    app.notify(printable(f"{application.name} written to {path} ({verb}{kept}{readme})"), markup=False)
    return LocalConfig(path, entry)
